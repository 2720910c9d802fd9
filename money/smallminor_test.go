package money

import (
	"math"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

// New takes a shortcut (smallMinor) for amounts whose minor units fit an
// int64. These tests hold its answers to the general path's arithmetic:
// the same value, stored with the currency's exponent, the same minor
// units and the same text, on both sides of every boundary of the
// shortcut.

// reference is what the general path computes for a valid amount.
func reference(t *testing.T, d decimal.Decimal, currency string) (minor *big.Int, fixed string) {
	t.Helper()
	exp := int32(exponents[currency])
	scaled := d.Shift(exp)
	require.True(t, scaled.IsInteger(), "%s is too precise for %s", d, currency)
	return scaled.BigInt(), d.StringFixed(exp)
}

func requireSameAsGeneralPath(t *testing.T, d decimal.Decimal, currency string) {
	t.Helper()
	m, err := New(d, currency)
	require.NoError(t, err, "%s %s", d, currency)
	wantMinor, wantFixed := reference(t, d, currency)
	require.True(t, m.Amount().Equal(d), "%s %s: got %s", d, currency, m.Amount())
	require.Equal(t, -int32(exponents[currency]), m.Amount().Exponent(), "%s %s is stored with the currency's exponent", d, currency)
	require.Equal(t, 0, m.Amount().Coefficient().Cmp(wantMinor), "%s %s", d, currency)
	require.Equal(t, wantFixed, m.Fixed())
}

func TestNewShortcutMatchesGeneralPath(t *testing.T) {
	tests := []struct {
		coef     int64
		exp      int32
		currency string
	}{
		{791, -1, "QAR"},                    // 79.1
		{1, 0, "QAR"},                       // 1
		{50, -2, "QAR"},                     // 0.50
		{5, -1, "KWD"},                      // 0.5 with three decimals
		{500, 0, "JPY"},                     // no decimals
		{1000, -3, "QAR"},                   // 1.000: more decimals than QAR, all zero: general path
		{1, 2, "QAR"},                       // 1e2: a positive exponent: general path
		{math.MaxInt64, 0, "JPY"},           // the largest int64, unscaled
		{math.MaxInt64 / 100, 0, "QAR"},     // scales to just below the int64 limit
		{math.MaxInt64/100 + 1, 0, "QAR"},   // scales past it: general path
		{math.MaxInt64, -2, "QAR"},          // already in minor units
		{math.MaxInt64/1000 + 7, -1, "KWD"}, // scales past it on the second step
	}
	for _, tt := range tests {
		requireSameAsGeneralPath(t, decimal.New(tt.coef, tt.exp), tt.currency)
	}
	huge, ok := new(big.Int).SetString("123456789012345678901234567", 10)
	require.True(t, ok)
	requireSameAsGeneralPath(t, decimal.NewFromBigInt(huge, -2), "QAR") // a coefficient beyond int64
}

func FuzzNewShortcutMatchesGeneralPath(f *testing.F) {
	f.Add(int64(791), int32(-1), uint8(0))
	f.Add(int64(math.MaxInt64), int32(-2), uint8(1))
	f.Add(int64(5), int32(-3), uint8(2))
	currencies := []string{"QAR", "KWD", "JPY"}
	f.Fuzz(func(t *testing.T, coef int64, exp int32, c uint8) {
		if coef <= 0 || exp < -6 || exp > 6 {
			t.Skip()
		}
		currency := currencies[int(c)%len(currencies)]
		d := decimal.New(coef, exp)
		if !d.Shift(int32(exponents[currency])).IsInteger() {
			_, err := New(d, currency)
			require.ErrorIs(t, err, ErrTooPrecise)
			return
		}
		requireSameAsGeneralPath(t, d, currency)
	})
}
