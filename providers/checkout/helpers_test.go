package checkout

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/adaptertest"
)

// Keys of the shapes Checkout issues. None of them is real.
var (
	sandboxKey    = qpay.NewSecret("sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e")
	liveKey       = qpay.NewSecret("sk_m73dzbpy7cf3gfd46xr4yj5xo4e")
	previousKey   = qpay.NewSecret("sk_test_fde517a8-3f01-41ef-b4bd-4282384b0a64")
	previousLive  = qpay.NewSecret("sk_fde517a8-3f01-41ef-b4bd-4282384b0a64")
	webhookSecret = qpay.NewSecret("whsec_0d6b2f3c9a8e4f1b7c2d")
)

// fixturePaymentID is the payment every reference example is about.
const fixturePaymentID = "pay_7eil5osdlcdehe62et5aihec4q"

// fixture reads a file of testdata/.
func fixture(t *testing.T, name string) []byte { t.Helper(); return adaptertest.Fixture(t, name) }

// patch decodes a JSON object, lets edit change it, and encodes it again.
func patch(t *testing.T, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	return adaptertest.Patch(t, body, edit)
}

// obj returns m[key] as an object, for patch.
func obj(m map[string]any, key string) map[string]any { return adaptertest.Obj(m, key) }

// testHTTP returns transport options whose client gock intercepts.
func testHTTP(t *testing.T) qpay.HTTPOptions { t.Helper(); return adaptertest.GockHTTP(t) }

// newTestProvider builds the provider a merchant would, on gock, with a
// sandbox key unless cfg says otherwise.
func newTestProvider(t *testing.T, cfg Config) qpay.Provider {
	t.Helper()
	if cfg.SecretKey.IsZero() {
		cfg.SecretKey = sandboxKey
	}
	if cfg.WebhookSecret.IsZero() {
		cfg.WebhookSecret = webhookSecret
	}
	opts := testHTTP(t)
	if cfg.HTTP.MaxAttempts != 0 {
		opts.MaxAttempts = cfg.HTTP.MaxAttempts
	}
	cfg.HTTP = opts
	p, err := New(cfg)
	require.NoError(t, err)
	return p
}

// requireGockDone checks that every mock was used and nothing else was
// asked.
func requireGockDone(t *testing.T) {
	t.Helper()
	require.True(t, gock.IsDone(), "some mocked requests were not made")
	require.False(t, gock.HasUnmatchedRequest(), "unexpected requests: %v", gock.GetUnmatchedRequests())
}

// recorded is one request as the provider received it.
type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// recorder keeps the requests its mocks answered, in order.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

// record is a gock response mapper that stores the request.
func (r *recorder) record(res *http.Response) *http.Response {
	req := res.Request
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: body})
	return res
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// newPaymentReq is a request shaped like the schema-exact reference
// example (payment-qpay-request.json), for QAR 79.10.
func newPaymentReq() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      money.MustParse("79.10", "QAR"),
		Reference:   "ORD-10045",
		Description: "Order ORD-10045",
		Customer:    qpay.Customer{Name: "Shopper Name", Email: "shopper@example.qa"},
		ReturnURL:   "https://shop.example/checkout/qpay/success",
		FailureURL:  "https://shop.example/checkout/qpay/failure",
		NationalID:  "070AYY010BU234M",
		Language:    "en",
		Metadata:    map[string]string{"order_id": "ORD-10045"},
	}
}

// qar is a QAR amount for assertions.
func qar(amount string) money.Money { return money.MustParse(amount, "QAR") }

// requireKind asserts that err is a *qpay.Error of kind k and returns it.
func requireKind(t *testing.T, err error, k qpay.Kind) *qpay.Error {
	t.Helper()
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, k, e.Kind, "%v", err)
	require.Equal(t, "checkout", e.Provider)
	return e
}
