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
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// inbox is one merchant's webhook endpoint, recording what reached it.
type inbox struct {
	mu    sync.Mutex
	calls []delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func (in *inbox) ServeHTTP(_ http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.calls = append(in.calls, delivery{r.Header.Clone(), b})
}

func (in *inbox) all() []delivery {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]delivery(nil), in.calls...)
}

// TestSeveralCheckoutMerchants: each merchant's payments, webhooks and
// idempotency keys are its own.
func TestSeveralCheckoutMerchants(t *testing.T) {
	ctx := context.Background()
	var boxes [3]inbox
	var urls [3]string
	for i := range boxes {
		srv := httptest.NewServer(&boxes[i])
		defer srv.Close()
		urls[i] = srv.URL
	}
	s, err := qpaytest.NewServer(qpaytest.Options{
		CheckoutWebhookURL: urls[0],
		CheckoutMerchants: []qpaytest.CheckoutMerchant{
			{SecretKey: qpay.NewSecret("sk_sbox_merchantone0000000000000000="), WebhookSecret: qpay.NewSecret("whsec-one"), WebhookURL: urls[1]},
			{SecretKey: qpay.NewSecret("sk_sbox_merchanttwo0000000000000000="), WebhookSecret: qpay.NewSecret("whsec-two"),
				WebhookAuthorization: qpay.NewSecret("Basic dHdvOnR3bw=="), WebhookURL: urls[2]},
		},
	})
	require.NoError(t, err)
	defer s.Close()

	open := func(cfg providers.Config) qpay.Provider {
		p, err := providers.Open(cfg)
		require.NoError(t, err)
		return p
	}
	merchants := []qpay.Provider{open(s.Config(providers.Checkout)), open(s.CheckoutMerchantConfig(0)), open(s.CheckoutMerchantConfig(1))}
	req := qpay.PaymentRequest{Amount: money.MustParse("15.00", "QAR"), Reference: "ORD-M", ReturnURL: "http://shop.test/r",
		Customer: qpay.Customer{Name: "Noor", Email: "noor@example.qa"}, IdempotencyKey: "same-key-everywhere"}

	var ids [3]string
	for i, p := range merchants {
		pay, err := p.CreatePayment(ctx, req)
		require.NoError(t, err, "merchant %d", i)
		ids[i] = pay.ID
		require.NoError(t, s.Settle(pay.ID, status.Captured))
	}
	assert.NotEqual(t, ids[0], ids[1], "the same idempotency key under another merchant makes a new payment")
	assert.NotEqual(t, ids[1], ids[2])

	for i, p := range merchants {
		got := boxes[i].all()
		require.Len(t, got, 2, "merchant %d: payment_pending and payment_captured, at its own URL only", i)
		for _, d := range got {
			ev, err := p.ParseWebhook(ctx, d.header, d.body)
			require.NoError(t, err, "merchant %d verifies its webhooks", i)
			assert.Equal(t, ids[i], ev.PaymentID)
			other := merchants[(i+1)%3]
			_, err = other.ParseWebhook(ctx, d.header, d.body)
			assert.ErrorIs(t, err, qpay.KindInvalidSignature, "signed with merchant %d's secret only", i)
		}
		// Another merchant's key does not see, nor refund, this payment.
		other := merchants[(i+1)%3]
		_, err := other.GetPayment(ctx, ids[i])
		assert.ErrorIs(t, err, qpay.KindNotFound)
		_, err = other.Refund(ctx, qpay.RefundRequest{PaymentID: ids[i], Amount: money.MustParse("1.00", "QAR"), Reference: "RFD-X"})
		assert.ErrorIs(t, err, qpay.KindNotFound)
		_, err = p.GetPayment(ctx, ids[i])
		assert.NoError(t, err)
		// Listing by reference finds the merchant's own payment only.
		found, err := p.(qpay.PaymentFinder).PaymentsByReference(ctx, "ORD-M")
		require.NoError(t, err)
		require.Len(t, found, 1, "merchant %d", i)
		assert.Equal(t, ids[i], found[0].ID)
	}
	assert.Equal(t, "Basic dHdvOnR3bw==", boxes[2].all()[0].header.Get("Authorization"))
	assert.Empty(t, boxes[1].all()[0].header.Get("Authorization"))

	for name, m := range map[string][]qpaytest.CheckoutMerchant{
		"no key":        {{WebhookSecret: qpay.NewSecret("w")}},
		"no secret":     {{SecretKey: qpay.NewSecret("sk_sbox_x")}},
		"the same key":  {{SecretKey: qpay.NewSecret(qpaytest.DefaultCheckoutSecretKey), WebhookSecret: qpay.NewSecret("w")}},
		"two identical": {{SecretKey: qpay.NewSecret("sk_sbox_y"), WebhookSecret: qpay.NewSecret("w")}, {SecretKey: qpay.NewSecret("sk_sbox_y"), WebhookSecret: qpay.NewSecret("v")}},
	} {
		_, err := qpaytest.NewServer(qpaytest.Options{CheckoutMerchants: m})
		assert.Error(t, err, name)
	}
}
