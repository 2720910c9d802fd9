package qpaytest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

func TestFakeIsAProvider(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		f, err := NewFake(provider)
		require.NoError(t, err)
		defer f.Close()
		var p qpay.Provider = f
		assert.Equal(t, provider, p.Name())

		pay, err := p.CreatePayment(ctx, paymentRequest("ORD-fake", "50.00", "https://shop.example/qpay/webhook"))
		require.NoError(t, err)
		assert.Equal(t, status.Pending, pay.Status)
		require.NoError(t, f.Settle(ctx, pay.ID, status.Captured))

		got, err := p.GetPayment(ctx, pay.ID)
		require.NoError(t, err)
		assert.Equal(t, status.Captured, got.Status)

		h, body, err := f.Webhook(pay.ID)
		require.NoError(t, err)
		ev, err := p.ParseWebhook(ctx, h, body)
		require.NoError(t, err)
		assert.Equal(t, qpay.EventPayment, ev.Type)
		assert.Equal(t, status.Captured, ev.Payment.Status)

		r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("20.00", "QAR"), Reference: "RFD-fake"})
		require.NoError(t, err)
		h, body, err = f.Webhook(r.ID)
		require.NoError(t, err)
		ev, err = p.ParseWebhook(ctx, h, body)
		require.NoError(t, err)
		assert.Equal(t, qpay.EventRefund, ev.Type)
		assert.Equal(t, r.ID, ev.Refund.ID)
		assert.Equal(t, status.RefundSucceeded, ev.Refund.Status)

		var rg qpay.RefundGetter = f
		back, err := rg.GetRefund(ctx, pay.ID, r.ID)
		require.NoError(t, err)
		assert.Equal(t, status.RefundSucceeded, back.Status)

		assert.Empty(t, f.Server().Deliveries(), "a Fake builds webhooks, it never sends them")
		assert.Equal(t, "http://qpaytest.invalid", f.Server().URL(), "and it has no address")
	})
}

func TestFakeUsesTheRealAdapter(t *testing.T) {
	f, err := NewFake(ProviderTap)
	require.NoError(t, err)
	defer f.Close()
	bad := paymentRequest("", "79.10", "")
	_, err = f.CreatePayment(context.Background(), bad)
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindInvalidRequest, e.Kind)
	assert.Equal(t, "tap", e.Provider)
	assert.Equal(t, 0, f.Server().Requests(ProviderTap, OpCreatePayment))
}

func TestFakeFailNext(t *testing.T) {
	ctx := context.Background()
	f, err := NewFake(ProviderCheckout)
	require.NoError(t, err)
	defer f.Close()
	pay, err := f.CreatePayment(ctx, paymentRequest("ORD-fail", "5.00", ""))
	require.NoError(t, err)

	outage := &qpay.Error{Provider: "checkout", Op: qpay.OpGetPayment, Kind: qpay.KindUnavailable, HTTPStatus: 503, Retryable: true}
	f.FailNext(qpay.OpGetPayment, outage)
	f.FailNext(qpay.OpGetPayment, context.DeadlineExceeded)
	before := f.Server().Requests(ProviderCheckout, OpGetPayment)

	_, err = f.GetPayment(ctx, pay.ID)
	assert.ErrorIs(t, err, qpay.KindUnavailable)
	_, err = f.GetPayment(ctx, pay.ID)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	got, err := f.GetPayment(ctx, pay.ID)
	require.NoError(t, err, "the queue is spent")
	assert.Equal(t, pay.ID, got.ID)
	assert.Equal(t, before+1, f.Server().Requests(ProviderCheckout, OpGetPayment), "failed calls never reached the simulator")
}

func TestFakeShopperPaysInProcess(t *testing.T) {
	ctx := context.Background()
	f, err := NewFake(ProviderTap)
	require.NoError(t, err)
	defer f.Close()
	pay, err := f.CreatePayment(ctx, paymentRequest("ORD-page", "10.51", ""))
	require.NoError(t, err)
	back, err := f.Server().Pay(ctx, pay.RedirectURL, TestCard)
	require.NoError(t, err)
	assert.Equal(t, pay.ID, back.Query().Get("tap_id"))
	got, err := f.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Failed, got.Status, ".51 is declined")
	assert.Equal(t, "505", got.FailureCode)
}

func TestFakeFaultsBecomeNetworkErrors(t *testing.T) {
	ctx := context.Background()
	f, err := NewFake(ProviderCheckout)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Server().Inject(Fault{Provider: ProviderCheckout, Op: OpCreatePayment, ResetAfterAction: true}))
	pay, err := f.CreatePayment(ctx, paymentRequest("ORD-inproc", "5.00", ""))
	require.NoError(t, err, "the adapter retries the reset and the key replays the payment")
	assert.Len(t, f.Server().Payments(), 1)
	assert.Equal(t, f.Server().Payments()[0].ID, pay.ID)
}

func TestNewFakeRefusesUnknownProviders(t *testing.T) {
	_, err := NewFake("stripe")
	assert.ErrorContains(t, err, `unknown provider "stripe"`)
}
