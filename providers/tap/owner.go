package tap

import (
	"encoding/json"

	"github.com/qpay-go/qpay/providers/internal/transport"
)

// ownerMerchant is the one place that reads whose object a charge or a
// refund is, for the portable layer's owner check (driver's owner.go): a
// platform key charges for several merchants (Config.MerchantID, sent as
// merchant.id) and signs all their webhooks with one secret.
//
// Charges: merchant.id, present in every charge example of Tap's
// (reference/tap/charge-*.json: {"merchant": {"id": "599424", ...}}).
//
// Refunds: UNCONFIRMED. Tap's refund examples carry no merchant object;
// the same merchant.id is read if Tap sends it, and a refund without it
// reports no owner. When the configuration names a MerchantID, the
// portable layer then reads the refund's charge back (GetRefund, a
// webhook's read-back; driver's refundOwner) and the charge's merchant
// decides; the refund path reads the charge anyway. Tap's refund reference.merchant
// is the merchant's refund reference, not an owner, and is never read here.
//
// The ID is decoded leniently (transport.Text) since Tap writes IDs as
// strings in its examples but numbers elsewhere. A webhook's own object
// carries it too, unsigned: a delivery naming another merchant is refused
// before its read-back (a forger can only have it dropped, which it could
// do anyway), and the read-back's owner is what decides.
type ownerMerchant struct {
	ID transport.Text `json:"id"`
}

// owner is the merchant ID, or "" when Tap gave none.
func (m ownerMerchant) owner() string { return string(m.ID) }

// UnmarshalJSON reads {"id": ...} and takes anything else (null, a bare
// string, an object without an ID) as no owner, so that a shape Tap did not
// document never makes the whole charge unreadable.
func (m *ownerMerchant) UnmarshalJSON(b []byte) error {
	var o struct {
		ID transport.Text `json:"id"`
	}
	if json.Unmarshal(b, &o) != nil {
		*m = ownerMerchant{}
		return nil
	}
	m.ID = o.ID
	return nil
}
