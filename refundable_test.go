package qpay_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// bare is a Provider with none of the optional capabilities.
type bare struct{ qpay.Provider }

func (b bare) ParseWebhook(ctx context.Context, h http.Header, body []byte) (*qpay.WebhookEvent, error) {
	return b.Provider.ParseWebhook(ctx, h, body)
}

func TestRefundRemainingNeedsTheCapability(t *testing.T) {
	f, err := qpaytest.NewFake(qpaytest.ProviderTap)
	require.NoError(t, err)
	defer f.Close()
	ctx := context.Background()
	pay, err := f.CreatePayment(ctx, qpay.PaymentRequest{
		Amount: money.MustParse("40.00", "QAR"), Reference: "ORD-1", ReturnURL: "http://shop.test/return",
		Customer: qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
	})
	require.NoError(t, err)
	require.NoError(t, f.Settle(ctx, pay.ID, status.Captured))

	_, err = qpay.RefundRemaining(ctx, bare{f}, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-1"})
	assert.ErrorIs(t, err, qpay.KindUnsupported)

	r, err := qpay.RefundRemaining(ctx, f, qpay.RefundRequest{PaymentID: pay.ID, Reference: "RFD-1"})
	require.NoError(t, err)
	assert.Equal(t, "QAR 40.00", r.Amount.String())
	left, err := qpay.Refundable(ctx, f, pay.ID)
	require.NoError(t, err)
	assert.True(t, left.IsZero(), "%s", left)
}
