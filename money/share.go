package money

import (
	"fmt"
	"math/big"

	"github.com/shopspring/decimal"
)

// Share is part's share of total scaled to whole: part * whole / total,
// rounded down to the currency's smallest unit, so that shares taken this
// way never add up to more than whole. It is how a refund of a split
// payment is divided between the recipients in proportion to what each
// received (the rounding remainder stays with the merchant). All three
// must be in one currency, part and whole at least zero and total
// positive.
func Share(part, total, whole Money) (Money, error) {
	cur, err := commonCurrency(part, total, "share")
	if err != nil {
		return Money{}, err
	}
	if _, err := commonCurrency(total, whole, "share"); err != nil {
		return Money{}, err
	}
	if !total.IsPositive() || part.amount.IsNegative() || whole.amount.IsNegative() {
		return Money{}, fmt.Errorf("money: share of %s in %s of %s: %w", part, total, whole, ErrNegative)
	}
	exp := int32(exponents[cur])
	// In whole minor units (every Money is exact in its currency), the
	// quotient is an integer division, truncated: no rounding up, ever.
	p, t, w := part.amount.Shift(exp).BigInt(), total.amount.Shift(exp).BigInt(), whole.amount.Shift(exp).BigInt()
	q := new(big.Int).Quo(new(big.Int).Mul(p, w), t)
	return Money{amount: decimal.NewFromBigInt(q, -exp), currency: cur}, nil
}
