package providers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// TestHostileMPGSWebhooks is TestHostileTapWebhooks for the bank's
// Mastercard Gateway, whose X-Notification-Secret is the merchant's secret
// sent as is: it proves the sender, not the body, and anyone who has seen
// one delivery holds it. So the attacker of these cases holds the secret,
// and every delivery is only a claim: the payment's facts are read back
// from the gateway (the simulator), and a forged body can only ever
// report the truth. A missing or wrong secret is refused before anything
// is read back.
func TestHostileMPGSWebhooks(t *testing.T) {
	ctx := context.Background()
	sim := newSimulator(t, nil)
	cfg := simulatorConfig(sim, providers.MPGS, nil)
	p := openProvider(t, cfg)
	open := func() qpay.Provider { return openProvider(t, cfg) }
	pending, err := p.CreatePayment(ctx, paymentRequest("ORD-hostile-pending"))
	require.NoError(t, err)
	paid := capturedPayment(t, sim, p, "ORD-hostile-paid")

	genuine, paidBody, err := sim.Webhook(paid.ID)
	require.NoError(t, err)
	_, initiated, err := sim.Webhook(pending.ID)
	require.NoError(t, err)
	secret := genuine.Get(mpgs.SecretHeader)
	require.Equal(t, secretMPGSHook.Reveal(), secret)
	with := func(mutate func(h http.Header)) http.Header {
		h := genuine.Clone()
		mutate(h)
		return h
	}
	// A captured claim about the order the gateway has pending.
	claim := withJSON(t, paidBody, "order.id", pending.ID)
	tenMB := withJSON(t, claim, "order.description", strings.Repeat("A", 10<<20))

	t.Run("pending at the gateway", func(t *testing.T) {
		runHostile(t, open, *pending, []hostileCase{
			{name: "no secret", header: with(func(h http.Header) { h.Del(mpgs.SecretHeader) }), body: claim,
				wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
			{name: "wrong secret", header: with(func(h http.Header) { h.Set(mpgs.SecretHeader, "not-the-secret") }), body: claim,
				wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
			{name: "the secret in lower case", header: with(func(h http.Header) { h.Set(mpgs.SecretHeader, strings.ToLower(secret)) }), body: claim,
				wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
			{name: "the secret and another value", header: with(func(h http.Header) { h.Add(mpgs.SecretHeader, "x") }), body: claim,
				wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
			{name: "the secret as a Basic password instead", header: with(func(h http.Header) {
				h.Del(mpgs.SecretHeader)
				h.Set("Authorization", "Basic "+secret)
			}), body: claim, wantHTTP: http.StatusUnauthorized, wantKind: qpay.KindInvalidSignature},
			// With the secret: the gateway says pending, so pending it stays.
			{name: "captured claim about a pending order", header: genuine, body: claim,
				wantHTTP: http.StatusOK},
			{name: "captured claim, amount and reference altered too", header: genuine,
				body: withJSON(t, withJSON(t, claim, "order.amount", "1.00"), "order.reference", "ORD-someone-else"), wantHTTP: http.StatusOK},
			{name: "the payment relabelled as a refund of this order", header: genuine,
				body:     withJSON(t, withJSON(t, claim, "transaction.type", "REFUND"), "transaction.id", mpgs.RefundID(pending.ID, "RFD-forged")),
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindNotFound},
			{name: "the order's own initiated notification, redelivered", header: genuine, body: initiated,
				wantHTTP: http.StatusOK},
			{name: "an order the gateway does not have", header: genuine,
				body:     withJSON(t, claim, "order.id", mpgs.OrderID(sim.MPGSMerchantID(), "ORD-nobody", "k")),
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindNotFound},
			{name: "an order ID that is no path segment", header: genuine, body: withJSON(t, claim, "order.id", "../../merchant/OTHER/order/x"),
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindProtocol},
			{name: "truncated JSON", header: genuine, body: claim[:len(claim)/2],
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindProtocol},
			{name: "an NVP body (a profile not set to REST-JSON)", header: genuine, body: []byte("order.id=" + pending.ID + "&result=SUCCESS"),
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindProtocol},
			{name: "notification ID with a newline", header: with(func(h http.Header) { h.Set(mpgs.NotificationIDHeader, "n\r\nX-Injected: 1") }), body: claim,
				wantHTTP: http.StatusBadRequest, wantKind: qpay.KindProtocol},
			{name: "10 MB body", header: genuine, body: tenMB,
				wantHTTP: http.StatusRequestEntityTooLarge, wantKind: qpay.KindInvalidRequest},
		}, nil)
	})
	t.Run("captured at the gateway", func(t *testing.T) {
		runHostile(t, open, *paid, []hostileCase{
			{name: "genuine delivery (control: this one moves the payment)", header: genuine, body: paidBody,
				wantHTTP: http.StatusOK, wantStatus: status.Captured},
			// A forgery about a captured order can only report the capture,
			// with the gateway's amount and reference.
			{name: "claims another amount and currency: the gateway's are applied", header: genuine,
				body: withJSON(t, withJSON(t, paidBody, "order.amount", "1.00"), "order.currency", "USD"), wantHTTP: http.StatusOK, wantStatus: status.Captured},
			{name: "claims a decline: the gateway's capture is applied", header: genuine,
				body: withJSON(t, withJSON(t, paidBody, "result", "FAILURE"), "order.status", "FAILED"), wantHTTP: http.StatusOK, wantStatus: status.Captured},
			{name: "stale: the initiated notification after the capture", stored: status.Captured, header: genuine,
				body: withJSON(t, initiated, "order.id", paid.ID), wantHTTP: http.StatusOK, wantStatus: status.Captured},
		}, nil)
	})
	// Nothing a hostile delivery did reached the gateway as a write.
	require.Equal(t, 2, sim.Requests(providers.MPGS, qpaytest.OpCreatePayment))
	require.Zero(t, sim.Requests(providers.MPGS, qpaytest.OpRefund))
}
