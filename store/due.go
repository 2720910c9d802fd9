package store

import (
	"context"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// The operations named in the Op field of the errors of a DueStore.
const (
	OpLeaseDue   = "store_lease_due"
	OpReleaseDue = "store_release_due"
)

// DueStore is implemented by Stores that can hand out, to a reconciler, the
// payments and refunds that are not final and whose webhook is overdue, so
// that they are read back from the provider. Both Stores of this module
// implement it; package reconcile drives it.
//
// Items are leased, not merely listed, so that several replicas sharing a
// database share the work: an item leased by one owner is not handed to
// another until the lease is released or has expired (its owner died).
// Each Store judges leases and due times by its own clock: pgstore by the
// database's (one clock for every replica, so replicas whose clocks drift
// apart never hold one item at once), Memory, for one process, by
// DueQuery.Now. The Due's LeaseUntil and ReleaseDue's next are in the
// caller's clock (DueQuery.Now).
type DueStore interface {
	// LeaseDue leases up to q.Limit due items to q.Owner until
	// q.Now+q.Lease and returns them, payments first, the longest waiting
	// first. An item is due when its outcome is not known (Undecided in
	// package status: a payment Pending, Processing or Unknown; a refund
	// Pending or Unknown), unchanged since
	// q.Now minus PaymentAfter (RefundAfter for refunds), past the next
	// check a previous Release set, and not leased to anyone until after
	// q.Now.
	LeaseDue(ctx context.Context, q DueQuery) ([]Due, error)

	// ReleaseDue gives back the lease of d taken by owner and records a
	// check: d is not due again before next (zero means as soon as it is
	// due by the rules above). It reports false, and changes nothing, when
	// owner's lease was lost: it expired and another owner took the item.
	ReleaseDue(ctx context.Context, d Due, owner string, next time.Time) (bool, error)
}

// DueQuery says which items LeaseDue hands out, and to whom.
type DueQuery struct {
	// Now is the caller's clock, read just before the call: the returned
	// LeaseUntil is Now+Lease, no later than the lease's real end. Memory
	// compares leases and due times with it; pgstore with the database's
	// clock (pgstore.WithClock in tests).
	Now time.Time
	// PaymentAfter is how long a payment must be unchanged to be due: the
	// payment page's expiry plus a grace, since an abandoned payment gets
	// no webhook at Tap.
	PaymentAfter time.Duration
	// RefundAfter is how long a refund must be unchanged to be due.
	RefundAfter time.Duration
	// Limit bounds the batch (at least 1).
	Limit int
	// Owner names the replica taking the lease (not empty).
	Owner string
	// Lease is how long the items stay the owner's (positive): longer than
	// reading the whole batch back takes.
	Lease time.Duration
}

// Due is one payment or refund a reconciler should read back, as leased.
type Due struct {
	Type      qpay.EventType // qpay.EventPayment or qpay.EventRefund
	Account   string         // as Payment.Account
	Provider  string
	ID        string // the payment's or the refund's ID
	PaymentID string // the payment (equal to ID for a payment)
	// Status is the stored payment's status (payments) and RefundStatus the
	// stored refund's (refunds).
	Status       status.Status
	RefundStatus status.RefundStatus
	// Checks counts the read-backs released so far, for the backoff.
	Checks     int
	UpdatedAt  time.Time // when the store last changed the row
	LeaseUntil time.Time // when the lease handed out with it ends
}
