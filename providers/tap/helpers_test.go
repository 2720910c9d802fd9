package tap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// testKey is Tap's public sandbox key, the one its documentation and the
// reference's worked hashstring vector use.
var testKey = qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")

// seedChargeID is the charge of Tap's documented QPay example.
const seedChargeID = "chg_TS07A0320241133g5RO1906000"

// testNow is the clock of the tests that look at the refund list's period.
var testNow = time.Date(2024, 6, 19, 12, 0, 0, 0, time.UTC)

// fixture returns testdata/name, a body from Tap's documentation.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// patch returns the JSON body with the dotted paths set to the given
// values (nil deletes). Numbers are kept as written, never through a float.
func patch(t *testing.T, body []byte, sets map[string]any) []byte {
	t.Helper()
	out, err := patchJSON(body, sets)
	require.NoError(t, err)
	return out
}

// patchJSON is patch without a *testing.T, for code that runs inside gock's
// transport.
func patchJSON(body []byte, sets map[string]any) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	for path, v := range sets {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		if v == nil {
			delete(m, keys[len(keys)-1])
		} else {
			m[keys[len(keys)-1]] = v
		}
	}
	return json.Marshal(doc)
}

// gockHTTP returns HTTP options whose client gock intercepts, with backoffs
// short enough for tests. gock is global: tests using it never run in
// parallel.
func gockHTTP(t *testing.T) qpay.HTTPOptions {
	t.Helper()
	client := &http.Client{}
	gock.InterceptClient(client)
	gock.Intercept()
	gock.CleanUnmatchedRequest()
	t.Cleanup(func() {
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	return qpay.HTTPOptions{
		Client:      client,
		MaxAttempts: 3,
		MinBackoff:  time.Millisecond,
		MaxBackoff:  5 * time.Millisecond,
	}
}

// newTestProvider builds the provider the way a merchant would, on gock,
// with the test clock. edit may change the configuration first.
func newTestProvider(t *testing.T, edit ...func(*Config)) qpay.Provider {
	t.Helper()
	cfg := Config{SecretKey: testKey, HTTP: gockHTTP(t)}
	for _, e := range edit {
		e(&cfg)
	}
	a, err := newAdapter(cfg)
	require.NoError(t, err)
	a.now = func() time.Time { return testNow }
	return driver.Wrap(a, driver.Options{})
}

// tapAPI starts a gock expectation on Tap's API host.
func tapAPI() *gock.Request { return gock.New(DefaultBaseURL) }

// recorder keeps the requests a gock mock answered, for assertions on the
// exact bytes qpay sent.
type recorder struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	requests int
}

// record is a gock response mapper: it reads the request the mock answers.
func (r *recorder) record(res *http.Response) *http.Response {
	var body []byte
	if res.Request != nil && res.Request.Body != nil {
		body, _ = io.ReadAll(res.Request.Body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.bodies = append(r.bodies, body)
	if res.Request != nil {
		r.headers = append(r.headers, res.Request.Header.Clone())
	}
	return res
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

func (r *recorder) body(t *testing.T, i int) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Greater(t, len(r.bodies), i, "request %d was not made", i)
	return r.bodies[i]
}

func qar(s string) money.Money { return money.MustParse(s, "QAR") }

// seedRequest is the merchant's side of Tap's documented QPay example:
// QAR 1 for order txn_01.
func seedRequest() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      qar("1.00"),
		Reference:   "txn_01",
		Description: "Test Description",
		Customer: qpay.Customer{
			Name:  "test test",
			Email: "test@test.com",
			Phone: qpay.Phone{CountryCode: "965", Number: "51234567"},
		},
		ReturnURL:  "http://your_website.com/redirect_url",
		WebhookURL: "http://your_website.com/post_url",
		Metadata:   map[string]string{"udf1": "Metadata 1"},
	}
}

// asError returns err as a *qpay.Error, failing the test if it is not one.
func asError(t *testing.T, err error) *qpay.Error {
	t.Helper()
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	return e
}

// refundPage is one page of Tap's refund list holding the given refund
// objects, newest first.
func refundPage(t *testing.T, hasMore bool, refunds ...[]byte) []byte {
	t.Helper()
	raws := make([]json.RawMessage, len(refunds))
	for i, r := range refunds {
		raws[i] = r
	}
	b, err := json.Marshal(map[string]any{"object": "list", "has_more": hasMore, "refunds": raws})
	require.NoError(t, err)
	return b
}

// tapRefund is the documented pending refund with the given fields changed.
func tapRefund(t *testing.T, sets map[string]any) []byte {
	t.Helper()
	return patch(t, fixture(t, "refund-pending.json"), sets)
}

// jsonResponse turns a gock response into an answer of code with body, for
// mappers that compute their answer from the request.
func jsonResponse(res *http.Response, code int, body []byte) *http.Response {
	res.StatusCode = code
	res.Status = fmt.Sprintf("%d %s", code, http.StatusText(code))
	if res.Header == nil {
		res.Header = http.Header{}
	}
	res.Header.Set("Content-Type", "application/json")
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	return res
}

// readBack mocks Tap's answers, times times, to the read-back the portable
// layer makes of every webhook (Tap signs seven fields only): GET
// /v2/charges/{id} or GET /v2/refunds/{id} for the object's id, answered
// with object, the object as Tap holds it.
func readBack(t *testing.T, object []byte, times int) {
	t.Helper()
	var head struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(object, &head))
	path := "/v2/charges/"
	if strings.HasPrefix(head.ID, "re_") {
		path = "/v2/refunds/"
	}
	tapAPI().Get(path + head.ID).Times(times).Reply(http.StatusOK).JSON(object)
}
