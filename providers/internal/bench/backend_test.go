package bench

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// backend is one provider as the benchmarks drive it: the fixed answers of
// its loopback server, the qpay adapter, the plain net/http floor doing the
// same round trips, and the requests both make.
type backend struct {
	name   string
	routes map[string]reply
	// open builds the adapter the way a merchant does, with qpay's own
	// connection pool (a nil HTTPOptions.Client) and the given options.
	open func(baseURL string, o qpay.HTTPOptions) (qpay.Provider, error)
	// floor builds the net/http + encoding/json client.
	floor func(baseURL string, hc *http.Client) floorClient

	create    qpay.PaymentRequest
	paymentID string
	refund    qpay.RefundRequest
	// refundTrips names the round trips of one Refund, qpay's and the
	// floor's alike, for the results table.
	refundTrips string

	webhookHeader http.Header
	webhookBody   []byte
}

// floorClient is the least any Go client does for each operation: build
// the same request body from a struct with encoding/json, send it with
// net/http, check the status, and decode the answer into a struct holding
// the fields the adapter reads. No validation, no retries, no integrity
// checks, no idempotency key generation (a constant key is sent).
type floorClient interface {
	CreatePayment(ctx context.Context) (seen, error)
	GetPayment(ctx context.Context) (seen, error)
	// Refund makes the round trips qpay's Refund makes: read the payment,
	// read its refunds, then POST the refund.
	Refund(ctx context.Context) (seen, error)
	// RefundPost is the POST alone, reported for information.
	RefundPost(ctx context.Context) (seen, error)
	// ParseWebhook is HMAC-SHA256 and json.Unmarshal of the same body.
	ParseWebhook(header http.Header, body []byte) (seen, error)
}

// seen is what a floor call read from the answer; the smoke test compares
// it with what qpay reports for the same answer.
type seen struct {
	id, status, reference string
}

// httpOptions are the adapters' HTTP options in every benchmark: qpay's own
// pool (nil Client) and small backoffs, which never come into play because
// the loopback server never fails.
var httpOptions = qpay.HTTPOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// backends returns both providers, fixtures loaded.
func backends(tb testing.TB) []*backend {
	tb.Helper()
	return []*backend{tapBackend(tb), checkoutBackend(tb)}
}

// fixture reads testdata/<name>.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	return b
}

// newFloorHTTPClient is the floor's client: net/http's default transport
// with an idle pool as large as the most workers any benchmark runs, so
// that the floor never pays for a new connection it could have kept.
func newFloorHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}

func qar(s string) money.Money { return money.MustParse(s, "QAR") }
