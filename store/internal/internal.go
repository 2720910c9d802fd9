// Package internal holds what the Stores of this module (store.Memory and
// store/pgstore) share beyond store's public surface: the checks of keys and
// lease queries, and when a Store must read a payment's uncounted refunds.
// It imports neither store nor pgstore, so both can import it.
package internal

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/text"
	"github.com/qpay-go/qpay/status"
)

// MaxKeyLen bounds event IDs, provider names, accounts and lease owners.
// Real ones are far shorter (Checkout's evt_ IDs, Tap's derived
// "tap:<id>:<status>", merchant IDs); the bound keeps an index key small.
const MaxKeyLen = 255

// CheckKey accepts what can be stored as a text key in any database and
// read by the people who look it up: valid UTF-8 (PostgreSQL refuses NUL)
// without the characters text.IsHidden names (controls, C1 included, and
// invisible format characters), bounded.
func CheckKey(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("is required")
	case len(s) > MaxKeyLen:
		return fmt.Errorf("is %d bytes, at most %d allowed", len(s), MaxKeyLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("is not valid UTF-8")
	case strings.ContainsFunc(s, text.IsHidden):
		return fmt.Errorf("%.40q contains control or invisible format characters", s)
	}
	return nil
}

// CheckDueQuery refuses a lease query (the fields of a store.DueQuery) that
// no store can answer safely, with an *qpay.Error of kind
// qpay.KindInvalidRequest whose Op is op.
func CheckDueQuery(op string, now time.Time, limit int, lease, paymentAfter, refundAfter time.Duration, owner string) error {
	var msg string
	switch {
	case now.IsZero():
		msg = "no Now"
	case limit < 1:
		msg = fmt.Sprintf("limit %d, at least 1 needed", limit)
	case lease <= 0:
		msg = fmt.Sprintf("lease %v, positive needed", lease)
	case paymentAfter < 0 || refundAfter < 0:
		msg = "negative due bound"
	default:
		if err := CheckKey(owner); err != nil {
			msg = "owner " + err.Error()
		}
	}
	if msg == "" {
		return nil
	}
	return &qpay.Error{Op: op, Kind: qpay.KindInvalidRequest, Message: "due query: " + msg}
}

// NeedsUncounted reports whether a Store must read store.Snapshot.Uncounted
// for a payment: when none is stored (stored false), or the stored one's
// status s has not Succeeded. Once a payment is stored as captured, none of
// its refunds stays uncounted.
func NeedsUncounted(stored bool, s status.Status) bool { return !stored || !s.Succeeded() }
