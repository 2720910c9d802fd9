package driver

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// The verification model, written once for every provider.
//
// A webhook is a claim; the provider's API is the truth. A driver declares,
// with WebhookSignature, which facts of an event its provider's signature
// covers. When it signs the raw body (Checkout), the delivery is the event.
// When it signs less (Tap's hashstring
// covers the object's ID, amount, currency and status, not a refund's
// charge_id, nor a charge's order reference or metadata), the object is read
// back over the authenticated API before the event is returned:
//
//   - the facts (which payment, status, amount, reference, metadata) are
//     the read-back's;
//   - each signed fact must agree with the read-back: a mismatch is an
//     error, never a silent pick (a status the read-back has moved past is
//     agreement; one it has not reached yet is a lag, retryable);
//   - the delivery is kept apart, in Verification.Delivered*, with the
//     unsigned facts on which it disagrees in Verification.Differs;
//   - the object read back answers the same event ID again for a short
//     while (readback.go), so that replaying a captured delivery costs no
//     API call each time.
//
// The event ID a driver derives must come from signed fields only (Tap's
// "tap:<id>:<status>"), so that a forged delivery reusing a genuine
// delivery's signed fields carries the genuine facts under the genuine ID:
// whichever of the two a store records first, it records the truth, and
// the other is a duplicate of it.
//
// A provider may sign nothing at all: the Mastercard Gateway sends a shared
// secret as is, which says who sent a delivery, not what it says, and is
// held by anyone who has seen one. Its event ID then comes from unsigned
// fields, which whoever holds the secret writes, so for such a driver
// (WebhookSignature returns no field):
//
//   - the read-back is never taken from the cache, whose key is that
//     unsigned ID (a forgery would otherwise leave its read-back to answer
//     a genuine delivery under the same ID);
//   - the event ID is completed with the status read back
//     (unsignedEventID), so that a forgery reusing or guessing a genuine
//     delivery's ID names the state the provider reported, and a store
//     never drops the genuine event of another state as its duplicate;
//   - an object the provider does not have is not a lag to wait for but a
//     claim about nothing (KindNotFound, not retryable).

// signedFacts are the facts of an event of type t that a signature
// covering signed vouches for. A payment event's PaymentID is its payment's
// ID, so it is signed when the ID is.
func signedFacts(t qpay.EventType, signed qpay.Fields) qpay.Fields {
	if t == qpay.EventPayment && signed.Has(qpay.FieldID) {
		signed |= qpay.FieldPaymentID
	}
	return signed
}

// verify establishes ev's facts, as the model above says, and records how
// in ev.Verification. ev has passed checkEvent.
func (w *portable) verify(ctx context.Context, ev *qpay.WebhookEvent) error {
	declared := w.d.WebhookSignature()
	by := ev.Verification.SignedBy // the driver's one word on it
	if declared == qpay.AllFields {
		ev.Verification = qpay.Verification{Method: qpay.VerifiedBody, SignedBy: by, Signed: qpay.AllFields}
		return nil
	}
	// The whole object is read back, so every fact is the read-back's (a
	// refund's metadata, which qpay.Refund does not model, is in its Raw,
	// the read-back's body).
	v := qpay.Verification{Method: qpay.VerifiedReadBack, SignedBy: by, Signed: signedFacts(ev.Type, declared), ReadBack: qpay.AllFields}
	var err error
	if ev.Type == qpay.EventRefund {
		err = w.readBackRefund(ctx, ev, &v)
	} else {
		err = w.readBackPayment(ctx, ev, &v)
	}
	if err != nil {
		return err
	}
	if signed == 0 {
		if err := unsignedEventID(ev); err != nil {
			return err
		}
	}
	ev.Verification = v
	stamp(ev, w.d.Name(), w.opts.Account)
	return nil
}

// unsignedEventID completes the event ID of a delivery whose signature
// covers no field with the raw status read back (see the model above).
func unsignedEventID(ev *qpay.WebhookEvent) error {
	raw := ""
	switch {
	case ev.Payment != nil:
		raw = ev.Payment.RawStatus
	case ev.Refund != nil:
		raw = ev.Refund.RawStatus
	}
	ev.ID += ":" + raw
	if err := checkEventID(ev.ID); err != nil {
		return protocol("webhook event ID %v", err)
	}
	return nil
}

// readBackPayment replaces ev.Payment with the payment read back.
func (w *portable) readBackPayment(ctx context.Context, ev *qpay.WebhookEvent, v *qpay.Verification) error {
	got := ev.Payment
	key := readBackKey(ev.ID, got.ID)
	var cached readBackEntry
	fresh := false
	if v.Signed != 0 {
		cached, fresh = w.readBacks.get(key)
	}
	p := cached.payment
	if !fresh || p == nil {
		var err error
		if p, err = w.d.GetPayment(ctx, got.ID); err != nil {
			return readBackFailed("payment", got.ID, v.Signed.Has(qpay.FieldID), err)
		}
		if err := w.checkRead(got.ID, p); err != nil {
			return err
		}
	}
	if p.ID != got.ID {
		return integrity("webhook %s is signed for payment %s, the read-back is of payment %s", ev.ID, got.ID, p.ID)
	}
	var differs qpay.Fields
	compare := func(f qpay.Fields, same bool, what string) error {
		switch {
		case same:
			return nil
		case v.Signed.Has(f):
			return integrity("webhook %s is signed with payment %s's %s, which its read-back contradicts", ev.ID, p.ID, what)
		}
		differs |= f
		return nil
	}
	if err := compare(qpay.FieldAmount, p.Amount.Equal(got.Amount), "amount "+got.Amount.String()+", read back as "+p.Amount.String()); err != nil {
		return err
	}
	if err := compare(qpay.FieldReference, p.Reference == got.Reference, "reference"); err != nil {
		return err
	}
	if err := compare(qpay.FieldMetadata, maps.Equal(p.Metadata, got.Metadata), "metadata"); err != nil {
		return err
	}
	if err := checkStatus(ev.ID, "payment "+p.ID, v.Signed.Has(qpay.FieldStatus), status.Check(got.Status, p.Status)); err != nil {
		return err
	}
	if got.Status != p.Status && !v.Signed.Has(qpay.FieldStatus) {
		differs |= qpay.FieldStatus
	}
	v.Differs = differs
	v.DeliveredPayment = got
	ev.Payment = p
	if !fresh && v.Signed != 0 {
		w.readBacks.put(key, p, nil)
	}
	return nil
}

// readBackRefund replaces ev.Refund with the refund read back.
func (w *portable) readBackRefund(ctx context.Context, ev *qpay.WebhookEvent, v *qpay.Verification) error {
	got := ev.Refund
	// The delivered payment ID only locates the refund for a provider
	// that files refunds under payments; the read-back says whose it is.
	key := readBackKey(ev.ID, got.ID)
	var cached readBackEntry
	fresh := false
	if v.Signed != 0 {
		cached, fresh = w.readBacks.get(key)
	}
	r := cached.refund
	if !fresh || r == nil {
		var err error
		if r, err = w.d.GetRefund(ctx, got.PaymentID, got.ID); err != nil {
			return readBackFailed("refund", got.ID, v.Signed.Has(qpay.FieldID), err)
		}
		if err := w.checkRefundRead(got.ID, r); err != nil {
			return err
		}
	}
	var differs qpay.Fields
	compare := func(f qpay.Fields, same bool, what string) error {
		switch {
		case same:
			return nil
		case v.Signed.Has(f):
			return integrity("webhook %s is signed with refund %s's %s, which its read-back contradicts", ev.ID, r.ID, what)
		}
		differs |= f
		return nil
	}
	if err := compare(qpay.FieldAmount, r.Amount.Equal(got.Amount), "amount "+got.Amount.String()+", read back as "+r.Amount.String()); err != nil {
		return err
	}
	if err := compare(qpay.FieldPaymentID, r.PaymentID == got.PaymentID, "payment "+got.PaymentID+", read back as "+r.PaymentID); err != nil {
		return err
	}
	if err := compare(qpay.FieldReference, r.Reference == got.Reference, "reference"); err != nil {
		return err
	}
	if err := checkStatus(ev.ID, "refund "+r.ID, v.Signed.Has(qpay.FieldStatus), status.CheckRefund(got.Status, r.Status)); err != nil {
		return err
	}
	if got.Status != r.Status && !v.Signed.Has(qpay.FieldStatus) {
		differs |= qpay.FieldStatus
	}
	v.Differs = differs
	v.DeliveredRefund = got
	ev.Refund = r
	if !fresh && v.Signed != 0 {
		w.readBacks.put(key, nil, r)
	}
	return nil
}

// checkStatus judges a signed status against the read-back's, given
// status.Check(signed, readBack). The same status, or one the read-back has
// moved past, agrees; one the read-back has not reached yet is the
// provider's own lag (retryable: the provider delivers again); any other is
// a contradiction. An unsigned status is the read-back's, whatever the
// delivery said.
func checkStatus(eventID, what string, signed bool, moved error) error {
	switch {
	case !signed, moved == nil, errors.Is(moved, status.ErrUnchanged):
		return nil
	case errors.Is(moved, status.ErrStale):
		return &qpay.Error{Kind: qpay.KindUnavailable, Retryable: true,
			Message: fmt.Sprintf("webhook %s is signed with a status of %s that its read-back has not reached yet (%v); deliver again", eventID, what, moved)}
	}
	return integrity("webhook %s is signed with a status of %s that its read-back contradicts (%v)", eventID, what, moved)
}

// readBackFailed is the error of a read-back that did not answer: the
// provider's own error, kept with its kind (so that a network failure, a
// 5xx or a 429 is retryable and qpay.WebhookHandler asks for the delivery
// again), under the webhook's operation. A 404 for an object the
// provider's signature vouches for (signedID) is the provider's lag, not a
// malformed delivery: it is retryable too. One for an unsigned ID stays
// not found.
func readBackFailed(what, id string, signedID bool, err error) error {
	var e *qpay.Error
	if !errors.As(err, &e) {
		return &qpay.Error{Kind: qpay.KindUnknown, Message: fmt.Sprintf("reading back %s %s to verify the webhook", what, id), Err: err}
	}
	out := *e
	out.Op = qpay.OpParseWebhook
	out.Message = fmt.Sprintf("reading back %s %s to verify the webhook: %s", what, id, e.Message)
	if e.Kind == qpay.KindNotFound && signedID {
		out.Kind, out.Retryable = qpay.KindUnavailable, true
		out.Message = fmt.Sprintf("the provider does not find %s %s, whose webhook it signed; deliver again: %s", what, id, e.Message)
	}
	return &out
}

// stamp sets the provider and account of ev and of what it carries, and
// its PaymentID.
func stamp(ev *qpay.WebhookEvent, provider, account string) {
	ev.Provider, ev.Account = provider, account
	switch {
	case ev.Payment != nil:
		ev.Payment.Provider, ev.Payment.Account = provider, account
		ev.PaymentID = ev.Payment.ID
	case ev.Refund != nil:
		ev.Refund.Provider, ev.Refund.Account = provider, account
		ev.PaymentID = ev.Refund.PaymentID
	}
}
