package providers_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// After a crash between CreatePayment and saving its ID, the merchant has
// the order reference only: the provider's payments under it are found,
// newest first, and Recover picks the one still going instead of a second
// payment being made.
func TestFindPaymentsByReference(t *testing.T) {
	for _, name := range bothProviders {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, name, nil))
			finder, ok := p.(qpay.PaymentFinder)
			require.True(t, ok, "every Provider of package providers is a qpay.PaymentFinder")

			none, err := finder.PaymentsByReference(ctx, "ORD-CRASH")
			require.NoError(t, err)
			assert.NotNil(t, none)
			assert.Empty(t, none)
			got, err := qpay.Recover(ctx, p, "ORD-CRASH")
			require.NoError(t, err)
			assert.Nil(t, got, "nothing under the reference: safe to create")

			first, err := p.CreatePayment(ctx, paymentRequest("ORD-CRASH"))
			require.NoError(t, err)
			require.NoError(t, sim.Settle(first.ID, status.Failed))
			req := paymentRequest("ORD-CRASH")
			req.IdempotencyKey = "idem-ORD-CRASH-2"
			second, err := p.CreatePayment(ctx, req) // the attempt whose ID was lost
			require.NoError(t, err)
			_, err = p.CreatePayment(ctx, paymentRequest("ORD-OTHER"))
			require.NoError(t, err)

			searches := sim.Requests(name, qpaytest.OpListPayments)
			found, err := finder.PaymentsByReference(ctx, "ORD-CRASH")
			require.NoError(t, err)
			require.Len(t, found, 2, "the other order's payment is not listed")
			assert.Equal(t, second.ID, found[0].ID, "newest first")
			assert.Equal(t, first.ID, found[1].ID)
			for _, f := range found {
				assert.Equal(t, "ORD-CRASH", f.Reference)
				assert.Equal(t, name, f.Provider)
			}
			assert.Equal(t, status.Failed, found[1].Status)
			assert.Equal(t, searches+1, sim.Requests(name, qpaytest.OpListPayments), "one request for the search")

			got, err = qpay.Recover(ctx, p, "ORD-CRASH")
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, second.ID, got.ID, "the payment still going, not the failed one")
			assert.Equal(t, status.Pending, got.Status)
			assert.NotEmpty(t, got.RedirectURL, "the shopper can be sent to it")

			_, err = finder.PaymentsByReference(ctx, "")
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
		})
	}
}

func TestFakeFindsPaymentsByReference(t *testing.T) {
	f, err := qpaytest.NewFake(qpaytest.ProviderCheckout)
	require.NoError(t, err)
	defer f.Close()
	pay, err := f.CreatePayment(context.Background(), paymentRequest("ORD-F"))
	require.NoError(t, err)
	got, err := qpay.Recover(context.Background(), f, "ORD-F")
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, pay.ID, got.ID)
}
