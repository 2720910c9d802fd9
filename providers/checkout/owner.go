package checkout

import (
	"encoding/json"

	"github.com/qpay-go/qpay/providers/internal/transport"
)

// channel is the one place that reads whose payment an answer or an event
// is, for the portable layer's owner check (driver's owner.go): one
// Checkout key serves every processing channel of its entity, so a payment
// of one channel reads back fine through the configuration of another.
//
// UNCONFIRMED, all of it. The bundled OpenAPI document describes the
// previous platform, which has no processing channels; the current
// platform's SDK sends processing_channel_id on requests but models no such
// field on GET /payments/{id}. The most likely place is the same name at
// the top of the payment and of an event's data, which is what is read; an
// answer without it reports no owner, and the portable layer then lets it
// through (nothing says it is another channel's). Checkout signs the whole
// webhook body, so an event's channel, when present, is signed.
type channel struct{ id transport.Text }

// owner is the processing channel, or "" when Checkout gave none.
func (c channel) owner() string { return string(c.id) }

// UnmarshalJSON takes a string (or a number) and anything else as no
// channel, so that an undocumented shape never makes a payment unreadable.
func (c *channel) UnmarshalJSON(b []byte) error {
	if json.Unmarshal(b, &c.id) != nil {
		c.id = ""
	}
	return nil
}
