package tap

import (
	"errors"

	"github.com/qpay-go/qpay"
)

// The filter of Tap's list endpoints that Tap's documentation does not
// give, in one place.
//
// UNCONFIRMED: POST /v2/refunds/list filtered by charge with a "charges"
// array of charge IDs, beside the documented period, limit and
// starting_after. It is what community code sends; Tap documents no filter
// by charge. It is sent with every read of a charge's refunds, and nothing
// depends on Tap honouring it:
//
//   - honoured, the charge's refunds come in one page, whatever the
//     merchant's refund volume: a refund costs three requests (the charge,
//     one page of its refunds, the refund);
//   - ignored, the list is the merchant's every refund since the charge was
//     created, paged through and filtered by charge_id as before; past
//     maxRefundPages the refund is refused rather than risk a second one;
//   - refused with a 400 (an unknown field), the page is asked again
//     without it, as in the second case.
func chargesFilter(chargeID string) []string { return []string{chargeID} }

// chargesFilterRefused reports whether a filtered list request was refused
// for its filter: a 400, which a documented request never gets.
func chargesFilterRefused(err error) bool {
	var e *qpay.Error
	return errors.As(err, &e) && e.Kind == qpay.KindInvalidRequest
}
