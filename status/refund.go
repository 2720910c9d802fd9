package status

import "fmt"

// RefundStatus is the normalized state of one refund. The zero value is
// [RefundUnknown], never a success.
type RefundStatus uint8

// The refund states, in the order of a refund's life.
const (
	RefundUnknown   RefundStatus = iota // outcome not known (e.g. Tap refund UNKNOWN/TIMEDOUT); never a success
	RefundPending                       // requested, the provider has not settled it
	RefundSucceeded                     // money returned to the shopper
	RefundFailed                        // the provider refused or failed the refund
	numRefund
)

var refundNames = [numRefund]string{
	RefundUnknown:   "unknown",
	RefundPending:   "pending",
	RefundSucceeded: "succeeded",
	RefundFailed:    "failed",
}

// AllRefund returns every valid refund status in declaration order.
func AllRefund() []RefundStatus {
	all := make([]RefundStatus, numRefund)
	for i := range all {
		all[i] = RefundStatus(i)
	}
	return all
}

// Valid reports whether s is one of the declared states.
func (s RefundStatus) Valid() bool { return s < numRefund }

// String returns the snake_case name, or "refund_status(N)" for an
// out-of-range value.
func (s RefundStatus) String() string {
	if !s.Valid() {
		return fmt.Sprintf("refund_status(%d)", uint8(s))
	}
	return refundNames[s]
}

// Terminal reports whether no further transition is possible.
func (s RefundStatus) Terminal() bool { return s == RefundSucceeded || s == RefundFailed }

// Undecided reports whether the refund's outcome is not known yet
// (RefundUnknown, RefundPending): a valid state that is not
// [RefundStatus.Terminal]. An out-of-range value is not undecided.
func (s RefundStatus) Undecided() bool { return s.Valid() && !s.Terminal() }

// Succeeded reports whether the money was returned.
func (s RefundStatus) Succeeded() bool { return s == RefundSucceeded }

// ParseRefund is the inverse of [RefundStatus.String]; it is case-sensitive
// and its error wraps [ErrInvalid].
func ParseRefund(s string) (RefundStatus, error) { return parse[RefundStatus](refundNames[:], s) }

// MarshalText implements [encoding.TextMarshaler]; it refuses an
// out-of-range value.
func (s RefundStatus) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. On error s is left
// unchanged.
func (s *RefundStatus) UnmarshalText(b []byte) error {
	v, err := ParseRefund(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
