package qpaytest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// TestForwardWebhooksToReceivesEveryWebhook: with ForwardWebhooksTo, the
// webhooks of both providers reach one endpoint, signed as each provider
// signs them, whether or not the payment named a target of its own; what a
// provider sends no webhook for (a pending Tap charge) stays unsent.
func TestForwardWebhooksToReceivesEveryWebhook(t *testing.T) {
	type got struct {
		header http.Header
		body   []byte
	}
	var (
		mu    sync.Mutex
		calls []got
	)
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, got{r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer local.Close()
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a webhook went to the payment's own post.url instead of the forward URL")
	}))
	defer elsewhere.Close()

	s, err := qpaytest.NewServer(qpaytest.Options{ForwardWebhooksTo: local.URL, CheckoutWebhookURL: elsewhere.URL})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		p       qpay.Provider
		postURL string
	}{{"tap", qpaytest.NewTap(t, s), ""}, {"tap with post.url", qpaytest.NewTap(t, s), elsewhere.URL}, {"checkout", qpaytest.NewCheckout(t, s), ""}} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			calls = nil
			mu.Unlock()
			pay, err := tc.p.CreatePayment(ctx, qpay.PaymentRequest{
				Amount: money.MustParse("12.00", "QAR"), Reference: "ORD-FWD", ReturnURL: "http://shop.test/return",
				Customer: qpay.Customer{Name: "Noor", Email: "noor@example.qa"}, WebhookURL: tc.postURL,
			})
			require.NoError(t, err)
			require.NoError(t, s.Settle(pay.ID, status.Captured))
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, calls, "the capture's webhook was forwarded")
			last := calls[len(calls)-1]
			ev, err := tc.p.ParseWebhook(ctx, last.header, last.body)
			require.NoError(t, err, "forwarded webhooks verify with the provider's keys")
			assert.Equal(t, pay.ID, ev.PaymentID)
			assert.Equal(t, status.Captured, ev.Payment.Status)
		})
	}
	// Tap sends nothing for a charge still pending, forwarded or not.
	before := len(s.Deliveries())
	_, err = qpaytest.NewTap(t, s).CreatePayment(ctx, qpay.PaymentRequest{
		Amount: money.MustParse("12.00", "QAR"), Reference: "ORD-FWD-2", ReturnURL: "http://shop.test/return",
		Customer: qpay.Customer{Name: "Noor", Email: "noor@example.qa"},
	})
	require.NoError(t, err)
	assert.Len(t, s.Deliveries(), before)
}
