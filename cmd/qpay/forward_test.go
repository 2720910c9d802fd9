package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/qpaytest"
)

// TestSandboxForwardsEveryWebhook runs 'qpay sandbox --forward-to' and
// checks that Tap's and Checkout's webhooks both reach the one local
// endpoint, although no payment named it, and verify with each provider's
// keys.
func TestSandboxForwardsEveryWebhook(t *testing.T) {
	hooks := &hookRecorder{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "-addr", "127.0.0.1:0", "-quiet", "--forward-to", receiver.URL + "/qpay/webhook"},
			nil, &stdout, &stderr, nil)
	}()
	defer func() {
		cancel()
		assert.Equal(t, exitOK, <-done, stderr.String())
	}()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "Serving until Ctrl-C.") },
		5*time.Second, 5*time.Millisecond, "stdout: %s\nstderr: %s", &stdout, &stderr)
	out := stdout.String()
	base := regexp.MustCompile(`listening on (\S+)\n`).FindStringSubmatch(out)[1]
	assert.Contains(t, out, "Tap:       forwarded to "+receiver.URL+"/qpay/webhook")
	assert.Contains(t, out, "Checkout:  forwarded to "+receiver.URL+"/qpay/webhook")

	// A Tap payment that names no webhook URL, paid on its page.
	r := qpayCmd(t, args("create", "-sandbox", base, "-provider", "tap", "-amount", "30.00", "-reference", "ORD-FWD-1", "-return-url", "http://127.0.0.1:9/return"))
	require.Equal(t, exitOK, r.code, r.stderr)
	page := regexp.MustCompile(`pay at:\s+(\S+)\n`).FindStringSubmatch(r.stdout)[1]
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(page, url.Values{"card_number": {qpaytest.TestCardNumber}, "expiry": {qpaytest.TestCard.Expiry},
		"pin": {"1234"}, "otp": {"123456"}, "action": {"pay"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// A Checkout payment: its payment_pending is sent at once.
	r = qpayCmd(t, args("create", "-sandbox", base, "-provider", "checkout", "-amount", "30.00", "-reference", "ORD-FWD-2", "-return-url", "http://127.0.0.1:9/return"))
	require.Equal(t, exitOK, r.code, r.stderr)

	dumps := hooks.all()
	require.Len(t, dumps, 2, "Tap's CAPTURED and Checkout's payment_pending")
	// Tap's webhook is read back from the provider before it is believed.
	tapEnv := map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": qpaytest.DefaultTapSecretKey, "QPAY_BASE_URL": base + "/tap"}
	ckoEnv := map[string]string{"QPAY_PROVIDER": "checkout", "QPAY_WEBHOOK_SECRET": qpaytest.DefaultCheckoutWebhookSecret}
	v := qpayCmd(t, invocation{env: tapEnv, stdin: string(dumps[0]), args: []string{"verify-webhook"}})
	require.Equal(t, exitOK, v.code, v.stderr)
	assert.Regexp(t, `reference:\s+ORD-FWD-1`, v.stdout)
	assert.Regexp(t, `status:\s+captured`, v.stdout)
	v = qpayCmd(t, invocation{env: ckoEnv, stdin: string(dumps[1]), args: []string{"verify-webhook"}})
	require.Equal(t, exitOK, v.code, v.stderr)
	assert.Regexp(t, `reference:\s+ORD-FWD-2`, v.stdout)
}

func TestSandboxForwardToIsChecked(t *testing.T) {
	for _, a := range [][]string{
		{"sandbox", "-addr", "127.0.0.1:0", "-forward-to", "localhost:8080"},
		{"sandbox", "-addr", "127.0.0.1:0", "-forward-to", "http://127.0.0.1:8080/h", "-checkout-webhook-url", "http://127.0.0.1:8080/h"},
	} {
		r := qpayCmd(t, args(a...))
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, "-forward-to")
	}
}
