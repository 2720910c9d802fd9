package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
)

// tapFixture is Tap's captured-charge delivery from the reference, signed
// with Tap's public sandbox key, which is qpaytest.DefaultTapSecretKey.
const tapFixture = "testdata/tap-webhook-charge-captured.json"

func tapEnv() map[string]string {
	return map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": qpaytest.DefaultTapSecretKey}
}

// tapReadBackEnv is tapEnv with QPAY_BASE_URL at a stand-in for Tap's API
// that answers the read-back of the fixture's charge (Tap signs seven
// fields only, so verify-webhook reads the charge back) with the charge
// the fixture delivers.
func tapReadBackEnv(t *testing.T) map[string]string {
	t.Helper()
	var d struct {
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(readFixture(t), &d))
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/charges/chg_TS07A0320241133g5RO1906000" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(d.Body)
	}))
	t.Cleanup(api.Close)
	env := tapEnv()
	env["QPAY_BASE_URL"] = api.URL
	return env
}

func checkoutWebhookEnv() map[string]string {
	// No QPAY_SECRET_KEY: verifying needs only the webhook secret.
	return map[string]string{"QPAY_PROVIDER": "checkout", "QPAY_WEBHOOK_SECRET": qpaytest.DefaultCheckoutWebhookSecret}
}

func readFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(tapFixture)
	require.NoError(t, err)
	return b
}

// writeFile puts a delivery where -file can read it.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func TestVerifyWebhookPrintsTheReferenceTapDelivery(t *testing.T) {
	r := qpayCmd(t, invocation{env: tapReadBackEnv(t), args: []string{"verify-webhook", "-file", tapFixture}})
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Contains(t, r.stdout, "verified tap webhook")
	assert.Regexp(t, `event ID:\s+tap:chg_TS07A0320241133g5RO1906000:CAPTURED\n`, r.stdout)
	assert.Regexp(t, `type:\s+payment \(charge\)\n`, r.stdout)
	assert.Regexp(t, `payment ID:\s+chg_TS07A0320241133g5RO1906000\n`, r.stdout)
	assert.Regexp(t, `status:\s+captured \(raw "CAPTURED"\)\n`, r.stdout)
	assert.Regexp(t, `amount:\s+QAR 1\.00\n`, r.stdout)
	assertNoSecret(t, r, simulatorSecrets()...)
}

func TestVerifyWebhookJSONFromStdin(t *testing.T) {
	r := qpayCmd(t, invocation{env: tapReadBackEnv(t), stdin: string(readFixture(t)), args: []string{"verify-webhook", "-json"}})
	require.Equal(t, exitOK, r.code, r.stderr)
	var ev eventView
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ev), r.stdout)
	assert.Equal(t, "tap:chg_TS07A0320241133g5RO1906000:CAPTURED", ev.ID)
	assert.Equal(t, "tap", ev.Provider)
	assert.Equal(t, "payment", ev.Type)
	assert.Equal(t, "chg_TS07A0320241133g5RO1906000", ev.PaymentID)
	assert.Equal(t, "captured", ev.Status)
	assert.Equal(t, "CAPTURED", ev.RawStatus)
	require.NotNil(t, ev.Amount)
	assert.True(t, ev.Amount.Equal(money.MustParse("1.00", "QAR")), "amount %s", ev.Amount)
	assert.NotEmpty(t, ev.Reference)
}

// editTapFixture returns the reference delivery with its headers or body
// changed, re-encoded (which Tap's field-based signature tolerates).
func editTapFixture(t *testing.T, edit func(h map[string]string, body map[string]any)) []byte {
	t.Helper()
	var c struct {
		Headers map[string]string `json:"headers"`
		Body    map[string]any    `json:"body"`
	}
	require.NoError(t, json.Unmarshal(readFixture(t), &c))
	edit(c.Headers, c.Body)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	return b
}

func TestVerifyWebhookSaysWhyATapDeliveryFails(t *testing.T) {
	const prefix = "qpay verify-webhook: not verified: invalid signature: "
	tests := []struct {
		name     string
		delivery []byte
		key      string
		want     string // the whole of stderr
	}{
		{
			name:     "status changed",
			delivery: editTapFixture(t, func(_ map[string]string, b map[string]any) { b["status"] = "DECLINED" }),
			want:     prefix + "the hashstring header does not match the body\n",
		},
		{
			name:     "amount changed",
			delivery: editTapFixture(t, func(_ map[string]string, b map[string]any) { b["amount"] = 100 }),
			want:     prefix + "the hashstring header does not match the body\n",
		},
		{
			name:     "signed with another key",
			delivery: readFixture(t),
			key:      "sk_test_SomeoneElsesKey000000",
			want:     prefix + "the hashstring header does not match the body\n",
		},
		{
			name:     "no signature",
			delivery: editTapFixture(t, func(h map[string]string, _ map[string]any) { delete(h, "hashstring") }),
			want:     prefix + "no hashstring header\n",
		},
		{
			name:     "a signature that is not hex",
			delivery: editTapFixture(t, func(h map[string]string, _ map[string]any) { h["hashstring"] = "not-a-signature" }),
			want:     prefix + "the hashstring header is not a hex HMAC-SHA256\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tapEnv()
			if tt.key != "" {
				env["QPAY_SECRET_KEY"] = tt.key
			}
			r := qpayCmd(t, invocation{env: env, args: []string{"verify-webhook", "-file", writeFile(t, "delivery.json", tt.delivery)}})
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, tt.want, r.stderr)
			assertNoSecret(t, r, append(simulatorSecrets(), tt.key)...)
		})
	}
}

// checkoutDelivery is a signed Checkout event and its headers.
func checkoutDelivery(t *testing.T, body []byte) (http.Header, []byte) {
	t.Helper()
	return qpaytest.CheckoutWebhook(qpay.NewSecret(qpaytest.DefaultCheckoutWebhookSecret), body), body
}

func checkoutCaptured(t *testing.T) (http.Header, []byte) {
	t.Helper()
	body, err := qpaytest.CheckoutEventJSON("payment_captured", "pay_cmdtest7eil5osdlcdehe62et5a", money.MustParse("79.10", "QAR"), "ORD-10045")
	require.NoError(t, err)
	return checkoutDelivery(t, body)
}

// jsonCapture writes {"headers": ..., "body": <body>} with body spliced in
// as given, the way a capture tool writes the object it received.
func jsonCapture(t *testing.T, h http.Header, body []byte) []byte {
	t.Helper()
	headers, err := json.Marshal(h)
	require.NoError(t, err)
	return []byte(`{"note": "captured", "headers": ` + string(headers) + `, "body": ` + string(body) + "}")
}

// rawRequest writes the request line, headers and body as they arrive on the
// wire; contentLength false leaves Content-Length out.
func rawRequest(h http.Header, body []byte, contentLength bool, eol string) []byte {
	var b bytes.Buffer
	b.WriteString("POST /webhooks/checkout HTTP/1.1" + eol + "Host: shop.example" + eol)
	for name, vs := range h {
		for _, v := range vs {
			b.WriteString(name + ": " + v + eol)
		}
	}
	if contentLength {
		fmt.Fprintf(&b, "Content-Length: %d%s", len(body), eol)
	}
	b.WriteString(eol)
	b.Write(body)
	return b.Bytes()
}

func TestVerifyWebhookReadsCheckoutDeliveriesByteForByte(t *testing.T) {
	h, body := checkoutCaptured(t)
	quoted, err := json.Marshal(string(body))
	require.NoError(t, err)
	var indented bytes.Buffer
	require.NoError(t, json.Indent(&indented, body, "", "    "))
	req, err := qpaytest.NewWebhookRequest(context.Background(), "http://shop.example/webhooks/checkout", h, body)
	require.NoError(t, err)
	dumped, err := httputil.DumpRequest(req, true)
	require.NoError(t, err)
	arrays, err := json.Marshal(map[string]any{"headers": h, "body": string(body)})
	require.NoError(t, err)

	tests := []struct {
		name     string
		delivery []byte
		wantCode int
		want     string
	}{
		{"body as a JSON string", jsonCapture(t, h, quoted), exitOK, "verified checkout webhook"},
		{"body as the JSON object, verbatim", jsonCapture(t, h, body), exitOK, "verified checkout webhook"},
		{"header values as arrays", arrays, exitOK, "verified checkout webhook"},
		{"raw request with Content-Length and trailing bytes", append(rawRequest(h, body, true, "\r\n"), "\r\n\r\n"...), exitOK, "verified checkout webhook"},
		{"raw request without Content-Length", rawRequest(h, body, false, "\r\n"), exitOK, "verified checkout webhook"},
		{"raw request with bare LF line ends", rawRequest(h, body, true, "\n"), exitOK, "verified checkout webhook"},
		{"httputil.DumpRequest", dumped, exitOK, "verified checkout webhook"},
		{"body pretty-printed after capture", jsonCapture(t, h, indented.Bytes()), exitFailed,
			"not verified: invalid signature: the Cko-Signature header does not match the body"},
		{"raw request whose body gained a newline", append(rawRequest(h, body, false, "\r\n"), '\n'), exitFailed,
			"not verified: invalid signature: the Cko-Signature header does not match the body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := qpayCmd(t, invocation{env: checkoutWebhookEnv(), args: []string{"verify-webhook", "-file", writeFile(t, "delivery", tt.delivery)}})
			require.Equal(t, tt.wantCode, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tt.want)
			if tt.wantCode == exitOK {
				assert.Regexp(t, `event ID:\s+evt_`, r.stdout)
				assert.Regexp(t, `payment ID:\s+pay_cmdtest7eil5osdlcdehe62et5a\n`, r.stdout)
				assert.Regexp(t, `status:\s+captured`, r.stdout)
				assert.Regexp(t, `amount:\s+QAR 79\.10\n`, r.stdout)
				assert.Regexp(t, `reference:\s+ORD-10045\n`, r.stdout)
			}
			assertNoSecret(t, r, simulatorSecrets()...)
		})
	}
}

func TestVerifyWebhookCheckoutEvents(t *testing.T) {
	refund, err := qpaytest.CheckoutRefundEventJSON("payment_refunded", "pay_cmdtest7eil5osdlcdehe62et5a", "act_cmdtestfd3h6evhpn3uxdoqbuu3", money.MustParse("10.00", "QAR"), "RFD-1")
	require.NoError(t, err)
	other, err := qpaytest.CheckoutEventJSON("card_verified", "pay_cmdtest7eil5osdlcdehe62et5a", money.MustParse("1.00", "QAR"), "ORD-1")
	require.NoError(t, err)
	captured, capturedBody := checkoutCaptured(t)
	withAuth := captured.Clone()
	withAuth.Set("Authorization", "Basic c2hvcDpzZWNyZXQ=")

	tests := []struct {
		name     string
		header   http.Header
		body     []byte
		auth     string // QPAY_WEBHOOK_AUTHORIZATION
		wantCode int
		want     []string
	}{
		{"a refund", qpaytest.CheckoutWebhook(qpay.NewSecret(qpaytest.DefaultCheckoutWebhookSecret), refund), refund, "", exitOK,
			[]string{"type:", "refund (payment_refunded)", "act_cmdtestfd3h6evhpn3uxdoqbuu3", "succeeded", "QAR 10.00", "RFD-1"}},
		{"an event of no use to QPay", qpaytest.CheckoutWebhook(qpay.NewSecret(qpaytest.DefaultCheckoutWebhookSecret), other), other, "", exitFailed,
			[]string{"qpay verify-webhook: the signature is valid, but the event is not one qpay handles", "card_verified"}},
		{"the configured Authorization", withAuth, capturedBody, "Basic c2hvcDpzZWNyZXQ=", exitOK,
			[]string{"verified checkout webhook"}},
		{"no Authorization when one is configured", captured, capturedBody, "Basic c2hvcDpzZWNyZXQ=", exitFailed,
			[]string{"not verified: invalid signature: the Authorization header is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := checkoutWebhookEnv()
			if tt.auth != "" {
				env["QPAY_WEBHOOK_AUTHORIZATION"] = tt.auth
			}
			r := qpayCmd(t, invocation{env: env, stdin: string(rawRequest(tt.header, tt.body, true, "\r\n")), args: []string{"verify-webhook"}})
			require.Equal(t, tt.wantCode, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout+r.stderr, w)
			}
			// The Authorization value is printed nowhere, not even when
			// the delivery carries it.
			assertNoSecret(t, r, append(simulatorSecrets(), "c2hvcDpzZWNyZXQ=")...)
		})
	}
}

func TestVerifyWebhookCannotReadTheDelivery(t *testing.T) {
	h, body := checkoutCaptured(t)
	short := rawRequest(h, body, true, "\r\n")
	short = short[:len(short)-10]
	tests := []struct {
		name     string
		delivery string
		want     string
	}{
		{"empty", "", "the delivery is empty"},
		{"neither JSON nor HTTP", "hello", "neither a JSON capture nor an HTTP request"},
		{"not JSON after all", `{"headers": `, "not a JSON capture"},
		{"no headers", `{"body": {}}`, `no "headers" object`},
		{"no body", `{"headers": {}}`, `no "body"`},
		{"a header that is a number", `{"headers": {"hashstring": 1}, "body": {}}`, `header "hashstring" must be a string`},
		{"a body shorter than its Content-Length", string(short), "is Content-Length right?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := qpayCmd(t, invocation{env: checkoutWebhookEnv(), stdin: tt.delivery, args: []string{"verify-webhook"}})
			assert.Equal(t, exitFailed, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "qpay verify-webhook: cannot read the delivery: "), r.stderr)
			assert.Contains(t, r.stderr, tt.want)
		})
	}

	r := qpayCmd(t, invocation{env: tapEnv(), args: []string{"verify-webhook", "-file", filepath.Join(t.TempDir(), "missing.json")}})
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "cannot read the delivery: open ")
}
