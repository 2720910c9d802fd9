package driver

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// tapLike is what Tap's hashstring covers: a driver declaring it gets its
// events read back, whatever the provider.
const tapLike = qpay.FieldID | qpay.FieldAmount | qpay.FieldStatus

func deliveredPayment() *qpay.WebhookEvent {
	return &qpay.WebhookEvent{ID: "e:pay_1:CAPTURED", Type: qpay.EventPayment, Payment: &qpay.Payment{
		ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-B", Metadata: map[string]string{"o": "B"}}}
}

func deliveredRefund() *qpay.WebhookEvent {
	return &qpay.WebhookEvent{ID: "e:re_1:REFUNDED", Type: qpay.EventRefund, Refund: &qpay.Refund{
		ID: "re_1", PaymentID: "pay_B", Status: status.RefundSucceeded, RawStatus: "REFUNDED", Amount: qar("3"), Reference: "RFD-1"}}
}

func TestAWebhookSignedInFullIsNotReadBack(t *testing.T) {
	d := &stub{event: deliveredPayment()}
	ev, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"webhook"}, d.calls, "no read-back when the signature covers the body")
	assert.Equal(t, qpay.VerifiedBody, ev.Verification.Method)
	assert.Equal(t, qpay.AllFields, ev.Verification.Signed)
	assert.Equal(t, qpay.Fields(0), ev.Verification.Unverified())
	assert.Nil(t, ev.Verification.DeliveredPayment)
}

// A signature that covers less than the body is read back, however much it
// covers: there is no third way of verifying.
func TestAWebhookSignedInAllButTheBodyIsReadBack(t *testing.T) {
	d := &stub{signs: qpay.AllFields &^ qpay.FieldPaymentID, event: deliveredPayment(), read: deliveredPayment().Payment}
	ev, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"webhook", "get"}, d.calls)
	assert.Equal(t, qpay.VerifiedReadBack, ev.Verification.Method)
	assert.Equal(t, qpay.AllFields, ev.Verification.Signed, "a payment event's PaymentID is its signed ID")
}

// Which secret verified the delivery is the driver's to say, and it stays
// in the Verification the portable layer builds, whichever the method.
func TestSignedByIsKeptInTheVerification(t *testing.T) {
	for _, signs := range []qpay.Fields{qpay.AllFields, tapLike} {
		ev := deliveredPayment()
		ev.Verification.SignedBy = qpay.SignedByPrevious
		d := &stub{signs: signs, event: ev, read: deliveredPayment().Payment}
		got, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
		require.NoError(t, err)
		assert.Equal(t, qpay.SignedByPrevious, got.Verification.SignedBy, "%v", signs)
	}
}

func TestAPaymentWebhookSignedInPartIsReadBack(t *testing.T) {
	d := &stub{signs: tapLike, event: deliveredPayment(), read: &qpay.Payment{
		ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-A", Metadata: map[string]string{"o": "A"}, Raw: []byte(`{"read":"back"}`)}}
	ev, err := Wrap(d, Options{Account: "shop"}).ParseWebhook(context.Background(), http.Header{}, []byte(`{"delivered":1}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"webhook", "get"}, d.calls)
	assert.Equal(t, "ORD-A", ev.Payment.Reference, "the facts are the read-back's")
	assert.Equal(t, map[string]string{"o": "A"}, ev.Payment.Metadata)
	assert.Equal(t, `{"read":"back"}`, string(ev.Payment.Raw))
	assert.Equal(t, `{"delivered":1}`, string(ev.Raw), "the event's Raw stays the delivery")
	assert.Equal(t, "shop", ev.Payment.Account)
	assert.Equal(t, "stub", ev.Payment.Provider)
	assert.Equal(t, qpay.Verification{
		Method:           qpay.VerifiedReadBack,
		Signed:           tapLike | qpay.FieldPaymentID,
		ReadBack:         qpay.AllFields,
		Differs:          qpay.FieldReference | qpay.FieldMetadata,
		DeliveredPayment: ev.Verification.DeliveredPayment,
	}, ev.Verification)
	assert.Equal(t, "ORD-B", ev.Verification.DeliveredPayment.Reference, "the delivery's claim, kept apart")
	assert.Equal(t, "e:pay_1:CAPTURED", ev.ID)
}

func TestARefundWebhookSignedInPartIsReadBack(t *testing.T) {
	d := &stub{signs: tapLike, event: deliveredRefund(), readRef: &qpay.Refund{
		ID: "re_1", PaymentID: "pay_A", Status: status.RefundSucceeded, RawStatus: "REFUNDED", Amount: qar("3"), Reference: "RFD-1"}}
	ev, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"webhook", "get_refund"}, d.calls)
	assert.Equal(t, "pay_A", ev.PaymentID, "the payment is the read-back's")
	assert.Equal(t, "pay_A", ev.Refund.PaymentID)
	assert.Equal(t, "stub", ev.Refund.Provider)
	assert.Equal(t, qpay.FieldPaymentID, ev.Verification.Differs)
	assert.Equal(t, "pay_B", ev.Verification.DeliveredRefund.PaymentID)

	// Signing the payment ID makes the same disagreement an error.
	d = &stub{signs: tapLike | qpay.FieldPaymentID, event: deliveredRefund(), readRef: d.readRef}
	_, err = Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	assert.ErrorIs(t, err, qpay.KindIntegrity)
}

func TestAReadBackMustAgreeWithTheSignedFields(t *testing.T) {
	read := func(edit func(p *qpay.Payment)) *qpay.Payment {
		p := &qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-B"}
		edit(p)
		return p
	}
	tests := []struct {
		name   string
		read   *qpay.Payment
		err    error
		kind   qpay.Kind
		retry  bool
		status status.Status // of the event, when it is returned
	}{
		{name: "agrees", read: read(func(*qpay.Payment) {}), status: status.Captured},
		{name: "moved on since", read: read(func(p *qpay.Payment) { p.Status = status.PartiallyRefunded }), status: status.PartiallyRefunded},
		{name: "another amount", read: read(func(p *qpay.Payment) { p.Amount = qar("11") }), kind: qpay.KindIntegrity},
		{name: "another currency", read: read(func(p *qpay.Payment) { p.Amount = money.MustParse("10", "KWD") }), kind: qpay.KindIntegrity},
		{name: "a contradicting status", read: read(func(p *qpay.Payment) { p.Status = status.Failed }), kind: qpay.KindIntegrity},
		{name: "a status not reached yet", read: read(func(p *qpay.Payment) { p.Status = status.Pending }), kind: qpay.KindUnavailable, retry: true},
		{name: "another payment", read: read(func(p *qpay.Payment) { p.ID = "pay_2" }), kind: qpay.KindIntegrity},
		{name: "not found", err: &qpay.Error{Kind: qpay.KindNotFound, HTTPStatus: 404}, kind: qpay.KindUnavailable, retry: true},
		{name: "unavailable", err: &qpay.Error{Kind: qpay.KindUnavailable, HTTPStatus: 502, Retryable: true}, kind: qpay.KindUnavailable, retry: true},
		{name: "rate limited", err: &qpay.Error{Kind: qpay.KindRateLimited, HTTPStatus: 429, Retryable: true}, kind: qpay.KindRateLimited, retry: true},
		{name: "network", err: &qpay.Error{Kind: qpay.KindNetwork, Retryable: true}, kind: qpay.KindNetwork, retry: true},
		// The read-back marks what a redelivery may overcome, whatever
		// the provider's error said: qpay.WebhookHandler reads the mark.
		{name: "network, unmarked", err: &qpay.Error{Kind: qpay.KindNetwork}, kind: qpay.KindNetwork, retry: true},
		{name: "still in flight", err: &qpay.Error{Kind: qpay.KindConflict, HTTPStatus: 409}, kind: qpay.KindConflict, retry: true},
		{name: "key refused", err: &qpay.Error{Kind: qpay.KindAuthentication, HTTPStatus: 401}, kind: qpay.KindAuthentication, retry: true},
		{name: "not permitted", err: &qpay.Error{Kind: qpay.KindPermission, HTTPStatus: 403}, kind: qpay.KindPermission, retry: true},
		{name: "refused as invalid", err: &qpay.Error{Kind: qpay.KindInvalidRequest, HTTPStatus: 400}, kind: qpay.KindInvalidRequest},
		{name: "an answer not understood", err: &qpay.Error{Kind: qpay.KindProtocol}, kind: qpay.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &stub{signs: tapLike, event: deliveredPayment(), read: tt.read, readErr: tt.err}
			ev, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, tt.status, ev.Payment.Status)
				return
			}
			assert.Nil(t, ev)
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind, "%v", err)
			assert.Equal(t, tt.retry, e.Retryable, "%v", err)
			assert.Equal(t, qpay.OpParseWebhook, e.Op)
			assert.Equal(t, "stub", e.Provider)
		})
	}
}

func TestGetRefundChecksTheAnswer(t *testing.T) {
	refund := func(edit func(r *qpay.Refund)) *qpay.Refund {
		r := &qpay.Refund{ID: "re_1", PaymentID: "pay_1", Status: status.RefundPending, Amount: qar("3")}
		edit(r)
		return r
	}
	tests := []struct {
		name string
		r    *qpay.Refund
		kind qpay.Kind
	}{
		{"the refund asked for", refund(func(*qpay.Refund) {}), qpay.KindUnknown},
		{"another payment's", refund(func(r *qpay.Refund) { r.PaymentID = "pay_2" }), qpay.KindIntegrity},
		{"another refund", refund(func(r *qpay.Refund) { r.ID = "re_2" }), qpay.KindIntegrity},
		{"no payment", refund(func(r *qpay.Refund) { r.PaymentID = "" }), qpay.KindProtocol},
		{"no amount", refund(func(r *qpay.Refund) { r.Amount = qpay.Refund{}.Amount }), qpay.KindProtocol},
		{"no answer", nil, qpay.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Wrap(&stub{readRef: tt.r}, Options{Account: "shop"}).(qpay.RefundGetter).GetRefund(context.Background(), "pay_1", "re_1")
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, "shop", r.Account)
				assert.Equal(t, "stub", r.Provider)
				return
			}
			assert.ErrorIs(t, err, tt.kind)
		})
	}
	d := &stub{}
	_, err := Wrap(d, Options{}).(qpay.RefundGetter).GetRefund(context.Background(), "pay_1", "re/1")
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.Empty(t, d.calls, "refused before the driver")
}

func count(calls []string, call string) int {
	n := 0
	for _, c := range calls {
		if c == call {
			n++
		}
	}
	return n
}

// TestAReplayedDeliveryIsNotReadBackAgain: the event ID is signed, so a
// replay of a captured delivery, rewritten or not, is the same event; it
// is verified again, but answered from the recent read-back instead of
// costing the merchant an API call each time.
func TestAReplayedDeliveryIsNotReadBackAgain(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := &stub{signs: tapLike, read: &qpay.Payment{
		ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-A", Metadata: map[string]string{"o": "A"}}}
	p := Wrap(d, Options{})
	p.(*portable).readBacks.now = func() time.Time { return now }
	parse := func(ev *qpay.WebhookEvent) (*qpay.WebhookEvent, error) {
		d.event = ev
		return p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	}

	for range 3 {
		ev, err := parse(deliveredPayment())
		require.NoError(t, err)
		assert.Equal(t, "ORD-A", ev.Payment.Reference)
		ev.Payment.Metadata["o"] = "changed by the caller" // must not reach the next event
	}
	assert.Equal(t, 1, count(d.calls, "get"), "one read-back for three deliveries of one event")

	ev, err := parse(deliveredPayment())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"o": "A"}, ev.Payment.Metadata, "the cache holds its own copy")
	assert.Equal(t, qpay.FieldReference|qpay.FieldMetadata, ev.Verification.Differs, "still compared with the delivery")

	tampered := deliveredPayment()
	tampered.Payment.Amount = qar("11") // only possible with the key: a signed field
	_, err = parse(tampered)
	assert.ErrorIs(t, err, qpay.KindIntegrity, "signed fields are checked against the cached read-back too")

	other := deliveredPayment()
	other.ID = "e:pay_1:OTHER"
	_, err = parse(other)
	require.NoError(t, err)
	assert.Equal(t, 2, count(d.calls, "get"), "another event is read back")

	now = now.Add(readBackTTL)
	_, err = parse(deliveredPayment())
	require.NoError(t, err)
	assert.Equal(t, 3, count(d.calls, "get"), "an expired read-back is made again")

	d.readErr = &qpay.Error{Kind: qpay.KindUnavailable, Retryable: true}
	third := deliveredPayment()
	third.ID = "e:pay_1:THIRD"
	for range 2 {
		_, err = parse(third)
		assert.ErrorIs(t, err, qpay.KindUnavailable)
	}
	assert.Equal(t, 5, count(d.calls, "get"), "a failed read-back is not kept")
}

// A provider that signs nothing (the Mastercard Gateway's shared secret):
// every delivery is read back, none from the cache, whose key would be the
// delivery's unsigned ID; the event ID names the state read back; and an
// object the provider does not have is not found, not a lag.
func TestAWebhookSigningNothingIsReadBackEveryTime(t *testing.T) {
	d := &stub{unsigned: true, read: &qpay.Payment{ID: "pay_1", Status: status.Pending, RawStatus: "INITIATED", Amount: qar("10"), Reference: "ORD-A"}}
	p := Wrap(d, Options{})
	parse := func() (*qpay.WebhookEvent, error) {
		ev := deliveredPayment() // claims CAPTURED, for order ORD-B
		ev.ID = "n-1:pay_1"
		d.event = ev
		return p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	}
	forged, err := parse()
	require.NoError(t, err)
	assert.Equal(t, status.Pending, forged.Payment.Status, "the status is the read-back's")
	assert.Equal(t, "ORD-A", forged.Payment.Reference)
	assert.Equal(t, "n-1:pay_1:INITIATED", forged.ID)
	assert.Equal(t, qpay.VerifiedReadBack, forged.Verification.Method)
	assert.Equal(t, qpay.Fields(0), forged.Verification.Signed)
	assert.Equal(t, qpay.AllFields, forged.Verification.ReadBack)
	assert.Equal(t, qpay.FieldStatus|qpay.FieldReference|qpay.FieldMetadata, forged.Verification.Differs)

	// The genuine delivery under the same notification ID, once the
	// payment is captured: read back again, and another event.
	d.read = &qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-A"}
	genuine, err := parse()
	require.NoError(t, err)
	assert.Equal(t, status.Captured, genuine.Payment.Status)
	assert.Equal(t, "n-1:pay_1:CAPTURED", genuine.ID)
	assert.NotEqual(t, forged.ID, genuine.ID, "the forgery does not shadow the genuine event")
	assert.Equal(t, 2, count(d.calls, "get"), "nothing is served from the cache")

	d.readErr = &qpay.Error{Kind: qpay.KindNotFound}
	_, err = parse()
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindNotFound, e.Kind, "a claim about nothing")
	assert.False(t, e.Retryable)

	// The same answer for a provider that signs the ID is its lag.
	tap := &stub{signs: tapLike, event: deliveredPayment(), readErr: &qpay.Error{Kind: qpay.KindNotFound}}
	_, err = Wrap(tap, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindUnavailable, e.Kind)
	assert.True(t, e.Retryable)
}

func TestTheReadBackCacheIsBounded(t *testing.T) {
	c := newReadBackCache()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	for i := range readBackEntries + 10 {
		c.put(readBackKey(fmt.Sprint("e", i), "pay_1"), &qpay.Payment{ID: "pay_1"}, nil)
		now = now.Add(time.Millisecond)
	}
	assert.Len(t, c.entries, readBackEntries)
	_, ok := c.get(readBackKey("e0", "pay_1"))
	assert.False(t, ok, "the oldest went first")
	_, ok = c.get(readBackKey(fmt.Sprint("e", readBackEntries+9), "pay_1"))
	assert.True(t, ok)

	now = now.Add(readBackTTL)
	c.put(readBackKey("late", "pay_1"), &qpay.Payment{ID: "pay_1"}, nil)
	assert.Len(t, c.entries, 1, "expired entries are dropped")
	assert.Len(t, c.order, 1)
}
