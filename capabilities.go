package qpay

import "context"

// The optional capabilities below go beyond the four calls every Provider
// makes. As with database/sql's optional driver interfaces, a caller finds
// them by type assertion; every Provider built by package providers
// implements them, and so does qpaytest.Fake.

// RefundGetter is implemented by Providers that can read one refund back
// from the provider: the source of truth for a refund whose webhook is late,
// lost or in doubt.
type RefundGetter interface {
	// GetRefund reads back refund refundID of payment paymentID. A refund
	// that exists but belongs to another payment is an *Error of kind
	// KindIntegrity; one that does not exist is KindNotFound.
	GetRefund(ctx context.Context, paymentID, refundID string) (*Refund, error)
}

// PaymentFinder is implemented by Providers that can list the payments
// made under a merchant reference: the recovery path after a crash between
// CreatePayment and saving the payment's ID, which leaves the merchant with
// the order reference only.
type PaymentFinder interface {
	// PaymentsByReference returns the payments the provider holds under
	// reference, newest first; none is an empty slice, not an error.
	PaymentsByReference(ctx context.Context, reference string) ([]*Payment, error)
}

// PaymentIDOwner is implemented by Providers that can tell from a payment
// ID alone whether their provider could have made it (Tap's chg_,
// Checkout's pay_ and sid_). providers.Registry uses it, after a merchant
// switched provider, to send GetPayment and Refund of a payment to the
// configuration that made it.
type PaymentIDOwner interface {
	// OwnsPaymentID reports whether id has the shape of this provider's
	// payment IDs. It says nothing of whether the payment exists, nor of
	// which account made it.
	OwnsPaymentID(id string) bool
}
