package money

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExponent(t *testing.T) {
	tests := []struct {
		currency string
		want     int
	}{
		{"QAR", 2}, {"USD", 2}, {"EUR", 2}, {"SAR", 2}, {"AED", 2},
		{"KWD", 3}, {"BHD", 3}, {"OMR", 3}, {"JOD", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3},
		{"JPY", 0}, {"KRW", 0}, {"CLP", 0}, {"ISK", 0}, {"XAF", 0}, {"VND", 0},
		{"CLF", 4}, {"UYW", 4},
		{"XCG", 2}, {"ZWG", 2}, {"SLE", 2}, {"VED", 2},
	}
	for _, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			got, err := Exponent(tt.currency)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, Known(tt.currency))
		})
	}
}

func TestExponentUnknown(t *testing.T) {
	// Lower case is a caller bug to surface, not to fix; N.A.-minor-unit and
	// withdrawn codes are not payment currencies.
	for _, code := range []string{"", "qar", "Qar", "QA", "QARR", " QAR", "XYZ", "XAU", "XDR", "XXX", "XTS", "XSU", "XUA", "HRK", "SLL", "ZWL", "VEF"} {
		t.Run(code, func(t *testing.T) {
			_, err := Exponent(code)
			require.ErrorIs(t, err, ErrUnknownCurrency)
			assert.False(t, Known(code))
		})
	}
}

func TestExponentTableShape(t *testing.T) {
	assert.GreaterOrEqual(t, len(exponents), 150, "ISO 4217 List One has about 180 active codes")
	for code, exp := range exponents {
		require.Len(t, code, 3, code)
		for _, r := range code {
			require.True(t, r >= 'A' && r <= 'Z', "code %q is not 3 upper-case letters", code)
		}
		require.Contains(t, []int{0, 2, 3, 4}, exp, "exponent of %s", code)
	}
}
