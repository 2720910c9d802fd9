package providers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// What is refundable, and "refund the rest", are the same on both
// providers, although Tap's charge reports no refunded total: the refunds
// are read when the caller asks.
func TestRefundTheRestIsPortable(t *testing.T) {
	for _, name := range allRoutes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, name, nil))
			pay := capturedPayment(t, sim, p, "ORD-REST-1")

			left, err := qpay.Refundable(ctx, p, pay.ID)
			require.NoError(t, err)
			assert.Equal(t, "QAR 100.00", left.String())

			_, err = p.Refund(ctx, refundRequest(pay.ID, "RFD-PART"))
			require.NoError(t, err)
			left, err = qpay.Refundable(ctx, p, pay.ID)
			require.NoError(t, err)
			assert.Equal(t, "QAR 75.00", left.String(), "what is left after a partial refund")

			got, refunds, err := p.(qpay.RefundLister).PaymentWithRefunds(ctx, pay.ID)
			require.NoError(t, err)
			assert.Equal(t, status.PartiallyRefunded, got.Status)
			assert.Equal(t, "QAR 25.00", got.Refunded.String())
			require.Len(t, refunds, 1)
			assert.Equal(t, "RFD-PART", refunds[0].Reference)
			assert.Equal(t, pay.ID, refunds[0].PaymentID)

			refundsBefore := sim.Requests(name, qpaytest.OpRefund)
			rest, err := qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-REST"})
			require.NoError(t, err)
			assert.Equal(t, "QAR 75.00", rest.Amount.String())
			assert.Equal(t, pay.ID, rest.PaymentID)
			assert.Equal(t, refundsBefore+1, sim.Requests(name, qpaytest.OpRefund))

			left, err = qpay.Refundable(ctx, p, pay.ID)
			require.NoError(t, err)
			assert.True(t, left.IsZero(), "nothing left: %s", left)

			// The caller's retry returns the same refund and sends nothing.
			again, err := qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-REST"})
			require.NoError(t, err)
			assert.Equal(t, rest.ID, again.ID)
			assert.Equal(t, refundsBefore+1, sim.Requests(name, qpaytest.OpRefund), "no second refund request")

			// A new reference has nothing left to refund.
			_, err = qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-MORE"})
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			// An amount is refused: the call refunds what is left, no more, no less.
			_, err = qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-X", Amount: money.MustParse("1.00", "QAR")})
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			assert.Equal(t, refundsBefore+1, sim.Requests(name, qpaytest.OpRefund))
		})
	}
}

// A payment that was never captured has nothing to refund.
func TestRefundTheRestOfAPendingPayment(t *testing.T) {
	for _, name := range allRoutes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, name, nil))
			pay, err := p.CreatePayment(ctx, paymentRequest("ORD-REST-2"))
			require.NoError(t, err)
			left, err := qpay.Refundable(ctx, p, pay.ID)
			require.NoError(t, err)
			assert.True(t, left.IsZero())
			_, err = qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-1"})
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			assert.Zero(t, sim.Requests(name, qpaytest.OpRefund))
		})
	}
}
