package money

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// MaxNumberLen is the longest number text ParseNumber reads: the same bound
// as Parse's. No amount below 10^32 in any currency needs more, even written
// with trailing zeros or an exponent.
const MaxNumberLen = maxTextLen

// maxNumberExponent bounds the decimal exponent of what ParseNumber returns
// (1e-129 and 1e129 are refused), so that no caller's arithmetic on it can
// be made to scale by an enormous power of ten. Every amount New accepts is
// well inside it.
const maxNumberExponent = 128

// ParseNumber reads a decimal number from untrusted text: a JSON number
// literal (79.10, 1, 1.000, 1e2) or that text between double quotes, which
// is how shopspring/decimal reads JSON and how providers sometimes send an
// amount. It is the one place where qpay turns untrusted number text into a
// decimal.Decimal; every adapter and the simulator decode amounts through it
// (directly or through Number).
//
// Its cost is bounded before any arithmetic: text longer than MaxNumberLen
// bytes is ErrInvalidAmount after looking at its length only, and the
// decimal arithmetic that follows works on at most MaxNumberLen digits. A
// value whose exponent lies outside ±128 is ErrInvalidAmount too. The
// values it accepts are exactly those shopspring/decimal's UnmarshalJSON
// accepts, read to the same decimal, so that a legitimate amount's digits,
// and any signature computed over them, do not change.
func ParseNumber(text string) (decimal.Decimal, error) {
	return parseNumber(text, decimal.NewFromString)
}

// parseNumber is ParseNumber with the arithmetic passed in, so that a test
// can count what reaches it.
func parseNumber(text string, arith func(string) (decimal.Decimal, error)) (decimal.Decimal, error) {
	if len(text) > MaxNumberLen+2 { // +2: the quotes
		return decimal.Decimal{}, fmt.Errorf("money: number text is %d bytes, the limit is %d: %w", len(text), MaxNumberLen, ErrInvalidAmount)
	}
	s := text
	if len(s) > 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if len(s) > MaxNumberLen {
		return decimal.Decimal{}, fmt.Errorf("money: number text is %d bytes, the limit is %d: %w", len(s), MaxNumberLen, ErrInvalidAmount)
	}
	d, err := arith(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("money: %q is not a number: %w (%v)", s, ErrInvalidAmount, err)
	}
	if e := d.Exponent(); e < -maxNumberExponent || e > maxNumberExponent {
		return decimal.Decimal{}, fmt.Errorf("money: %q has exponent %d, outside ±%d: %w", s, e, maxNumberExponent, ErrInvalidAmount)
	}
	return d, nil
}

// Number is a decimal read from untrusted JSON through ParseNumber: a JSON
// number, or a string holding one. Decode provider answers and webhook
// bodies into it (or into *Number, which stays nil for a JSON null)
// instead of into decimal.Decimal, whose UnmarshalJSON takes any length
// and leaves the caller with arithmetic quadratic in the digits.
//
// A JSON null leaves a Number unchanged, as it leaves a decimal.Decimal.
type Number struct {
	d decimal.Decimal
}

// NumberOf returns d as a Number, for tests and for code that builds
// decoded values by hand.
func NumberOf(d decimal.Decimal) Number { return Number{d: d} }

// Decimal returns the number; the zero Number is decimal zero.
func (n Number) Decimal() decimal.Decimal { return n.d }

// UnmarshalJSON implements json.Unmarshaler with ParseNumber.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > MaxNumberLen+2 { // refused before copying it to a string
		return fmt.Errorf("money: number text is %d bytes, the limit is %d: %w", len(b), MaxNumberLen, ErrInvalidAmount)
	}
	d, err := ParseNumber(string(b))
	if err != nil {
		return err
	}
	n.d = d
	return nil
}

// MarshalJSON writes the number as a JSON number, as decimal.Decimal's
// String gives it.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(n.d.String()), nil }

// maxMinorDigits is the most digits an int64 count of minor units has.
const maxMinorDigits = 19

// MinorUnits is a count of minor units read from untrusted JSON, as
// Checkout.com sends amounts: a JSON integer that fits an int64, exactly as
// encoding/json reads one into an int64, except that a literal longer than
// any int64 is refused by its length (ErrInvalidAmount) and the error never
// carries the literal. A JSON null leaves it unchanged (a *MinorUnits nil).
type MinorUnits int64

// UnmarshalJSON implements json.Unmarshaler in one pass over at most 20
// bytes.
func (m *MinorUnits) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	digits := b
	negative := len(digits) > 0 && digits[0] == '-'
	if negative {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > maxMinorDigits {
		return fmt.Errorf("money: a count of minor units is an integer of at most %d digits, got %d bytes: %w", maxMinorDigits, len(b), ErrInvalidAmount)
	}
	var v uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return fmt.Errorf("money: a count of minor units is an integer, got %.40q: %w", b, ErrInvalidAmount)
		}
		v = v*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	limit := uint64(1<<63 - 1)
	if negative {
		limit++
	}
	if v > limit {
		return fmt.Errorf("money: %s minor units do not fit an int64: %w", b, ErrOverflow)
	}
	if negative {
		*m = MinorUnits(-int64(v-1) - 1) // -(1<<63) without overflowing
	} else {
		*m = MinorUnits(v)
	}
	return nil
}

// Int64 returns the count.
func (m MinorUnits) Int64() int64 { return int64(m) }
