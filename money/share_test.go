package money_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/money"
)

func TestShare(t *testing.T) {
	q := func(s string) money.Money { return money.MustParse(s, "QAR") }
	tests := []struct {
		name               string
		part, total, whole money.Money
		want               string
	}{
		{"a tenth of each share", q("30.00"), q("100.00"), q("10.00"), "3.00"},
		{"rounded down to the fils", q("33.33"), q("100.00"), q("10.00"), "3.33"}, // 3.333
		{"never rounded up", q("0.01"), q("0.03"), q("0.02"), "0.00"},             // 0.00666...
		{"the whole refund of the whole share", q("79.10"), q("79.10"), q("79.10"), "79.10"},
		{"three decimals", money.MustParse("1.000", "KWD"), money.MustParse("3.000", "KWD"), money.MustParse("1.000", "KWD"), "0.333"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Share(tt.part, tt.total, tt.whole)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Fixed())
			assert.Equal(t, tt.part.Currency(), got.Currency())
		})
	}
	_, err := money.Share(q("1.00"), money.MustParse("1.000", "KWD"), q("1.00"))
	assert.ErrorIs(t, err, money.ErrCurrencyMismatch)
	_, err = money.Share(q("1.00"), q("0"), q("1.00"))
	assert.Error(t, err, "a share of nothing")
}

func TestSharesNeverAddUpToMoreThanTheWhole(t *testing.T) {
	parts := []string{"12.34", "0.01", "45.67", "20.98"} // of 79.00
	total := money.MustParse("79.00", "QAR")
	for _, whole := range []string{"0.01", "0.07", "13.13", "50.00", "79.00"} {
		w := money.MustParse(whole, "QAR")
		sum := money.MustParse("0", "QAR")
		for _, p := range parts {
			s, err := money.Share(money.MustParse(p, "QAR"), total, w)
			require.NoError(t, err)
			sum, err = sum.Add(s)
			require.NoError(t, err)
		}
		c, err := sum.Cmp(w)
		require.NoError(t, err)
		assert.LessOrEqual(t, c, 0, "shares of %s add up to %s", whole, sum)
	}
}
