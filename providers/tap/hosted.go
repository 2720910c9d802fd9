package tap

import (
	"cmp"
	"encoding/json"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// Tap's sources for the hosted pages (Charges API, source.id): every
// method enabled on the merchant, or cards only. Tap's platform guide
// spells the second "src_cards"; the API reference says src_card, which
// is what is sent (UNCONFIRMED which one Tap accepts, see doc.go).
const (
	sourceAll   = "src_all"
	sourceCards = "src_card"
)

// sourceFor is the source.id of a page.
func sourceFor(p qpay.Page) string {
	switch p {
	case qpay.PageHosted:
		return sourceAll
	case qpay.PageHostedCards:
		return sourceCards
	}
	return sourceQPay
}

// pageOf is the page a charge's source.id names; PageQPay once the source
// is the shopper's token (the portable layer then reads the page back
// from the metadata qpay set).
func pageOf(sourceID string) qpay.Page {
	switch sourceID {
	case sourceAll:
		return qpay.PageHosted
	case sourceCards:
		return qpay.PageHostedCards
	}
	return qpay.PageQPay
}

// Supports implements driver.Capable: Tap has both hosted pages and
// marketplace destinations. A destination carries no reference, so a
// Split.Reference is refused rather than dropped.
func (a *adapter) Supports(req qpay.PaymentRequest) error {
	for _, s := range req.Splits {
		if s.Reference != "" {
			return driver.Unsupported("tap: a destination has no reference field; send the split to %s without Split.Reference (keep it in your own records or in the metadata)", s.Recipient)
		}
	}
	return nil
}

// destinations is Tap's split of a charge or a refund:
// {"destination":[{"id":"480593","amount":2,"currency":"KWD"}]}.
type destinations struct {
	Destination []destination `json:"destination"`
}

// UnmarshalJSON reads Tap's echo leniently: a shape other than the
// request's (the echo is UNCONFIRMED) reads as no split reported, rather
// than making the whole charge unreadable. Amounts that do decode are
// checked exactly in splitsOf.
func (d *destinations) UnmarshalJSON(b []byte) error {
	var v struct {
		Destination []destination `json:"destination"`
	}
	if json.Unmarshal(b, &v) != nil {
		*d = destinations{}
		return nil
	}
	d.Destination = v.Destination
	return nil
}

type destination struct {
	ID       flexID        `json:"id"`
	Amount   *money.Number `json:"amount"` // bounded: money.ParseNumber
	Currency string        `json:"currency"`
}

// flexID is a destination ID, a numeric string in Tap's examples, read
// whether Tap sends it as a string or a number.
type flexID string

// UnmarshalJSON accepts a string or a number.
func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

// newDestinations translates validated splits (or a refund's shares);
// nil for none.
func newDestinations(splits []qpay.Split) *destinationsRequest {
	if len(splits) == 0 {
		return nil
	}
	out := &destinationsRequest{}
	for _, s := range splits {
		out.Destination = append(out.Destination, destinationRequest{
			ID: s.Recipient, Amount: json.Number(s.Amount.Fixed()), Currency: s.Amount.Currency(),
		})
	}
	return out
}

// destinationsRequest is destinations as sent: amounts with exactly the
// currency's decimals, as the charge's own amount.
type destinationsRequest struct {
	Destination []destinationRequest `json:"destination"`
}

type destinationRequest struct {
	ID       string      `json:"id"`
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

// splitsOf reads the destinations Tap echoes. UNCONFIRMED: Tap's examples
// show no charge or refund answer with destinations; the most likely echo
// is the request's own object, which is what is read. A share qpay cannot
// read exactly is a protocol error, never a silently changed split.
func (a *adapter) splitsOf(op string, httpStatus int, body []byte, d *destinations) ([]qpay.Split, error) {
	if d == nil || len(d.Destination) == 0 {
		return nil, nil
	}
	out := make([]qpay.Split, 0, len(d.Destination))
	for _, x := range d.Destination {
		m, err := a.amount(op, httpStatus, body, "destination "+string(x.ID), x.Amount, x.Currency)
		if err != nil {
			return nil, err
		}
		out = append(out, qpay.Split{Recipient: string(x.ID), Amount: m})
	}
	return out, nil
}

// chargeSource is the part of a charge's source and card that says how
// the shopper paid.
type chargeSource struct {
	ID            string `json:"id"`
	Object        string `json:"object"`
	PaymentMethod string `json:"payment_method"`
}

type chargeCard struct {
	Scheme string `json:"scheme"`
	Brand  string `json:"brand"`
}

// methodOf reads how the shopper paid: QPay when Tap says QPAY or the card
// scheme is NAPS (Tap's QPay example has both), a card when there is any
// other card scheme, else Tap's word lower-cased. Nothing before the
// shopper has paid.
func methodOf(src chargeSource, card *chargeCard) qpay.Method {
	m := qpay.Method{Raw: src.PaymentMethod}
	if card != nil {
		m.Scheme = cmp.Or(card.Scheme, card.Brand)
	}
	switch {
	case strings.EqualFold(src.PaymentMethod, "QPAY") || strings.EqualFold(m.Scheme, "NAPS"):
		m.Type = qpay.MethodQPay
	case m.Scheme != "":
		m.Type = qpay.MethodCard
	case src.PaymentMethod != "":
		m.Type = strings.ToLower(src.PaymentMethod)
	}
	return m
}
