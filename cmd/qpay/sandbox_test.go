package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// hookRecorder captures the deliveries it receives as raw HTTP dumps, the
// way a merchant would save one for verify-webhook.
type hookRecorder struct {
	mu    sync.Mutex
	dumps [][]byte
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d, err := httputil.DumpRequest(r, true)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.mu.Lock()
	h.dumps = append(h.dumps, d)
	h.mu.Unlock()
}

func (h *hookRecorder) all() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.dumps...)
}

// exports reads the "export NAME='value'" lines of one block of the
// sandbox's output into an environment.
func exports(t *testing.T, block string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^export (QPAY_\w+)='([^']*)'$`).FindAllStringSubmatch(block, -1) {
		env[m[1]] = m[2]
	}
	require.NotEmpty(t, env, "no export lines in:\n%s", block)
	return env
}

// section returns the part of out from the line starting with from up to
// the next blank line.
func section(t *testing.T, out, from string) string {
	t.Helper()
	i := strings.Index(out, from)
	require.GreaterOrEqual(t, i, 0, "no %q in the sandbox's output", from)
	block, _, _ := strings.Cut(out[i:], "\n\n")
	return block
}

func TestSandboxPrintsWhatToConfigureAndServesUntilCanceled(t *testing.T) {
	hooks := &hookRecorder{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "-addr", "127.0.0.1:0", "-checkout-webhook-url", receiver.URL + "/hooks", "-expiry", "10m"},
			nil, &stdout, &stderr, nil)
	}()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "Serving until Ctrl-C.") },
		5*time.Second, 5*time.Millisecond, "stdout: %s\nstderr: %s", &stdout, &stderr)
	out := stdout.String()

	m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:(\d+))\n`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	base := m[1]
	assert.NotEqual(t, "0", m[2], "the actual port is printed, not the one asked for")
	assert.Regexp(t, `Tap API:\s+`+regexp.QuoteMeta(base+"/tap")+"\n", out)
	assert.Regexp(t, `Checkout API:\s+`+regexp.QuoteMeta(base+"/checkout")+"\n", out)
	assert.Contains(t, out, "export QPAY_PROVIDER='mpgs'\nexport QPAY_MERCHANT_ID='"+qpaytest.DefaultMPGSMerchantID+"'\n")
	assert.Contains(t, out, "export QPAY_GATEWAY_HOST='"+base+"/mpgs'\n")
	assert.Regexp(t, `Payment pages:\s+`+regexp.QuoteMeta(base+"/pay/"), out)
	assert.Contains(t, out, "POSTed to "+receiver.URL+"/hooks")
	assert.Contains(t, out, "stay payable for 10m0s")
	assert.Contains(t, out, qpaytest.TestCardNumber)
	assert.Contains(t, out, qpaytest.DeclineCardNumber)

	tapEnv := exports(t, section(t, out, "# Tap"))
	checkoutEnv := exports(t, section(t, out, "# Checkout"))
	assert.Equal(t, map[string]string{
		"QPAY_PROVIDER":   "tap",
		"QPAY_SECRET_KEY": qpaytest.DefaultTapSecretKey,
		"QPAY_BASE_URL":   base + "/tap",
	}, tapEnv)
	assert.Equal(t, map[string]string{
		"QPAY_PROVIDER":       "checkout",
		"QPAY_SECRET_KEY":     qpaytest.DefaultCheckoutSecretKey,
		"QPAY_WEBHOOK_SECRET": qpaytest.DefaultCheckoutWebhookSecret,
		"QPAY_BASE_URL":       base + "/checkout",
	}, checkoutEnv)

	// The real adapters, configured from the printed lines exactly as a
	// merchant's service would be, work against the sandbox.
	req := qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: "ORD-SANDBOX-1",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "http://shop.example/return",
	}
	for name, env := range map[string]map[string]string{"tap": tapEnv, "checkout": checkoutEnv} {
		cfg, err := providers.FromLookup("QPAY_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err, name)
		p, err := providers.Open(cfg)
		require.NoError(t, err, name)
		pay, err := p.CreatePayment(context.Background(), req)
		require.NoError(t, err, name)
		assert.True(t, strings.HasPrefix(pay.RedirectURL, base+"/pay/"), "%s: %s", name, pay.RedirectURL)

		r := qpayCmd(t, invocation{env: env, args: []string{"get", pay.ID}})
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Regexp(t, `status:\s+pending`, r.stdout)
	}

	// Checkout's payment_pending went to -checkout-webhook-url, and
	// verify-webhook accepts it as received.
	dumps := hooks.all()
	require.Len(t, dumps, 1, "one Checkout event: payment_pending")
	r := qpayCmd(t, invocation{env: checkoutEnv, stdin: string(dumps[0]), args: []string{"verify-webhook"}})
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `type:\s+payment \(payment_pending\)`, r.stdout)
	assert.Regexp(t, `reference:\s+ORD-SANDBOX-1`, r.stdout)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, "stderr: %s", &stderr)
	case <-time.After(5 * time.Second):
		t.Fatal("the sandbox did not stop when its context ended")
	}
	assert.Contains(t, stderr.String(), "qpay sandbox: stopping")
	assert.Contains(t, stderr.String(), "op=create_payment", "requests are logged unless -quiet")
	assert.Contains(t, stderr.String(), "event=payment_pending", "webhook deliveries are logged unless -quiet")

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := client.Get(base + "/tap/v2/charges/chg_1")
	assert.Error(t, err, "the sandbox's port is closed after it stops")
}

func TestSandboxCannotListen(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()

	r := qpayCmd(t, args("sandbox", "-quiet", "-addr", l.Addr().String()))
	assert.Equal(t, exitFailed, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "qpay sandbox: ")
	assert.Contains(t, r.stderr, l.Addr().String())
}
