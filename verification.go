package qpay

import "strings"

// Fields is a set of the facts a WebhookEvent reports: which payment or
// refund, which payment a refund gives money back from, its status, its
// amount, its merchant reference and its metadata. A Verification uses it to
// say which of them are vouched for and how.
type Fields uint8

// The facts of a WebhookEvent.
const (
	// FieldID is the payment's ID (payment events) or the refund's ID
	// (refund events).
	FieldID Fields = 1 << iota
	// FieldPaymentID is the payment a refund belongs to (refund events).
	FieldPaymentID
	// FieldStatus is the payment's or refund's status.
	FieldStatus
	// FieldAmount is the amount and its currency.
	FieldAmount
	// FieldReference is the merchant's order or refund reference.
	FieldReference
	// FieldMetadata is the metadata the merchant attached.
	FieldMetadata
)

// AllFields is every fact a WebhookEvent reports.
const AllFields = FieldID | FieldPaymentID | FieldStatus | FieldAmount | FieldReference | FieldMetadata

var fieldNames = [...]string{"id", "payment_id", "status", "amount", "reference", "metadata"}

// Has reports whether every field of g is in f.
func (f Fields) Has(g Fields) bool { return f&g == g }

// String lists the fields, e.g. "id|status|amount"; "none" for the empty set.
func (f Fields) String() string {
	var names []string
	for i, n := range fieldNames {
		if f&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// VerificationMethod says how a WebhookEvent's facts were established.
type VerificationMethod uint8

// The verification methods.
const (
	// VerifiedBody: the provider's signature covers the raw body, so every
	// fact of the event is as the provider sent it (Checkout's
	// Cko-Signature).
	VerifiedBody VerificationMethod = iota + 1
	// VerifiedReadBack: the provider's signature covers some fields only
	// (Tap's hashstring), or none (the Mastercard Gateway's shared secret,
	// Signed empty), so qpay read the payment or refund back over the
	// provider's authenticated API before returning the event, checked the
	// signed fields against it and took the facts from the read-back.
	VerifiedReadBack
)

// String returns "signed_body" or "signed_fields_read_back".
func (m VerificationMethod) String() string {
	switch m {
	case VerifiedBody:
		return "signed_body"
	case VerifiedReadBack:
		return "signed_fields_read_back"
	}
	return "unverified"
}

// Verification says which facts of a WebhookEvent are verified and how. Its
// zero value (a WebhookEvent built by hand) vouches for nothing.
type Verification struct {
	// Method is how the facts were established.
	Method VerificationMethod
	// SignedBy says which configured secret verified the delivery's
	// signature: the current one or a previous one inside its window (a
	// PreviousSecret of a key rotation, or a configuration a
	// providers.Registry has replaced). It is empty for an event that no
	// delivery carried (one the reconciler built from a read-back).
	SignedBy SigningKey
	// Signed are the facts the provider's signature covers: AllFields for
	// VerifiedBody.
	Signed Fields
	// ReadBack are the facts taken from the provider's API rather than
	// from the delivery: empty for VerifiedBody.
	ReadBack Fields
	// Differs are the unsigned facts on which the delivery and the
	// read-back disagree (the signed ones must agree, or ParseWebhook
	// fails). The event carries the read-back's values; a delivery whose
	// payment ID or reference differs was altered on its way, or the
	// object changed since it was sent (Tap lets a refund's metadata be
	// updated). Worth a log line, never a reason to act on the delivery.
	Differs Fields
	// DeliveredPayment and DeliveredRefund are the payment or refund as the
	// delivery described it, kept apart from the facts: only its Signed
	// fields are vouched for. They are nil for VerifiedBody, whose delivery
	// is the fact.
	DeliveredPayment *Payment
	DeliveredRefund  *Refund
}

// Verified returns the facts that are signed or read back.
func (v Verification) Verified() Fields { return v.Signed | v.ReadBack }

// Unverified returns the facts that are neither signed nor read back: none
// for an event returned by a Provider, every one for an event built by hand.
func (v Verification) Unverified() Fields { return AllFields &^ v.Verified() }
