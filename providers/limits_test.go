package providers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
)

// sent counts every API request the simulator received for provider.
func sent(sim *qpaytest.Server, provider string) int {
	n := 0
	for _, op := range []string{qpaytest.OpCreatePayment, qpaytest.OpGetPayment, qpaytest.OpRefund, qpaytest.OpListRefunds, qpaytest.OpGetRefund} {
		n += sim.Requests(provider, op)
	}
	return n
}

// The review's findings at their exact edges, through the real adapters
// and the simulator (which enforces Tap's and Checkout's own bounds: Tap's
// metadata key shorter than 250 characters, code 1127; Checkout's amount of
// at most nine digits): what qpay accepts, the provider accepts, with one
// request; what qpay refuses is refused before any request is sent.
func TestEdgesCountTheRequestsSent(t *testing.T) {
	payments := []struct {
		name   string
		mutate func(*qpay.PaymentRequest)
		ok     bool
	}{
		{"metadata key of 249 characters", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{strings.Repeat("k", 249): "v"} }, true},
		{"metadata key of 250 characters", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{strings.Repeat("k", 250): "v"} }, false},
		{"metadata value of 999 characters", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"k": strings.Repeat("v", 999)} }, true},
		{"metadata value of 1000 characters", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"k": strings.Repeat("v", 1000)} }, false},
		{"amount of QAR 9,999,999.99", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("9999999.99", "QAR") }, true},
		{"amount of QAR 10,000,000.00", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("10000000.00", "QAR") }, false},
		{"amount of QAR 10^20", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("100000000000000000000", "QAR") }, false},
		{"reference of 50 characters", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("R", 50) }, true},
		{"reference of 51 characters", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("R", 51) }, false},
		{"reference with U+0085", func(r *qpay.PaymentRequest) { r.Reference = "ORD\u0085-1" }, false},
		{"reference with U+009B", func(r *qpay.PaymentRequest) { r.Reference = "ORD\u009b31m" }, false},
		{"reference with a right-to-left override", func(r *qpay.PaymentRequest) { r.Reference = "ORD-\u202e1" }, false},
		{"reference with a zero-width space", func(r *qpay.PaymentRequest) { r.Reference = "ORD-\u200b1" }, false},
		{"description with U+009B", func(r *qpay.PaymentRequest) { r.Description = "Two coffees\u009b2J" }, false},
	}
	refunds := []struct {
		name   string
		mutate func(*qpay.RefundRequest)
	}{
		{"refund of QAR 10,000,000.00", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("10000000.00", "QAR") }},
		{"refund of QAR 10^20", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("100000000000000000000", "QAR") }},
		{"refund reference with U+009B", func(r *qpay.RefundRequest) { r.Reference = "RFD\u009b1" }},
		{"refund reference with U+0085", func(r *qpay.RefundRequest) { r.Reference = "RFD\u00851" }},
		{"refund reason of 250 characters", func(r *qpay.RefundRequest) { r.Reason = strings.Repeat("x", 250) }},
		{"refund metadata key of 250 characters", func(r *qpay.RefundRequest) { r.Metadata = map[string]string{strings.Repeat("k", 250): "v"} }},
	}
	for _, provider := range allRoutes {
		t.Run(provider, func(t *testing.T) {
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, provider, nil))
			ctx := context.Background()
			for _, tt := range payments {
				t.Run(tt.name, func(t *testing.T) {
					req := paymentRequest("ORD-edge")
					tt.mutate(&req)
					req.IdempotencyKey = ""
					before := sent(sim, provider)
					pay, err := p.CreatePayment(ctx, req)
					if tt.ok {
						require.NoError(t, err)
						assert.Equal(t, before+1, sent(sim, provider), "one request")
						view, err := sim.Lookup(pay.ID)
						require.NoError(t, err)
						assert.True(t, view.Amount.Equal(req.Amount), "the provider holds %s", view.Amount)
						return
					}
					assert.ErrorIs(t, err, qpay.KindInvalidRequest)
					assert.Equal(t, before, sent(sim, provider), "no request")
				})
			}
			pay := capturedPayment(t, sim, p, "ORD-refunds")
			for _, tt := range refunds {
				t.Run(tt.name, func(t *testing.T) {
					req := refundRequest(pay.ID, "RFD-edge")
					tt.mutate(&req)
					before := sent(sim, provider)
					_, err := p.Refund(ctx, req)
					assert.ErrorIs(t, err, qpay.KindInvalidRequest)
					assert.Equal(t, before, sent(sim, provider), "no request, not even the read-back")
				})
			}
			// The largest refund the payment allows is sent.
			req := refundRequest(pay.ID, "RFD-all")
			req.Amount = pay.Amount
			before := sent(sim, provider)
			_, err := p.Refund(ctx, req)
			require.NoError(t, err)
			assert.Greater(t, sent(sim, provider), before)
		})
	}
}
