package driver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
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
//     API call each time; so does a read-back's final refusal of a
//     delivery (a contradiction, another merchant's object, an object
//     not found for good), for a delivery making the same signed claims;
//     concurrent read-backs of one event share one call;
//   - what the signed facts alone rule out (a signed currency other than
//     qpay.Currency) is refused before any read-back (signedCurrency).
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
	if err := signedCurrency(ev, v.Signed); err != nil {
		return err
	}
	var o object
	if ev.Type == qpay.EventRefund {
		o = w.refundObject(ctx, ev, v.Signed)
	} else {
		o = w.paymentObject(ctx, ev, v.Signed)
	}
	key := readBackKey(ev.ID, o.id)
	if v.Signed == 0 { // never the cache for an unsigned event ID (see the model above)
		back, err := o.read()
		if err != nil {
			return err
		}
		return w.judge(ev, o, back, v)
	}
	refusal := refusalKey(key, o.claim())
	if err, ok := w.readBacks.refused(refusal); ok {
		return err
	}
	back, fresh := w.readBacks.get(key)
	if !fresh || !o.holds(back) {
		var err error
		if back, err = w.readBacks.do(key, o.read); err != nil {
			err = w.readBacks.lasting(refusal, err)
			w.readBacks.refuse(refusal, err)
			return err
		}
	}
	if err := w.judge(ev, o, back, v); err != nil {
		w.readBacks.refuse(refusal, err)
		return err
	}
	if !fresh {
		w.readBacks.put(key, back.payment, back.refund)
	}
	return nil
}

// signedCurrency refuses, before any read-back, a delivery whose signed
// amount is in a currency other than qpay.Currency: a genuine object (a
// card charge, another currency on the same account), but never a QPay
// one, which the read-back would only confirm at the cost of a call.
// KindUnsupported, which qpay.WebhookHandler acknowledges (200), so the
// provider does not deliver it again and again.
func signedCurrency(ev *qpay.WebhookEvent, signed qpay.Fields) error {
	if !signed.Has(qpay.FieldAmount) {
		return nil
	}
	what, id, amount := "payment", "", money.Money{}
	switch {
	case ev.Payment != nil:
		id, amount = ev.Payment.ID, ev.Payment.Amount
	case ev.Refund != nil:
		what, id, amount = "refund", ev.Refund.ID, ev.Refund.Amount
	}
	if c := amount.Currency(); c != qpay.Currency {
		return &qpay.Error{Kind: qpay.KindUnsupported,
			Message: fmt.Sprintf("webhook %s is signed for %s %s in %s, not %s: not a QPay %s, ignored", ev.ID, what, id, c, qpay.Currency, what)}
	}
	return nil
}

// judge checks the read-back back of o against ev's delivery and, when
// they agree, makes it the event's.
func (w *portable) judge(ev *qpay.WebhookEvent, o object, back readBackEntry, v qpay.Verification) error {
	if err := o.check(back); err != nil {
		return err
	}
	var differs qpay.Fields
	for _, f := range o.facts(back) {
		switch {
		case f.same:
		case v.Signed.Has(f.field):
			return integrity("webhook %s is signed with %s %s's %s, which its read-back contradicts", ev.ID, o.what, o.id, f.what)
		default:
			differs |= f.field
		}
	}
	delivered, readBack, moved := o.status(back)
	if err := checkStatus(ev.ID, o.what+" "+o.id, v.Signed.Has(qpay.FieldStatus), moved); err != nil {
		return err
	}
	if delivered != readBack && !v.Signed.Has(qpay.FieldStatus) {
		differs |= qpay.FieldStatus
	}
	v.Differs = differs
	o.take(back, &v) // already stamped by checkRead or checkRefundRead
	if v.Signed == 0 {
		if err := unsignedEventID(ev); err != nil {
			return err
		}
	}
	ev.Verification = v
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

// object is what a payment's and a refund's read-back do differently;
// verify does the rest once for both.
type object struct {
	what, id string                        // "payment" or "refund", and the delivered ID
	claim    func() string                 // what the delivery's signed facts claim (refusalKey)
	holds    func(readBackEntry) bool      // whether a cached entry holds such an object
	read     func() (readBackEntry, error) // reads it back and checks the answer
	check    func(readBackEntry) error     // what must agree whatever is signed
	facts    func(readBackEntry) []fact    // the delivered facts beside the read-back's
	status   func(readBackEntry) (delivered, readBack any, moved error)
	take     func(readBackEntry, *qpay.Verification) // the read-back becomes the event's
}

// claim spells out what a delivery's signed facts say, for refusalKey:
// only signed ones, since a replay may rewrite the others at will and a
// refusal never depends on them (an unsigned fact that differs is taken
// from the read-back, not refused).
func claim(signed qpay.Fields, amount money.Money, st, rawStatus any, paymentID, reference string, metadata map[string]string) string {
	var b strings.Builder
	if signed.Has(qpay.FieldAmount) {
		fmt.Fprintf(&b, "amount=%q;", amount.String())
	}
	if signed.Has(qpay.FieldStatus) {
		fmt.Fprintf(&b, "status=%q/%q;", fmt.Sprint(st), fmt.Sprint(rawStatus))
	}
	if signed.Has(qpay.FieldPaymentID) {
		fmt.Fprintf(&b, "payment=%q;", paymentID)
	}
	if signed.Has(qpay.FieldReference) {
		fmt.Fprintf(&b, "reference=%q;", reference)
	}
	if signed.Has(qpay.FieldMetadata) {
		for _, k := range slices.Sorted(maps.Keys(metadata)) {
			fmt.Fprintf(&b, "metadata[%q]=%q;", k, metadata[k])
		}
	}
	return b.String()
}

// fact is one delivered fact beside its read-back.
type fact struct {
	field qpay.Fields
	same  bool
	what  string // the fact, and how the two differ, for the error
}

func (w *portable) paymentObject(ctx context.Context, ev *qpay.WebhookEvent, signed qpay.Fields) object {
	got := ev.Payment
	return object{what: "payment", id: got.ID,
		claim: func() string {
			return claim(signed, got.Amount, got.Status, got.RawStatus, "", got.Reference, got.Metadata)
		},
		holds: func(e readBackEntry) bool { return e.payment != nil },
		read: func() (readBackEntry, error) {
			p, err := w.d.GetPayment(ctx, got.ID)
			if err != nil {
				return readBackEntry{}, readBackFailed("payment", got.ID, signed.Has(qpay.FieldID), err)
			}
			return readBackEntry{payment: p}, w.checkRead(got.ID, p)
		},
		check: func(e readBackEntry) error {
			if e.payment.ID != got.ID {
				return integrity("webhook %s is signed for payment %s, the read-back is of payment %s", ev.ID, got.ID, e.payment.ID)
			}
			return nil
		},
		facts: func(e readBackEntry) []fact {
			p := e.payment
			return []fact{
				{qpay.FieldAmount, p.Amount.Equal(got.Amount), "amount " + got.Amount.String() + ", read back as " + p.Amount.String()},
				{qpay.FieldReference, p.Reference == got.Reference, "reference"},
				{qpay.FieldMetadata, maps.Equal(p.Metadata, got.Metadata), "metadata"},
			}
		},
		status: func(e readBackEntry) (any, any, error) {
			return got.Status, e.payment.Status, status.Check(got.Status, e.payment.Status)
		},
		take: func(e readBackEntry, v *qpay.Verification) {
			v.DeliveredPayment, ev.Payment = got, e.payment
		},
	}
}

func (w *portable) refundObject(ctx context.Context, ev *qpay.WebhookEvent, signed qpay.Fields) object {
	got := ev.Refund
	return object{what: "refund", id: got.ID,
		claim: func() string {
			return claim(signed, got.Amount, got.Status, got.RawStatus, got.PaymentID, got.Reference, nil)
		},
		holds: func(e readBackEntry) bool { return e.refund != nil },
		read: func() (readBackEntry, error) {
			// The delivered payment ID only locates the refund for a
			// provider that files refunds under payments; the read-back
			// says whose it is.
			r, err := w.d.GetRefund(ctx, got.PaymentID, got.ID)
			if err != nil {
				return readBackEntry{}, readBackFailed("refund", got.ID, signed.Has(qpay.FieldID), err)
			}
			if err := w.checkRefundRead(got.ID, r); err != nil {
				return readBackEntry{refund: r}, err
			}
			if err := w.refundOwner(ctx, r); err != nil {
				// The payment ID is the read-back's: a 404 for it is the
				// provider's lag, as for a signed ID.
				return readBackEntry{refund: r}, readBackFailed("payment", r.PaymentID, true, err)
			}
			return readBackEntry{refund: r}, nil
		},
		check: func(readBackEntry) error { return nil }, // checkRefundRead checked its ID
		facts: func(e readBackEntry) []fact {
			r := e.refund
			return []fact{
				{qpay.FieldAmount, r.Amount.Equal(got.Amount), "amount " + got.Amount.String() + ", read back as " + r.Amount.String()},
				{qpay.FieldPaymentID, r.PaymentID == got.PaymentID, "payment " + got.PaymentID + ", read back as " + r.PaymentID},
				{qpay.FieldReference, r.Reference == got.Reference, "reference"},
			}
		},
		status: func(e readBackEntry) (any, any, error) {
			return got.Status, e.refund.Status, status.CheckRefund(got.Status, e.refund.Status)
		},
		take: func(e readBackEntry, v *qpay.Verification) {
			v.DeliveredRefund, ev.Refund = got, e.refund
			ev.PaymentID = e.refund.PaymentID // the read-back's, not the delivery's
		},
	}
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
// provider's own error, kept with its kind, under the webhook's operation,
// and marked Retryable when a later delivery of the same body may verify:
// this is the one place that decides it, and qpay.WebhookHandler asks for
// the delivery again (503) for that mark only. Retryable are a network
// failure, a 5xx, a 429 or a 409; qpay's key refused (401, 403: a
// configuration being fixed); and a 404 for an object the provider's
// signature vouches for (signedID), which is the provider's lag, not a
// malformed delivery. Anything else is final, a 404 for an unsigned ID
// included: it stays not found.
func readBackFailed(what, id string, signedID bool, err error) error {
	var e *qpay.Error
	if !errors.As(err, &e) {
		return &qpay.Error{Kind: qpay.KindUnknown, Message: fmt.Sprintf("reading back %s %s to verify the webhook", what, id), Err: err}
	}
	out := *e
	out.Op = qpay.OpParseWebhook
	out.Message = fmt.Sprintf("reading back %s %s to verify the webhook: %s", what, id, e.Message)
	switch {
	case e.Kind == qpay.KindNotFound && signedID:
		out.Kind = qpay.KindUnavailable
		out.Message = fmt.Sprintf("the provider does not find %s %s, whose webhook it signed; deliver again: %s", what, id, e.Message)
		out.Retryable = true
		out.Err = &notFoundYet{e.Err} // final once it has lasted (readBackCache.lasting)
	case e.Kind == qpay.KindAuthentication, e.Kind == qpay.KindPermission:
		// qpay's own key refused: a configuration being fixed, after
		// which the same delivery verifies.
		out.Retryable = true
	default:
		out.Retryable = e.Retryable || e.Kind.Retryable()
	}
	return &out
}

// notFoundYet marks a read-back's 404 for an object whose ID the provider
// signed: its lag, until it has lasted notFoundLasting.
type notFoundYet struct{ err error }

func (e *notFoundYet) Error() string {
	if e.err == nil {
		return "not found yet"
	}
	return "not found yet: " + e.err.Error()
}

func (e *notFoundYet) Unwrap() error { return e.err }
