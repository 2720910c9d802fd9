package providers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// After a switch from Tap to Checkout, what is left of a Tap payment is
// still counted from Tap's refunds, and refunded there.
func TestRefundTheRestAfterAProviderSwitch(t *testing.T) {
	ctx := context.Background()
	sim := newSimulator(t, nil)
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("Y", simulatorConfig(sim, providers.Tap, nil)))
	tapOnly, err := reg.Get("Y")
	require.NoError(t, err)
	pay := capturedPayment(t, sim, tapOnly, "ORD-SW-1")
	_, err = tapOnly.Refund(ctx, refundRequest(pay.ID, "RFD-1"))
	require.NoError(t, err)

	require.NoError(t, reg.Configure("Y", simulatorConfig(sim, providers.Checkout, nil)))
	p, err := reg.Get("Y")
	require.NoError(t, err)
	require.Equal(t, providers.Checkout, p.Name())

	left, err := qpay.Refundable(ctx, p, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, "QAR 75.00", left.String())
	r, err := qpay.RefundRemaining(ctx, p, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-REST"})
	require.NoError(t, err)
	assert.Equal(t, "QAR 75.00", r.Amount.String())
	assert.Equal(t, providers.Tap, r.Provider)
	assert.Zero(t, sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpRefund))
}
