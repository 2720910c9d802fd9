package qpaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/checkoutsim"
)

// startServer starts a simulator that the test closes.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// receiver is a merchant's webhook endpoint that records what it gets and
// answers with status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), b})
		code := r.status
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) answer(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = code
}

// clock is an injectable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// apiResp is a raw answer of the simulator.
type apiResp struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResp) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body %s", r.body)
	return m
}

// tapCodes returns the codes of a Tap error body.
func (r apiResp) tapCodes(t *testing.T) []string {
	t.Helper()
	var e struct {
		Errors []struct{ Code, Description string }
	}
	require.NoError(t, json.Unmarshal(r.body, &e), "body %s", r.body)
	var codes []string
	for _, x := range e.Errors {
		require.NotEmpty(t, x.Description, "every Tap error has a description")
		codes = append(codes, x.Code)
	}
	return codes
}

// ckoCodes returns the error_codes of a Checkout ValidationError.
func (r apiResp) ckoCodes(t *testing.T) []string {
	t.Helper()
	var e checkoutsim.ValidationError
	require.NoError(t, json.Unmarshal(r.body, &e), "body %s", r.body)
	require.NotEmpty(t, e.RequestID)
	require.Equal(t, "request_invalid", e.ErrorType)
	return e.ErrorCodes
}

// send makes a raw API request to the simulator. body is JSON-encoded
// unless it is a string or []byte.
func send(t *testing.T, s *Server, method, path string, header http.Header, body any) apiResp {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL()+path, r)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return apiResp{resp.StatusCode, resp.Header, data}
}

func tapAuth(s *Server) http.Header {
	return http.Header{"Authorization": {"Bearer " + s.TapSecretKey().Reveal()}}
}

func ckoAuth(s *Server) http.Header {
	return http.Header{"Authorization": {"Bearer " + s.CheckoutSecretKey().Reveal()}}
}

// tapChargeReq is a valid Tap charge request, as the wire decisions
// describe it.
func tapChargeReq(postURL string) map[string]any {
	m := map[string]any{
		"amount":             json.Number("79.10"),
		"currency":           "QAR",
		"customer_initiated": true,
		"threeDSecure":       true,
		"save_card":          false,
		"description":        "Order ORD-1",
		"metadata":           map[string]any{"order_id": "ORD-1"},
		"reference":          map[string]any{"transaction": "ORD-1", "order": "ORD-1"},
		"customer": map[string]any{
			"first_name": "Mariam", "last_name": "Al-Kuwari", "email": "mariam@example.qa",
			"phone": map[string]any{"country_code": "974", "number": "55123456"},
		},
		"source":   map[string]any{"id": "src_qa.qpay"},
		"redirect": map[string]any{"url": "https://shop.example/qpay/return?order=ORD-1"},
	}
	if postURL != "" {
		m["post"] = map[string]any{"url": postURL}
	}
	return m
}

// ckoPaymentReq is a valid Checkout payment request.
func ckoPaymentReq() map[string]any {
	return map[string]any{
		"amount":      7910,
		"currency":    "QAR",
		"reference":   "ORD-1",
		"description": "Order ORD-1",
		"customer":    map[string]any{"email": "mariam@example.qa", "name": "Mariam Al-Kuwari"},
		"success_url": "https://shop.example/qpay/success",
		"failure_url": "https://shop.example/qpay/failure",
		"metadata":    map[string]any{"order_id": "ORD-1"},
		"source":      map[string]any{"type": "qpay", "description": "Order ORD-1", "quantity": 1, "language": "en"},
	}
}

// remove is the value with() uses to delete a field.
type remove struct{}

// with sets (or, with remove{}, deletes) the dotted path in m and returns m.
func with(m map[string]any, path string, v any) map[string]any {
	keys := strings.Split(path, ".")
	cur := m
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	last := keys[len(keys)-1]
	if _, ok := v.(remove); ok {
		delete(cur, last)
	} else {
		cur[last] = v
	}
	return m
}

// createTap creates a Tap charge over raw HTTP and returns its ID and page.
func createTap(t *testing.T, s *Server, req map[string]any) (id, page string) {
	t.Helper()
	resp := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), req)
	require.Equal(t, http.StatusOK, resp.status, "body %s", resp.body)
	var c struct {
		ID          string
		Transaction struct{ URL string }
	}
	require.NoError(t, json.Unmarshal(resp.body, &c))
	return c.ID, c.Transaction.URL
}

// createCheckout creates a Checkout payment over raw HTTP.
func createCheckout(t *testing.T, s *Server, req map[string]any) (id, page string) {
	t.Helper()
	resp := send(t, s, http.MethodPost, "/checkout/payments", ckoAuth(s), req)
	require.Equal(t, http.StatusAccepted, resp.status, "body %s", resp.body)
	var p struct {
		ID    string
		Links struct {
			Redirect struct{ Href string }
		} `json:"_links"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &p))
	return p.ID, p.Links.Redirect.Href
}

// paymentRequest is a valid portable request for the adapters.
func paymentRequest(ref, amount, webhookURL string) qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      money.MustParse(amount, qpay.Currency),
		Reference:   ref,
		Description: "Order " + ref,
		Customer: qpay.Customer{
			Name:  "Mariam Al-Kuwari",
			Email: "mariam@example.qa",
			Phone: qpay.Phone{CountryCode: "974", Number: "55123456"},
		},
		ReturnURL:  "https://shop.example/qpay/return",
		WebhookURL: webhookURL,
		Metadata:   map[string]string{"order_id": ref},
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// both runs f once per provider, with the real adapter of that provider.
func both(t *testing.T, f func(t *testing.T, provider string)) {
	for _, p := range []string{ProviderTap, ProviderCheckout} {
		t.Run(p, func(t *testing.T) { f(t, p) })
	}
}

// adapter returns the real adapter of provider against s.
func adapter(t *testing.T, s *Server, provider string) qpay.Provider {
	if provider == ProviderTap {
		return NewTap(t, s)
	}
	return NewCheckout(t, s)
}

// newTransport is a transport of the test's own that no proxy from the
// environment can divert.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return t
}
