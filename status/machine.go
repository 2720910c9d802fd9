package status

import (
	"errors"
	"fmt"
)

// Why a report was not applied. See the package documentation.
var (
	ErrUnchanged = errors.New("status: already in that state")
	ErrStale     = errors.New("status: stale event, the current state is further along")
	ErrIllegal   = errors.New("status: illegal transition")
)

// move is the outcome of one (current, incoming) pair.
type move uint8

const (
	step move = iota // a step forward: apply it
	same             // a repeat (a retried webhook): ErrUnchanged
	late             // an earlier point of the same history arriving late: ErrStale
	deny             // contradicts the current state: ErrIllegal
)

// payment is the whole payment state machine, indexed [current][incoming].
// Read a row to see what may follow a state. The upper-right of the success
// block is forward, its lower-left stale; failures are reachable only before
// a capture, and nothing leaves a failure.
var payment = [numStatus][numStatus]move{
	//                  unk   pen   pro   cap   par   ref   fai   can   exp    <- incoming
	Unknown:           {same, step, step, step, step, step, step, step, step},
	Pending:           {late, same, step, step, step, step, step, step, step},
	Processing:        {late, late, same, step, step, step, step, step, step},
	Captured:          {late, late, late, same, step, step, deny, deny, deny}, // money taken: only a refund gives it back
	PartiallyRefunded: {late, late, late, late, same, step, deny, deny, deny}, // ditto
	Refunded:          {late, late, late, late, late, same, deny, deny, deny}, // terminal
	Failed:            {late, late, late, deny, deny, deny, same, deny, deny}, // terminal; first final outcome wins
	Canceled:          {late, late, late, deny, deny, deny, deny, same, deny}, // terminal
	Expired:           {late, late, late, deny, deny, deny, deny, deny, same}, // terminal
}

// refund is the refund state machine, indexed [current][incoming].
var refund = [numRefund][numRefund]move{
	//                unk   pen   suc   fai    <- incoming
	RefundUnknown:   {same, step, step, step},
	RefundPending:   {late, same, step, step},
	RefundSucceeded: {late, late, same, deny}, // terminal
	RefundFailed:    {late, late, deny, same}, // terminal
}

// Apply returns the state to keep when a report of incoming arrives while the
// payment is in current: incoming and true for a forward move, current and
// false otherwise. Out-of-range values are never applied.
func Apply(current, incoming Status) (next Status, applied bool) {
	if CanMove(current, incoming) {
		return incoming, true
	}
	return current, false
}

// CanMove reports whether Apply(from, to) would apply.
func CanMove(from, to Status) bool { return Check(from, to) == nil }

// Check returns nil when [Apply] would apply, otherwise why it would not:
// [ErrUnchanged], [ErrStale] or [ErrIllegal] wrapped with "from X to Y", or
// [ErrInvalid] for an out-of-range value. Meant for logs.
func Check(current, incoming Status) error {
	if !current.Valid() || !incoming.Valid() {
		return fmt.Errorf("%w: from %s to %s", ErrInvalid, current, incoming)
	}
	return explain(payment[current][incoming], current, incoming)
}

// ApplyRefund is [Apply] for a refund.
func ApplyRefund(current, incoming RefundStatus) (RefundStatus, bool) {
	if CheckRefund(current, incoming) == nil {
		return incoming, true
	}
	return current, false
}

// CheckRefund is [Check] for a refund.
func CheckRefund(current, incoming RefundStatus) error {
	if !current.Valid() || !incoming.Valid() {
		return fmt.Errorf("%w: from %s to %s", ErrInvalid, current, incoming)
	}
	return explain(refund[current][incoming], current, incoming)
}

func explain(m move, from, to fmt.Stringer) error {
	var err error
	switch m {
	case step:
		return nil
	case same:
		err = ErrUnchanged
	case late:
		err = ErrStale
	default:
		err = ErrIllegal
	}
	return fmt.Errorf("%w: from %s to %s", err, from, to)
}
