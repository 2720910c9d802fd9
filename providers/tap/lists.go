package tap

import (
	"encoding/json"
	"errors"
	"time"

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

// UNCONFIRMED: POST /v2/charges/list filtered by the merchant's reference.
// Tap's reference lists a "reference" filter object on the charge list,
// beside period, limit and starting_after, but not how it matches; it is
// sent with the two references qpay sets on every charge (transaction and
// order, both the merchant reference), and the answer is taken to be
// shaped as the refund list is ({"object":"list","has_more",...} with the
// charges under "charges"). Nothing depends on the filter being honoured:
// the charges are filtered by reference here (and again in the portable
// layer), and a list longer than maxChargePages is refused rather than
// read in part.
type chargeListRequest struct {
	Period        period        `json:"period"`
	Reference     listReference `json:"reference"`
	Limit         int           `json:"limit"`
	StartingAfter string        `json:"starting_after,omitempty"`
}

type listReference struct {
	Transaction string `json:"transaction"`
	Order       string `json:"order"`
}

// chargeList is one page of the charge list, newest first; each charge is
// kept raw so that Payment.Raw is its own body.
type chargeList struct {
	Object  string            `json:"object"`
	HasMore bool              `json:"has_more"`
	Charges []json.RawMessage `json:"charges"`
}

// Bounds of one search by reference: a crash is recovered from within
// hours, not months, and an order has a handful of attempts.
const (
	findLookback   = 30 * 24 * time.Hour
	maxChargePages = 20
)
