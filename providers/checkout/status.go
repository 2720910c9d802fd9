package checkout

import (
	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// paymentStatuses maps every payment status Checkout documents (OAS
// Payment.status, the SDK's PaymentStatus, hyperswitch's
// CheckoutPaymentStatus) to qpay's. QPay is a one-step scheme with no
// separate authorisation or capture, so the card-only states say nothing
// reliable about a QPay payment and stay Unknown: never reported as paid.
// Lookups are exact: Checkout's values are case-sensitive and contain
// spaces. Anything absent is Unknown.
var paymentStatuses = map[string]status.Status{
	"Pending":            status.Pending,
	"Authorized":         status.Processing, // approved, capture still to come
	"Retry Scheduled":    status.Processing,
	"Captured":           status.Captured,
	"Paid":               status.Captured,
	"Partially Refunded": status.PartiallyRefunded,
	"Refunded":           status.Refunded,
	"Declined":           status.Failed,
	"Canceled":           status.Canceled,
	"Voided":             status.Canceled,
	"Expired":            status.Expired,
	"Card Verified":      status.Unknown, // a card-only state, not a QPay one
	"Partially Captured": status.Unknown, // QPay cannot capture part of a payment
	"Active":             status.Unknown, // SDK only: a recurring-payment state
	"Requested":          status.Unknown, // SDK only, undocumented meaning
}

// paymentStatus normalizes a raw payment status.
func paymentStatus(raw string) status.Status {
	return paymentStatuses[raw] // the zero value is status.Unknown
}

// eventMeaning is what a webhook event type says: a new payment status, or
// a new refund status.
type eventMeaning struct {
	kind    qpay.EventType
	payment status.Status       // for qpay.EventPayment
	refund  status.RefundStatus // for qpay.EventRefund
}

func paymentEvent(s status.Status) eventMeaning {
	return eventMeaning{kind: qpay.EventPayment, payment: s}
}

func refundEvent(s status.RefundStatus) eventMeaning {
	return eventMeaning{kind: qpay.EventRefund, refund: s}
}

// eventTypes maps the webhook event types that bear on a QPay payment (OAS
// EventTypesObject, plus payment_paid from the docs). UNCONFIRMED: which of
// them QPay actually emits is not documented; payment_captured is the
// documented success. Every other type (disputes, card verification, void
// declined, risk...) is absent and reported as qpay.KindUnsupported: it
// never changes a status.
var eventTypes = map[string]eventMeaning{
	"payment_pending":          paymentEvent(status.Pending),
	"payment_approved":         paymentEvent(status.Processing),
	"payment_capture_pending":  paymentEvent(status.Processing),
	"payment_captured":         paymentEvent(status.Captured),
	"payment_paid":             paymentEvent(status.Captured),
	"payment_declined":         paymentEvent(status.Failed),
	"payment_capture_declined": paymentEvent(status.Failed),
	"payment_canceled":         paymentEvent(status.Canceled),
	"payment_voided":           paymentEvent(status.Canceled),
	"payment_expired":          paymentEvent(status.Expired),
	"payment_refund_pending":   refundEvent(status.RefundPending),
	"payment_refunded":         refundEvent(status.RefundSucceeded),
	"payment_refund_declined":  refundEvent(status.RefundFailed),
}
