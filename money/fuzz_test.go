package money_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/money"
)

// FuzzParseMinorRoundTrip checks, for any text Parse accepts, that the value
// is exact and survives both wire forms providers use: minor units
// (Tap, Checkout.com) and fixed-point text. Seeds beyond these live in
// testdata/fuzz/FuzzParseMinorRoundTrip.
func FuzzParseMinorRoundTrip(f *testing.F) {
	seeds := []struct{ amount, currency string }{
		{"79.10", "QAR"}, {"1.5", "KWD"}, {"500", "JPY"}, {"0.0001", "CLF"},
		{"0", "QAR"}, {"007.50", "QAR"}, {"92233720368547758.07", "QAR"},
		{"99999999999999999999999", "QAR"}, {"0.001", "QAR"}, {"-1", "QAR"},
		{"1e3", "QAR"}, {".5", "USD"}, {"1", "qar"},
	}
	for _, s := range seeds {
		f.Add(s.amount, s.currency)
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		m, err := money.Parse(amount, currency)
		if err != nil {
			require.True(t, isPackageError(err), "unexpected error kind: %v", err)
			return
		}
		require.True(t, m.Amount().Equal(decimal.RequireFromString(amount)), "Parse changed the value of %q", amount)
		fixed := m.Fixed()

		again, err := money.Parse(fixed, currency)
		require.NoError(t, err, "Fixed() = %q does not re-parse", fixed)
		require.True(t, again.Equal(m))
		require.Equal(t, fixed, again.Fixed())

		minor, err := m.Minor()
		if errors.Is(err, money.ErrOverflow) {
			return // valid, just beyond int64 minor units
		}
		require.NoError(t, err)
		back, err := money.FromMinor(minor, currency)
		require.NoError(t, err)
		require.True(t, back.Equal(m), "%v -> %d -> %v", m, minor, back)
		require.Equal(t, fixed, back.Fixed())
	})
}

func isPackageError(err error) bool {
	for _, target := range []error{
		money.ErrUnknownCurrency, money.ErrTooPrecise, money.ErrNegative,
		money.ErrInvalidAmount, money.ErrOverflow,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
