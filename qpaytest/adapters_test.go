package qpaytest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// TestAdaptersEndToEnd runs the merchant's whole flow with the real
// adapters over real HTTP: create, the shopper pays, the webhook arrives,
// the payment is read back, and it is refunded in two parts.
func TestAdaptersEndToEnd(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		r := newReceiver(t)
		s := startServer(t, Options{CheckoutWebhookURL: r.URL})
		p := adapter(t, s, provider)

		pay, err := p.CreatePayment(ctx, paymentRequest("ORD-e2e", "100.00", r.URL))
		require.NoError(t, err)
		assert.Equal(t, status.Pending, pay.Status)
		assert.Equal(t, s.Payments()[0].PageURL, pay.RedirectURL)

		back, err := s.Pay(ctx, pay.RedirectURL, TestCard)
		require.NoError(t, err)
		got, err := p.GetPayment(ctx, pay.ID)
		require.NoError(t, err)
		assert.Equal(t, status.Captured, got.Status)
		assert.True(t, got.Amount.Equal(money.MustParse("100.00", "QAR")))
		assert.Equal(t, "ORD-e2e", got.Reference)
		if provider == ProviderCheckout {
			bySession, err := p.GetPayment(ctx, back.Query().Get("cko-session-id"))
			require.NoError(t, err, "the return URL's session ID reads the payment")
			assert.Equal(t, pay.ID, bySession.ID)
		} else {
			assert.Equal(t, pay.ID, back.Query().Get("tap_id"))
		}

		deliveries := r.all()
		require.NotEmpty(t, deliveries)
		last := deliveries[len(deliveries)-1]
		ev, err := p.ParseWebhook(ctx, last.header, last.body)
		require.NoError(t, err, "the simulator's webhook verifies")
		assert.Equal(t, qpay.EventPayment, ev.Type)
		assert.Equal(t, pay.ID, ev.PaymentID)
		assert.Equal(t, status.Captured, ev.Payment.Status)

		part, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
		require.NoError(t, err)
		assert.Equal(t, pay.ID, part.PaymentID)
		_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("70.01", "QAR"), Reference: "RFD-2"})
		assert.ErrorIs(t, err, qpay.KindInvalidRequest, "the adapter knows what is left")
		rest, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("70.00", "QAR"), Reference: "RFD-3"})
		require.NoError(t, err)

		v, err := s.Lookup(pay.ID)
		require.NoError(t, err)
		assert.Equal(t, status.Refunded, v.Status)
		require.Len(t, v.Refunds, 2)
		assert.Equal(t, []string{part.ID, rest.ID}, []string{v.Refunds[0].ID, v.Refunds[1].ID})

		deliveries = r.all()
		last = deliveries[len(deliveries)-1]
		ev, err = p.ParseWebhook(ctx, last.header, last.body)
		require.NoError(t, err)
		assert.Equal(t, qpay.EventRefund, ev.Type)
		assert.Equal(t, rest.ID, ev.Refund.ID)
		assert.Equal(t, status.RefundSucceeded, ev.Refund.Status)
		assert.True(t, ev.Refund.Amount.Equal(money.MustParse("70.00", "QAR")))

		after, err := p.GetPayment(ctx, pay.ID)
		require.NoError(t, err)
		if provider == ProviderTap {
			assert.Equal(t, status.Captured, after.Status, "Tap's charge reports no refunds")
		} else {
			assert.Equal(t, status.Refunded, after.Status)
		}
	})
}

func TestAdaptersReadEveryOutcome(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		s := startServer(t, Options{})
		p := adapter(t, s, provider)
		for _, to := range []status.Status{status.Captured, status.Failed, status.Canceled, status.Expired} {
			t.Run(to.String(), func(t *testing.T) {
				pay, err := p.CreatePayment(ctx, paymentRequest("ORD-"+to.String(), "10.00", ""))
				require.NoError(t, err)
				require.NoError(t, s.Settle(pay.ID, to))
				got, err := p.GetPayment(ctx, pay.ID)
				require.NoError(t, err)
				assert.Equal(t, to, got.Status, "raw %q", got.RawStatus)
				if to == status.Failed {
					assert.NotEmpty(t, got.FailureCode+got.FailureMessage, "a decline carries its reason")
				}
			})
		}
	})
}

func TestConcurrentShoppers(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		s := startServer(t, Options{})
		p := adapter(t, s, provider)
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pay, err := p.CreatePayment(ctx, paymentRequest(fmt.Sprintf("ORD-%d", i), "1.00", ""))
				if err == nil {
					_, err = s.Pay(ctx, pay.RedirectURL, TestCard)
				}
				if err == nil {
					_, err = p.GetPayment(ctx, pay.ID)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
		for _, v := range s.Payments() {
			assert.Equal(t, status.Captured, v.Status)
		}
		assert.Len(t, s.Payments(), 10)
	})
}

// TestAdaptersSendTheAgreedWireFormat checks, through Calls, the points of
// the wire decisions that the simulator tolerates but an adapter must get
// exactly right.
func TestAdaptersSendTheAgreedWireFormat(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, Options{})
	req := paymentRequest("ORD-wire", "79.10", "https://shop.example/qpay/webhook")
	req.Description = ""

	_, err := NewTap(t, s).CreatePayment(ctx, req)
	require.NoError(t, err)
	tc := s.Calls(ProviderTap, OpCreatePayment)[0]
	assert.Equal(t, "Bearer [REDACTED]", tc.Header.Get("Authorization"))
	body := string(tc.Body)
	assert.Contains(t, body, `"amount":79.10`, "a JSON number with the currency's decimals")
	for _, want := range []string{`"source":{"id":"src_qa.qpay"}`, `"first_name":"Mariam"`, `"last_name":"Al-Kuwari"`,
		`"country_code":"974"`, `"number":"55123456"`, `"post":{"url":"https://shop.example/qpay/webhook"}`, `"idempotent":"`} {
		assert.Contains(t, body, want)
	}

	_, err = NewCheckout(t, s).CreatePayment(ctx, req)
	require.NoError(t, err)
	cc := s.Calls(ProviderCheckout, OpCreatePayment)[0]
	assert.Equal(t, "Bearer [REDACTED]", cc.Header.Get("Authorization"), "an sk_sbox_ key is a Bearer credential")
	assert.NotEmpty(t, cc.Header.Get("Cko-Idempotency-Key"))
	var sent struct {
		Amount     json.RawMessage
		FailureURL string `json:"failure_url"`
		Source     map[string]any
	}
	require.NoError(t, json.Unmarshal(cc.Body, &sent))
	assert.Equal(t, "7910", string(sent.Amount))
	assert.Equal(t, req.ReturnURL, sent.FailureURL, "failure_url defaults to the return URL")
	assert.Equal(t, map[string]any{"type": "qpay", "description": "Order ORD-wire", "quantity": float64(1), "language": "en"}, sent.Source)
}
