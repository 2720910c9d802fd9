package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// Errors returned by this package. They are always wrapped with details, so
// test for them with errors.Is. Like strconv.ErrSyntax, their text has no
// "money: " prefix: the error wrapping one already starts with it, and
// "money: ...: money: ..." says the package's name twice.
var (
	// ErrUnknownCurrency means the code is not an active upper-case ISO 4217 code.
	ErrUnknownCurrency = errors.New("unknown currency")
	// ErrTooPrecise means the amount has more decimals than its currency allows.
	ErrTooPrecise = errors.New("more decimals than the currency allows")
	// ErrNegative means an amount, or the result of a subtraction, is below zero.
	ErrNegative = errors.New("negative amount")
	// ErrCurrencyMismatch means two amounts in different currencies were combined.
	ErrCurrencyMismatch = errors.New("currency mismatch")
	// ErrInvalidAmount means the amount text (or JSON) is not a plain decimal.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrOverflow means the amount is too large for the requested representation.
	ErrOverflow = errors.New("amount out of range")
)

const (
	// maxTextLen caps the amount text Parse accepts, so hostile input cannot
	// make it allocate or loop much.
	maxTextLen = 64
	// maxIntegerDigits bounds every amount below 10^32, far beyond any real
	// payment. The bound keeps arithmetic cheap on decimals built by callers
	// (decimal.New(1, 1<<30) is legal) and guarantees that Fixed() output
	// (at most 32+1+4 bytes) always fits maxTextLen, so it re-parses.
	maxIntegerDigits = 32
)

// Money is a non-negative amount in one ISO 4217 currency. The zero value has
// no currency and means "no amount".
//
// The amount is stored with exactly the currency's number of decimals, which
// is numerically identical to what the caller gave (QAR 1.000 is QAR 1.00).
type Money struct {
	amount   decimal.Decimal
	currency string
}

// New returns amount in currency. currency must be an active upper-case
// ISO 4217 code (it is not upper-cased for you: "qar" is ErrUnknownCurrency).
// amount must not be negative (ErrNegative), must be below 10^32
// (ErrOverflow) and must not need more decimals than the currency allows:
// QAR 1.000 is fine, QAR 0.001 is ErrTooPrecise. Nothing is rounded.
func New(amount decimal.Decimal, currency string) (Money, error) {
	return newMoney(amount, currency, "")
}

// newMoney is New with the caller's original text, if any, for error messages.
func newMoney(amount decimal.Decimal, currency, text string) (Money, error) {
	exp, err := Exponent(currency)
	if err != nil {
		return Money{}, err
	}
	shown := func() string {
		if text != "" {
			return text
		}
		return describe(amount)
	}
	switch amount.Sign() {
	case -1:
		return Money{}, fmt.Errorf("money: %s amount %q is below zero: %w", currency, shown(), ErrNegative)
	case 0:
		// Handled apart because decimal's integer checks loop once per
		// decimal place, and a zero may carry an arbitrary exponent.
		return Money{amount: decimal.New(0, -int32(exp)), currency: currency}, nil
	}
	tooBig := func() error {
		return fmt.Errorf("money: %s amount %q is not below 10^%d: %w", currency, shown(), maxIntegerDigits, ErrOverflow)
	}
	// A non-zero coefficient times 10^e is at least 10^e: reject before any
	// arithmetic scales by that power of ten.
	if amount.Exponent() > maxIntegerDigits {
		return Money{}, tooBig()
	}
	// The usual amount (79.1, 1, 0.50) has at most the currency's decimals
	// and a count of minor units that fits an int64: that count is the
	// whole answer, found without big-number arithmetic. Anything else
	// takes the general path below, which gives the same for these.
	if minor, ok := smallMinor(amount, exp); ok {
		return Money{amount: decimal.New(minor, -int32(exp)), currency: currency}, nil
	}
	scaled := amount.Shift(int32(exp)) // in minor units; exponent still small
	if !scaled.IsInteger() {
		return Money{}, fmt.Errorf("money: %s allows %d decimals, got %q: %w", currency, exp, shown(), ErrTooPrecise)
	}
	minor := scaled.BigInt() // exact: scaled is an integer
	// An int64 is below 10^19, itself below the bound: only a larger count
	// needs the (allocating) power of ten to compare with.
	if !minor.IsInt64() && minor.Cmp(pow10(maxIntegerDigits+exp)) >= 0 {
		return Money{}, tooBig()
	}
	return Money{amount: decimal.NewFromBigInt(minor, -int32(exp)), currency: currency}, nil
}

// describe formats d for an error message without expanding an extreme
// exponent into a billion zeros.
func describe(d decimal.Decimal) string {
	if e := d.Exponent(); e >= -maxTextLen && e <= maxIntegerDigits && d.Coefficient().BitLen() <= 4*maxTextLen {
		return d.String()
	}
	if d.Coefficient().BitLen() > 4*maxTextLen {
		return fmt.Sprintf("(%d-bit coefficient)e%d", d.Coefficient().BitLen(), d.Exponent())
	}
	return fmt.Sprintf("%se%d", d.Coefficient(), d.Exponent())
}

// smallMinor returns a positive amount in minor units of a currency with
// exp decimals, if the amount has at most exp decimals and the count fits
// an int64.
func smallMinor(amount decimal.Decimal, exp int) (int64, bool) {
	e := amount.Exponent()
	if e > 0 || -e > int32(exp) {
		return 0, false
	}
	c := amount.Coefficient()
	if !c.IsInt64() {
		return 0, false
	}
	v := c.Int64()
	for range int32(exp) + e {
		if v > math.MaxInt64/10 {
			return 0, false
		}
		v *= 10
	}
	return v, true
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// Parse returns the amount written as strict decimal text in currency.
//
// The text is one or more ASCII digits, optionally followed by '.' and one or
// more digits: "79.10", "0.5", "500". Anything else is ErrInvalidAmount,
// including ".5", "5.", "+1", "1e3", "1,000.00", " 1", "NaN" and text longer
// than 64 bytes; a leading '-' on an otherwise valid number is ErrNegative.
// The value is then checked exactly as by New.
func Parse(amount, currency string) (Money, error) {
	if len(amount) > maxTextLen {
		return Money{}, fmt.Errorf("money: amount text is %d bytes, the limit is %d: %w", len(amount), maxTextLen, ErrInvalidAmount)
	}
	digits, negative := strings.CutPrefix(amount, "-")
	if !plainDecimal(digits) {
		return Money{}, fmt.Errorf("money: amount %q is not a plain decimal such as \"79.10\": %w", amount, ErrInvalidAmount)
	}
	if negative {
		return Money{}, fmt.Errorf("money: amount %q has a sign; amounts are never negative: %w", amount, ErrNegative)
	}
	d, err := ParseNumber(digits)
	if err != nil { // unreachable after plainDecimal, but never trust a parser's corner cases
		return Money{}, fmt.Errorf("money: amount %q: %w (%v)", amount, ErrInvalidAmount, err)
	}
	return newMoney(d, currency, amount)
}

// plainDecimal reports whether s is digits, optionally followed by '.' and digits.
func plainDecimal(s string) bool {
	whole, frac, hasDot := strings.Cut(s, ".")
	return allDigits(whole) && (!hasDot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MustParse is like Parse but panics on error. It is meant for constants in
// tests and examples only; never use it on input.
func MustParse(amount, currency string) Money {
	m, err := Parse(amount, currency)
	if err != nil {
		panic(err)
	}
	return m
}

// FromMinor returns the amount given in minor units of currency, which is
// how card processors usually send amounts: QAR 7910 is QAR 79.10, KWD 1500
// is KWD 1.500, JPY 500 is JPY 500. A negative count is ErrNegative.
func FromMinor(minor int64, currency string) (Money, error) {
	exp, err := Exponent(currency)
	if err != nil {
		return Money{}, err
	}
	if minor < 0 {
		return Money{}, fmt.Errorf("money: %d %s minor units is below zero: %w", minor, currency, ErrNegative)
	}
	// |int64| < 10^19 < 10^(maxIntegerDigits+exp), so this is always in range.
	return Money{amount: decimal.New(minor, -int32(exp)), currency: currency}, nil
}

// Minor returns the amount as an exact count of minor units: QAR 79.10 is
// 7910, KWD 1.5 is 1500, JPY 500 is 500. It fails with ErrOverflow if the
// count does not fit an int64, and with ErrUnknownCurrency for the zero value,
// which has no currency and so no minor unit.
func (m Money) Minor() (int64, error) {
	if m.currency == "" {
		return 0, fmt.Errorf("money: the zero Money has no currency, so no minor unit: %w", ErrUnknownCurrency)
	}
	minor := m.amount.Shift(int32(exponents[m.currency])).BigInt()
	if !minor.IsInt64() {
		return 0, fmt.Errorf("money: %s is %s minor units, more than an int64 holds: %w", m, minor, ErrOverflow)
	}
	return minor.Int64(), nil
}

// Fixed returns the amount with exactly the currency's number of decimals,
// '.' as separator and no grouping, as payment APIs expect: QAR 79.1 is
// "79.10", KWD 1.5 is "1.500", JPY 500 is "500". The zero value gives "".
func (m Money) Fixed() string {
	if m.currency == "" {
		return ""
	}
	return m.amount.StringFixed(int32(exponents[m.currency]))
}

// Amount returns the amount as an exact decimal.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the ISO 4217 code, or "" for the zero value.
func (m Money) Currency() string { return m.currency }

// IsZero reports whether the amount is zero; it is true for the zero value.
func (m Money) IsZero() bool { return m.amount.IsZero() }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.amount.IsPositive() }

// Equal reports whether m and o have the same currency and numerically equal
// amounts (1.0 equals 1.00). Use it instead of ==, which compares the
// decimal's internal representation.
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && m.amount.Equal(o.amount)
}

// Cmp compares the amounts: -1 if m < o, 0 if equal, +1 if m > o. Amounts in
// different currencies cannot be ordered: ErrCurrencyMismatch. The zero
// value counts as zero in any currency.
func (m Money) Cmp(o Money) (int, error) {
	if _, err := commonCurrency(m, o, "compare"); err != nil {
		return 0, err
	}
	return m.amount.Cmp(o.amount), nil
}

// Add returns m + o. Both must have the same currency (ErrCurrencyMismatch
// otherwise, e.g. QAR + KWD), except that the zero value, having no
// currency, can be added to anything and the result takes the other's
// currency, so totals can start from Money{}.
func (m Money) Add(o Money) (Money, error) {
	cur, err := commonCurrency(m, o, "add")
	if err != nil || cur == "" {
		return Money{}, err
	}
	return newMoney(m.amount.Add(o.amount), cur, "")
}

// Sub returns m - o, under the same currency rules as Add. A result below
// zero is ErrNegative: refunding more than was captured is a bug to report,
// not a negative amount to carry on with.
func (m Money) Sub(o Money) (Money, error) {
	cur, err := commonCurrency(m, o, "subtract")
	if err != nil || cur == "" {
		return Money{}, err
	}
	if m.amount.LessThan(o.amount) {
		return Money{}, fmt.Errorf("money: %s - %s is below zero: %w", m, o, ErrNegative)
	}
	return newMoney(m.amount.Sub(o.amount), cur, "")
}

// commonCurrency returns the currency of an operation on m and o, treating
// the zero value's empty currency as compatible with any other.
func commonCurrency(m, o Money, op string) (string, error) {
	switch {
	case m.currency == "":
		return o.currency, nil
	case o.currency == "" || o.currency == m.currency:
		return m.currency, nil
	}
	return "", fmt.Errorf("money: cannot %s %s and %s: %w", op, m, o, ErrCurrencyMismatch)
}

// String returns the currency and fixed-point amount, "QAR 79.10", or "0"
// for the zero value.
func (m Money) String() string {
	if m.currency == "" {
		return "0"
	}
	return m.currency + " " + m.Fixed()
}
