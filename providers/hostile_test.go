package providers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// hostileCase is one delivery to a merchant's webhook endpoint
// (qpay.WebhookHandler over a store.Memory holding the payment).
type hostileCase struct {
	name string
	// stored is the payment's status in the store before the delivery.
	stored status.Status
	header http.Header
	body   []byte
	// wantHTTP is the handler's answer.
	wantHTTP int
	// wantKind is the typed error: ParseWebhook's, or the store's
	// (KindIntegrity) for an event that contradicts the stored payment.
	// KindUnknown means none.
	wantKind qpay.Kind
	// atParse says that a KindIntegrity comes from ParseWebhook (the
	// read-back contradicts what a provider may sign), not from the store.
	atParse bool
	// wantStatus is the stored status afterwards. For every hostile
	// delivery it is the status before: only the control case moves it.
	wantStatus status.Status
}

// The documented Tap test key: the reference's worked hashstring vector,
// kept in the fixture, is computed with it.
var documentedTapKey = qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")

// hostileWebhookSecret signs the Checkout deliveries of these tests.
var hostileWebhookSecret = qpay.NewSecret("whsec_hostile_deliveries_3Kd9")

// TestHostileTapWebhooks sends a merchant's Tap endpoint what an attacker,
// a broken proxy or a confused provider could send. Each is refused with
// its typed error, and none changes the stored payment.
//
// Tap's hashstring signs seven fields (id, amount, currency, the gateway
// and payment references, status, created), not the raw body, so the
// "altered after signing" cases alter signed fields: a change to an
// unsigned field (metadata, say) cannot be detected by Tap's scheme, and
// is harmless to qpay because nothing it applies comes from those fields:
// every fact is read back from Tap (tapTruth plays Tap's API, answering
// with the delivered object as the charge Tap holds, as if Tap itself had
// sent each signed body).
func TestHostileTapWebhooks(t *testing.T) {
	var fixture struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	require.NoError(t, json.Unmarshal(readWebhookFixture(t, "tap-charge-captured.json"), &fixture))
	body := []byte(fixture.Body)
	documented := fixture.Headers[tap.SignatureHeader]
	require.NotEmpty(t, documented)

	sign := func(b []byte) http.Header {
		sig, err := tap.Hashstring(documentedTapKey, b)
		require.NoError(t, err)
		return tapHeader(sig)
	}
	declined := withJSON(t, body, "status", "DECLINED")
	tenMB := withJSON(t, body, "metadata", map[string]string{"udf1": strings.Repeat("A", 10<<20)})

	cases := []hostileCase{
		{name: "documented delivery (control: this one moves the payment)", header: tapHeader(documented), body: body,
			wantHTTP: http.StatusOK, wantStatus: status.Captured},
		{name: "no signature", header: tapHeader(""), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "wrong signature", header: tapHeader(wrongSignature()), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signature that is not hex", header: tapHeader("captured-trust-me"), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signature of another body (a refund)", header: sign(readWebhookFixture(t, "tap-refund-refunded.json")), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signed field altered after signing (status DECLINED to CAPTURED)", header: sign(declined), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signed field altered after signing (amount)", header: tapHeader(documented), body: withJSON(t, body, "amount", json.Number("1000")),
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		// Tap's signature is computed over fields read from the JSON, so a
		// body that is not JSON cannot carry a valid one: a truncated body
		// is refused as unsigned, before anything is decoded.
		{name: "truncated JSON", header: tapHeader(documented), body: body[:len(body)/2],
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		// Still correctly signed (metadata is not signed): only the size
		// limit stands in the way.
		{name: "10 MB body", header: tapHeader(documented), body: tenMB,
			wantHTTP: http.StatusRequestEntityTooLarge, wantKind: qpay.KindInvalidRequest},
		{name: "unknown object (an invoice)", header: sign(withJSON(t, body, "object", "invoice")), body: withJSON(t, body, "object", "invoice"),
			wantHTTP: http.StatusOK, wantKind: qpay.KindUnsupported},
		// A genuine charge in another currency (a card charge on the same
		// account): refused on its signed currency alone, before any
		// read-back, and acknowledged so that Tap does not redeliver it.
		{name: "wrong currency", header: sign(withJSON(t, body, "currency", "USD")), body: withJSON(t, body, "currency", "USD"),
			wantHTTP: http.StatusOK, wantKind: qpay.KindUnsupported, atParse: true},
		{name: "amount differs from the stored payment", header: sign(withJSON(t, body, "amount", json.Number("2"))), body: withJSON(t, body, "amount", json.Number("2")),
			wantHTTP: http.StatusInternalServerError, wantKind: qpay.KindIntegrity},
		{name: "stale: INITIATED after CAPTURED", stored: status.Captured,
			header: sign(withJSON(t, body, "status", "INITIATED")), body: withJSON(t, body, "status", "INITIATED"),
			wantHTTP: http.StatusOK, wantStatus: status.Captured},
	}
	api := newTapTruth(t)
	open := func() qpay.Provider {
		return openProvider(t, providers.Config{Provider: providers.Tap, SecretKey: documentedTapKey, BaseURL: api.URL()})
	}
	runHostile(t, open, qpay.Payment{
		Provider: providers.Tap, ID: "chg_TS07A0320241133g5RO1906000", RawStatus: "INITIATED",
		Amount: money.MustParse("1.00", qpay.Currency), Reference: "txn_01",
	}, cases, api.set)
}

// tapTruth plays Tap's API for the read-back of a webhook's charge: it
// answers GET /v2/charges/{id} with the object it was last given.
type tapTruth struct {
	srv *httptest.Server
	mu  sync.Mutex
	obj []byte
}

func newTapTruth(t *testing.T) *tapTruth {
	tt := &tapTruth{}
	tt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tt.mu.Lock()
		obj := tt.obj
		tt.mu.Unlock()
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v2/charges/") || obj == nil {
			http.Error(w, `{"errors":[{"code":"1144","description":"Charge not found"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(obj)
	}))
	t.Cleanup(tt.srv.Close)
	return tt
}

func (tt *tapTruth) URL() string { return tt.srv.URL }

// set makes obj the charge Tap holds.
func (tt *tapTruth) set(obj []byte) {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	tt.obj = obj
}

// TestHostileCheckoutWebhooks is TestHostileTapWebhooks for Checkout.com,
// whose Cko-Signature covers every byte of the raw body.
func TestHostileCheckoutWebhooks(t *testing.T) {
	body := readWebhookFixture(t, "checkout-payment-captured.json")
	sign := func(b []byte) http.Header { return checkoutHeader(checkout.Signature(hostileWebhookSecret, b)) }
	signed := func(b []byte) (http.Header, []byte) { return sign(b), b }
	truncated := body[:len(body)/2]
	tenMB := withJSON(t, body, "metadata", map[string]string{"padding": strings.Repeat("A", 10<<20)})

	cases := []hostileCase{
		{name: "signed delivery (control: this one moves the payment)", header: sign(body), body: body,
			wantHTTP: http.StatusOK, wantStatus: status.Captured},
		{name: "no signature", header: checkoutHeader(""), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "wrong signature", header: checkoutHeader(wrongSignature()), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signature that is not hex", header: checkoutHeader("captured-trust-me"), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "signature of another body (a refund event)", header: sign(readWebhookFixture(t, "checkout-payment-refunded.json")), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "altered after signing (type payment_declined to payment_captured)",
			header: sign(withJSON(t, body, "type", "payment_declined")), body: body,
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "altered after signing (one space appended)", header: sign(body), body: append(bytes.Clone(body), ' '),
			wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
		{name: "truncated JSON, signed as truncated", header: sign(truncated), body: truncated,
			wantHTTP: http.StatusBadRequest, wantKind: qpay.KindProtocol},
		{name: "10 MB body", header: sign(tenMB), body: tenMB,
			wantHTTP: http.StatusRequestEntityTooLarge, wantKind: qpay.KindInvalidRequest},
		{name: "unknown event type", wantHTTP: http.StatusOK, wantKind: qpay.KindUnsupported},
		{name: "wrong currency", wantHTTP: http.StatusInternalServerError, wantKind: qpay.KindIntegrity},
		{name: "amount differs from the stored payment", wantHTTP: http.StatusInternalServerError, wantKind: qpay.KindIntegrity},
		{name: "stale: payment_pending after payment_captured", stored: status.Captured,
			wantHTTP: http.StatusOK, wantStatus: status.Captured},
	}
	cases[9].header, cases[9].body = signed(withJSON(t, body, "type", "dispute_evidence_required"))
	cases[10].header, cases[10].body = signed(withJSON(t, body, "data.currency", "USD"))
	cases[11].header, cases[11].body = signed(withJSON(t, body, "data.amount", json.Number("200")))
	cases[12].header, cases[12].body = signed(withJSON(t, body, "type", "payment_pending"))

	open := func() qpay.Provider {
		return openProvider(t, providers.Config{Provider: providers.Checkout, SecretKey: qpay.NewSecret("sk_sbox_hostiledeliverieskeyabcdefgh="), WebhookSecret: hostileWebhookSecret})
	}
	runHostile(t, open, qpay.Payment{
		Provider: providers.Checkout, ID: "pay_7eil5osdlcdehe62et5aihec4q", RawStatus: "Pending",
		Amount: money.MustParse("1.00", qpay.Currency), Reference: "ord_01",
	}, cases, nil)
}

// runHostile delivers each case twice: straight to ParseWebhook, and over
// HTTP to a WebhookHandler whose Handle is store.Process, as a merchant
// wires it. The payment is tracked in a fresh store first, and each case
// has a Provider of its own from open (which keeps no read-back of another
// case's). truth, when not nil, is told each delivered body: the
// provider's API then answers a read-back with it.
func runHostile(t *testing.T, open func() qpay.Provider, payment qpay.Payment, cases []hostileCase, truth func([]byte)) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			p := open()
			if truth != nil {
				truth(c.body)
			}
			if c.stored == status.Unknown {
				c.stored = status.Pending
			}
			if c.wantStatus == status.Unknown {
				c.wantStatus = c.stored
			}
			st := store.NewMemory()
			tracked := payment
			tracked.Status = c.stored
			require.NoError(t, st.Track(ctx, &tracked))

			// Straight to the parser: verification and decoding only.
			ev, err := p.ParseWebhook(ctx, c.header.Clone(), c.body)
			parseLevel := c.wantKind != qpay.KindUnknown && (c.wantKind != qpay.KindIntegrity || c.atParse)
			if parseLevel {
				assertKind(t, err, c.wantKind)
				assert.Nil(t, ev, "an event came with the error")
			} else {
				require.NoError(t, err)
				require.NotNil(t, ev)
			}

			// Over HTTP, as the provider would deliver it.
			var (
				mu       sync.Mutex
				seen     []error // ParseWebhook's and Handle's errors
				parsed   int
				results  []store.Result
				recorder = &parseRecorder{Provider: p}
			)
			recorder.onParse = func(err error) {
				mu.Lock()
				defer mu.Unlock()
				parsed++
				if err != nil {
					seen = append(seen, err)
				}
			}
			h := &qpay.WebhookHandler{
				Provider: func(*http.Request) (qpay.Provider, error) { return recorder, nil },
				Handle: func(ctx context.Context, ev *qpay.WebhookEvent) error {
					_, err := st.Process(ctx, ev, func(_ context.Context, r store.Result) error {
						mu.Lock()
						defer mu.Unlock()
						results = append(results, r)
						return nil
					})
					if err != nil {
						mu.Lock()
						seen = append(seen, err)
						mu.Unlock()
					}
					return err
				},
			}
			req := httptest.NewRequest(http.MethodPost, "/webhooks/qpay", bytes.NewReader(c.body))
			req.Header = c.header.Clone()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			assert.Equal(t, c.wantHTTP, rec.Code, "HTTP answer: %s", rec.Body)
			switch {
			case c.wantHTTP == http.StatusRequestEntityTooLarge:
				assert.Zero(t, parsed, "an oversized body reached the parser")
			case c.wantKind == qpay.KindUnknown:
				assert.Empty(t, seen)
			default:
				require.Len(t, seen, 1)
				assertKind(t, seen[0], c.wantKind)
			}

			sp, err := st.Payment(ctx, payment.Account, payment.Provider, payment.ID)
			require.NoError(t, err)
			assert.Equal(t, c.wantStatus, sp.Status, "the stored status")
			for _, r := range results {
				if c.wantStatus == c.stored {
					assert.False(t, r.Applied, "the event was applied: %+v", r)
				}
			}
		})
	}
}

// parseRecorder is the merchant's Provider with its ParseWebhook outcomes
// observed.
type parseRecorder struct {
	qpay.Provider
	onParse func(error)
}

func (r *parseRecorder) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	ev, err := r.Provider.ParseWebhook(ctx, header, body)
	r.onParse(err)
	return ev, err
}

// assertKind checks that err is an *qpay.Error of kind want.
func assertKind(t *testing.T, err error, want qpay.Kind) {
	t.Helper()
	var e *qpay.Error
	if assert.ErrorAs(t, err, &e, "a typed error") {
		assert.Equal(t, want, e.Kind, "%v", err)
		assert.ErrorIs(t, err, want)
	}
}

func tapHeader(sig string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(tap.SignatureHeader, sig)
	}
	return h
}

func checkoutHeader(sig string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set(checkout.SignatureHeader, sig)
	}
	return h
}

// wrongSignature is well-formed (64 hex digits) but made with no key at
// all.
func wrongSignature() string {
	sum := sha256.Sum256([]byte("not the key"))
	return hex.EncodeToString(sum[:])
}

func readWebhookFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", name))
	require.NoError(t, err)
	return b
}

// withJSON returns body with the field at path (dot-separated) set to v.
// Numbers are kept as written (json.Number), so only the named field
// changes meaning.
func withJSON(t *testing.T, body []byte, path string, v any) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root map[string]any
	require.NoError(t, dec.Decode(&root))
	m := root
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		require.True(t, ok, "no object at %q", k)
		m = next
	}
	m[keys[len(keys)-1]] = v
	out, err := json.Marshal(root)
	require.NoError(t, err)
	return out
}
