package mpgs

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/status"
)

// A wrong secret is refused before anything is read back: rejecting a
// forgery costs no request to the gateway.
func TestWebhookSecretIsCheckedFirst(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	pay, err := p.CreatePayment(context.Background(), conformance.Request("ORD-w", "1.00"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)
	h, body := b.PaymentWebhook(t, pay.ID)
	reads := b.Requests(conformance.OpGetPayment)

	secret := testHookSecret.Reveal()
	cases := map[string]http.Header{
		"missing":             {},
		"empty":               {SecretHeader: {""}},
		"other case":          {SecretHeader: {strings.ToLower(secret)}},
		"prefix":              {SecretHeader: {secret[:len(secret)-1]}},
		"longer":              {SecretHeader: {secret + "0"}},
		"with spaces":         {SecretHeader: {" " + secret}},
		"twice":               {SecretHeader: {secret, secret}},
		"right and wrong":     {SecretHeader: {"x", secret}},
		"in another header":   {"X-Notification-Signature": {secret}},
		"as a Basic password": {"Authorization": {"Basic " + secret}},
	}
	for name, hh := range cases {
		t.Run(name, func(t *testing.T) {
			hh.Set(NotificationIDHeader, h.Get(NotificationIDHeader))
			ev, err := p.ParseWebhook(context.Background(), hh, body)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, qpay.KindInvalidSignature)
			assert.NotContains(t, err.Error(), secret)
		})
	}
	assert.Equal(t, reads, b.Requests(conformance.OpGetPayment), "a refused delivery read nothing back")

	// A lower-case header name, as some runtimes hand it over, is the same header.
	lower := http.Header{"x-notification-secret": {secret}}
	_, err = p.ParseWebhook(context.Background(), lower, body)
	assert.NoError(t, err)
}

// The delivery claims; the gateway decides. A body that says CAPTURED for
// an order the gateway still has pending yields a pending event, and one
// that moves money for another amount yields the gateway's amount.
func TestWebhookFactsComeFromTheReadBack(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-claim", "50.00"))
	require.NoError(t, err)
	h, _ := b.PaymentWebhook(t, pay.ID)
	forged := patch(t, fixture(t, "notification-payment-captured.json"), func(m map[string]any) {
		o := obj(m, "order")
		o["id"], o["amount"], o["reference"] = pay.ID, "0.01", "ORD-someone-else"
	})
	before := b.Requests(conformance.OpGetPayment)
	ev, err := p.ParseWebhook(ctx, h, forged)
	require.NoError(t, err)
	assert.Equal(t, before+1, b.Requests(conformance.OpGetPayment), "one read-back")
	assert.Equal(t, qpay.EventPayment, ev.Type)
	assert.Equal(t, pay.ID, ev.PaymentID)
	assert.Equal(t, status.Pending, ev.Payment.Status)
	assert.True(t, ev.Payment.Amount.Equal(money.MustParse("50.00", "QAR")))
	assert.Equal(t, "ORD-claim", ev.Payment.Reference)
	assert.Equal(t, forged, []byte(ev.Raw), "Raw is the delivery as received")
	assert.NotEqual(t, forged, []byte(ev.Payment.Raw), "the payment's Raw is the read-back")

	// Once the shopper has paid, the same delivery reports the capture,
	// under another event ID: a forged early delivery cannot take the ID
	// of the real one.
	b.Settle(t, pay.ID, status.Captured)
	later, err := p.ParseWebhook(ctx, h, forged)
	require.NoError(t, err)
	assert.Equal(t, status.Captured, later.Payment.Status)
	assert.NotEqual(t, ev.ID, later.ID)
	assert.True(t, strings.HasPrefix(later.ID, "mpgs:"+h.Get(NotificationIDHeader)+":"+pay.ID+":"), later.ID)
}

// A notification about a refund transaction is a refund event with the
// gateway's refund; a body calling the payment transaction a REFUND names
// a refund the gateway does not have, and yields no event at all.
func TestWebhookObjectKindComesFromTheReadBack(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-kind", "20.00"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)
	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-k"})
	require.NoError(t, err)

	h, body := b.RefundWebhook(t, r)
	ev, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.EventRefund, ev.Type)
	assert.Equal(t, r.ID, ev.Refund.ID)
	assert.Equal(t, "RFD-k", ev.Refund.Reference)

	assert.Equal(t, pay.ID, ev.PaymentID)
	assert.Equal(t, qpay.VerifiedReadBack, ev.Verification.Method)
	assert.Equal(t, qpay.Fields(0), ev.Verification.Signed)

	ph, pbody := b.PaymentWebhook(t, pay.ID)
	relabelled := patch(t, pbody, func(m map[string]any) { obj(m, "transaction")["type"] = "REFUND" })
	ev, err = p.ParseWebhook(ctx, ph, relabelled)
	assert.Nil(t, ev)
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindNotFound, e.Kind)
	assert.False(t, e.Retryable, "a claim about nothing is not worth a redelivery")
}

func TestWebhookEventIDs(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-ids", "1.00"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)
	h, body := b.PaymentWebhook(t, pay.ID)

	first, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	h.Set(AttemptHeader, "2")
	redelivered, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, first.ID, redelivered.ID, "a redelivery of a notification is the same event")

	h.Set(NotificationIDHeader, "another-notification")
	other, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.NotEqual(t, first.ID, other.ID)

	h.Del(NotificationIDHeader)
	none, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, "mpgs:"+pay.ID+":"+paymentTransactionID+":CAPTURED", none.ID)

	for name, v := range map[string][]string{
		"control character": {"a\nb"},
		"too long":          {strings.Repeat("n", maxNotificationIDLen+1)},
		"twice":             {"a", "b"},
	} {
		hh := h.Clone()
		hh[NotificationIDHeader] = v
		_, err := p.ParseWebhook(ctx, hh, body)
		assert.ErrorIs(t, err, qpay.KindProtocol, name)
	}
}

func TestWebhookBodiesThatCannotBeAboutAnOrder(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	h := notification(testHookSecret, "n-1")
	for name, body := range map[string]string{
		"not JSON":          `<xml/>`,
		"NVP":               `order.id=qp-1&result=SUCCESS`,
		"no order":          `{"result":"SUCCESS"}`,
		"order ID with /":   `{"order":{"id":"../../x"}}`,
		"transaction ID ..": `{"order":{"id":"qp-1"},"transaction":{"id":"a/b"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.ParseWebhook(context.Background(), h, []byte(body))
			assert.ErrorIs(t, err, qpay.KindProtocol)
		})
	}
	assert.Equal(t, 0, b.Requests(conformance.OpGetPayment))

	// An order the gateway does not have: refused, never an event.
	_, err := p.ParseWebhook(context.Background(), h, []byte(`{"order":{"id":"qp-unknown","amount":1,"currency":"QAR"},"transaction":{"id":"qpay-pay"}}`))
	assert.ErrorIs(t, err, qpay.KindNotFound)
}

// A notification secret being rotated out is still accepted until the end
// of its window, never after, and the event says which secret it carried.
func TestWebhookSecretRotation(t *testing.T) {
	b := newGockBackend(t)
	old := qpay.NewSecret("OLDNOTIFICATIONSECRET0123456789AB")
	until := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	cfg := testConfig(t)
	cfg.PreviousWebhookSecrets = []qpay.PreviousSecret{{Secret: old, Until: until}}
	a, err := newAdapter(cfg)
	require.NoError(t, err)
	now := until.Add(-time.Hour)
	a.now = func() time.Time { return now }
	p := driver.Wrap(a, driver.Options{})
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-rot", "1.00"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)
	h, body := b.PaymentWebhook(t, pay.ID)

	ev, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.SignedByCurrent, ev.Verification.SignedBy)

	h.Set(SecretHeader, old.Reveal())
	ev, err = p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.SignedByPrevious, ev.Verification.SignedBy)

	now = until
	_, err = p.ParseWebhook(ctx, h, body)
	assert.ErrorIs(t, err, qpay.KindInvalidSignature, "the window has ended")

	cfg.PreviousWebhookSecrets = []qpay.PreviousSecret{{Secret: old}}
	_, err = New(cfg)
	assert.ErrorContains(t, err, "Until", "a window must end")
}
