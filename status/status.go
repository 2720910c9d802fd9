package status

import (
	"errors"
	"fmt"
)

// ErrInvalid is returned for a name or value that is not a known status.
var ErrInvalid = errors.New("status: invalid status")

// Status is the normalized state of a payment. The zero value is [Unknown],
// so a Status that was never set is never mistaken for a success.
type Status uint8

// The payment states, in the order of a payment's life. The order matters:
// [All] returns it and the tables in machine.go are indexed by it.
const (
	Unknown           Status = iota // outcome not known (e.g. Tap TIMEDOUT/UNKNOWN, an unmapped raw status); never a success
	Pending                         // created, the shopper has not finished on the QPay page
	Processing                      // the shopper approved, the provider is still settling or capturing
	Captured                        // money taken
	PartiallyRefunded               // captured, part of it refunded
	Refunded                        // captured, all of it refunded
	Failed                          // declined or failed
	Canceled                        // the shopper or merchant canceled, or abandoned
	Expired                         // the shopper did not finish in time
	numStatus
)

var statusNames = [numStatus]string{
	Unknown:           "unknown",
	Pending:           "pending",
	Processing:        "processing",
	Captured:          "captured",
	PartiallyRefunded: "partially_refunded",
	Refunded:          "refunded",
	Failed:            "failed",
	Canceled:          "canceled",
	Expired:           "expired",
}

// All returns every valid status in declaration order.
func All() []Status {
	all := make([]Status, numStatus)
	for i := range all {
		all[i] = Status(i)
	}
	return all
}

// Valid reports whether s is one of the declared states.
func (s Status) Valid() bool { return s < numStatus }

// String returns the snake_case name used in JSON and logs, or "status(N)"
// for an out-of-range value so that a corrupt value is visible, not hidden.
func (s Status) String() string {
	if !s.Valid() {
		return fmt.Sprintf("status(%d)", uint8(s))
	}
	return statusNames[s]
}

// Terminal reports whether no further transition is possible.
// Captured and PartiallyRefunded are not terminal: a refund may follow.
func (s Status) Terminal() bool {
	switch s {
	case Refunded, Failed, Canceled, Expired:
		return true
	}
	return false
}

// Succeeded reports whether money was taken, even if some or all of it was
// refunded since.
func (s Status) Succeeded() bool {
	switch s {
	case Captured, PartiallyRefunded, Refunded:
		return true
	}
	return false
}

// Failure reports whether the payment ended without money being taken.
// Unknown, Pending and Processing are neither a success nor a failure.
func (s Status) Failure() bool {
	switch s {
	case Failed, Canceled, Expired:
		return true
	}
	return false
}

// Undecided reports whether the payment's outcome is not known yet: it is
// neither [Status.Succeeded] nor [Status.Failure] (Unknown, Pending,
// Processing), so a later report may still decide it. Captured is decided
// though not [Status.Terminal]: a refund may follow, as a refund of its
// own. An out-of-range value is not undecided: it is no state at all.
func (s Status) Undecided() bool { return s.Valid() && !s.Succeeded() && !s.Failure() }

// Parse is the inverse of [Status.String]. It is case-sensitive: the names
// are this package's own, and provider spellings such as "CAPTURED" belong
// to the adapters. The error wraps [ErrInvalid].
func Parse(s string) (Status, error) { return parse[Status](statusNames[:], s) }

// MarshalText implements [encoding.TextMarshaler]. It refuses an
// out-of-range value rather than writing a name nothing can read back.
func (s Status) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. On error s is left
// unchanged.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// parse looks name up in names, whose index is the value.
func parse[T ~uint8](names []string, name string) (T, error) {
	for i, n := range names {
		if n == name {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrInvalid, name)
}
