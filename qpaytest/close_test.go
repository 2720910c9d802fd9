package qpaytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// TestCloseWaitsForEverythingItStarted closes a server while a webhook
// delivery hangs and a delayed refund is pending: Close returns promptly
// and no goroutine of the server's is left.
func TestCloseWaitsForEverythingItStarted(t *testing.T) {
	before := runtime.NumGoroutine()

	arrived := make(chan struct{}, 1)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		arrived <- struct{}{}
		<-r.Context().Done() // until the simulator gives up
	}))
	s, err := NewServer(Options{RefundDelay: time.Hour})
	require.NoError(t, err)

	id, _ := createCheckout(t, s, ckoPaymentReq())
	require.NoError(t, s.Settle(id, status.Captured))
	refund := send(t, s, http.MethodPost, "/checkout/payments/"+id+"/refunds", ckoAuth(s), map[string]any{"amount": 100})
	require.Equal(t, http.StatusAccepted, refund.status)
	http.DefaultClient.CloseIdleConnections()

	s.SetCheckoutWebhookURL(hanging.URL)
	client := &http.Client{Transport: newTransport()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body := bytes.NewReader([]byte(`{"amount":100,"currency":"QAR","source":{"type":"qpay","description":"x"}}`))
		req, _ := http.NewRequest(http.MethodPost, s.CheckoutBaseURL()+"/payments", body)
		req.Header = ckoAuth(s)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-arrived // payment_pending is being delivered to a receiver that never answers

	start := time.Now()
	s.Close()
	assert.Less(t, time.Since(start), 2*time.Second, "Close aborts the delivery instead of waiting it out")
	<-done
	client.CloseIdleConnections()
	hanging.Close()

	assert.Zero(t, s.core.PendingTimers(), "the refund timer was stopped")
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.RefundPending, v.Refunds[0].Status, "and never fired")

	// A plain loop: assert.Eventually runs its condition on goroutines of
	// its own, which would be counted.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(3 * time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, after, before, "goroutines left behind")
	s.Close() // a second Close is harmless
	assert.ErrorIs(t, s.Inject(Fault{Provider: ProviderTap, Op: OpRefund, Status: 500}), sim.ErrClosed)
}

func TestControlsOnUnknownPayments(t *testing.T) {
	s := startServer(t, Options{})
	_, err := s.Lookup("chg_nothere")
	assert.ErrorIs(t, err, sim.ErrNotFound)
	assert.ErrorIs(t, s.Settle("pay_nothere", status.Captured), sim.ErrNotFound)
	assert.ErrorIs(t, s.ForceDecline("pay_nothere"), sim.ErrNotFound)
	_, _, err = s.Webhook("re_nothere")
	assert.Error(t, err)
	id, _ := createTap(t, s, tapChargeReq(""))
	assert.ErrorContains(t, s.Settle(id, status.Refunded), "not refunded")
	require.NoError(t, s.Settle(id, status.Failed))
	assert.ErrorIs(t, s.Settle(id, status.Captured), ErrNotPending, "the first final outcome wins")
	assert.ErrorIs(t, s.ForceDecline(id), ErrNotPending)
	_, err = s.Pay(context.Background(), s.URL()+"/pay/nosuchtoken", TestCard)
	assert.ErrorContains(t, err, "404")
}

func TestSecretsStayOutOfPrintedValues(t *testing.T) {
	s := startServer(t, Options{CheckoutWebhookAuthorization: qpay.NewSecret("Basic c2VjcmV0LXZhbHVl")})
	printed := []string{
		fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprint(s),
		fmt.Sprintf("%v", s.opts), fmt.Sprintf("%+v", s.opts), fmt.Sprintf("%#v", s.opts),
	}
	for _, out := range printed {
		for _, secret := range []string{
			s.TapSecretKey().Reveal(), s.CheckoutSecretKey().Reveal(),
			s.CheckoutWebhookSecret().Reveal(), s.CheckoutWebhookAuthorization().Reveal(),
		} {
			assert.NotContains(t, out, secret)
		}
	}
}
