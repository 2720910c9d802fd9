package tap

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// This file holds Tap's wire format and nothing else: the request bodies qpay
// sends and the objects Tap answers with, decoded leniently where Tap's own
// examples disagree on a field's JSON type.

// sourceQPay is the source that makes a Tap charge a QPay (NAPS) charge.
const sourceQPay = "src_qa.qpay"

// defaultRefundReason is sent when the merchant gives none: Tap requires a
// reason (error 1156) and documents this as one of its values.
const defaultRefundReason = "requested_by_customer"

// chargeRequest is the body of POST /v2/charges.
type chargeRequest struct {
	// Amount is a JSON number written with exactly the currency's decimals
	// (79.10, not 79.1 and never a float's rendering).
	Amount            json.Number         `json:"amount"`
	Currency          string              `json:"currency"`
	CustomerInitiated bool                `json:"customer_initiated"`
	ThreeDSecure      bool                `json:"threeDSecure"`
	SaveCard          bool                `json:"save_card"`
	Description       string              `json:"description,omitempty"`
	Metadata          map[string]string   `json:"metadata,omitempty"`
	Reference         chargeReference     `json:"reference"`
	Customer          customer            `json:"customer"`
	Source            source              `json:"source"`
	Redirect          link                `json:"redirect"`
	Post              *link               `json:"post,omitempty"`
	Transaction       *transactionRequest `json:"transaction,omitempty"`
	Merchant          *merchant           `json:"merchant,omitempty"`
	// Destinations splits the charge with sub-merchants (hosted.go).
	Destinations *destinationsRequest `json:"destinations,omitempty"`
}

type chargeReference struct {
	Transaction string `json:"transaction"`
	Order       string `json:"order"`
	// Idempotent is Tap's duplicate protection: a repeated value within 24
	// hours returns the original charge instead of creating another.
	Idempotent string `json:"idempotent,omitempty"`
}

type customer struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     *phone `json:"phone,omitempty"`
}

// phone is sent as strings although Tap's example request uses numbers: a
// number cannot carry a leading zero, and Tap's responses use strings.
type phone struct {
	CountryCode string `json:"country_code,omitempty"`
	Number      string `json:"number"`
}

type source struct {
	ID string `json:"id"`
}

type link struct {
	URL string `json:"url"`
}

type transactionRequest struct {
	Expiry expiry `json:"expiry"`
}

type expiry struct {
	Period int    `json:"period"`
	Type   string `json:"type"`
}

type merchant struct {
	ID string `json:"id"`
}

// newChargeRequest translates a validated request. Validation has already
// ensured whole minutes for the expiry and digits for the phone.
func newChargeRequest(req qpay.PaymentRequest, merchantID string) chargeRequest {
	first, last := splitName(req.Customer.Name)
	c := chargeRequest{
		Amount:            json.Number(req.Amount.Fixed()),
		Currency:          req.Amount.Currency(),
		CustomerInitiated: true,
		ThreeDSecure:      true,
		SaveCard:          false,
		Description:       req.Description,
		Metadata:          req.Metadata,
		Reference: chargeReference{
			Transaction: req.Reference,
			Order:       req.Reference,
			Idempotent:  req.IdempotencyKey,
		},
		Customer: customer{FirstName: first, LastName: last, Email: req.Customer.Email},
		Source:   source{ID: sourceFor(req.Page)},
		Redirect: link{URL: req.ReturnURL},
	}
	if req.Customer.Phone.Number != "" {
		c.Customer.Phone = &phone{CountryCode: req.Customer.Phone.CountryCode, Number: req.Customer.Phone.Number}
	}
	if req.WebhookURL != "" {
		c.Post = &link{URL: req.WebhookURL}
	}
	if req.Expiry > 0 {
		c.Transaction = &transactionRequest{Expiry: expiry{Period: int(req.Expiry / time.Minute), Type: "MINUTE"}}
	}
	if merchantID != "" {
		c.Merchant = &merchant{ID: merchantID}
	}
	c.Destinations = newDestinations(req.Splits)
	return c
}

// splitName splits a full name at its first space, the way Tap's separate
// first and last name fields are most often filled; a single word is a
// first name only (Tap requires first_name, error 1130).
func splitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// charge is the part of Tap's charge object that qpay reads. Everything
// else stays available in Payment.Raw.
type charge struct {
	ID       string        `json:"id"`
	Object   string        `json:"object"`
	Status   string        `json:"status"`
	Amount   *money.Number `json:"amount"` // 1, 1.0 and 1.000 all occur: decoded exactly, never as a float, and bounded
	Currency string        `json:"currency"`
	Metadata metadata      `json:"metadata"`
	// Transaction.Created is a string of epoch milliseconds in Tap's
	// examples; transport.Text also takes a number.
	Transaction struct {
		URL     string         `json:"url"`
		Created transport.Text `json:"created"`
	} `json:"transaction"`
	Reference struct {
		Transaction transport.Text `json:"transaction"`
		Order       transport.Text `json:"order"`
		Gateway     transport.Text `json:"gateway"`
		Payment     transport.Text `json:"payment"`
		Track       transport.Text `json:"track"`
	} `json:"reference"`
	Response     response      `json:"response"`
	Post         link          `json:"post"`
	Redirect     link          `json:"redirect"`
	Source       chargeSource  `json:"source"`
	Card         *chargeCard   `json:"card"`
	Destinations *destinations `json:"destinations"`
	// Merchant is whose charge it is (owner.go).
	Merchant ownerMerchant `json:"merchant"`
}

// response is Tap's outcome detail, e.g. {"code":"505","message":"Declined,
// Insufficient Funds"}.
type response struct {
	Code    transport.Text `json:"code"`
	Message string         `json:"message"`
}

// refundRequest is the body of POST /v2/refunds.
type refundRequest struct {
	ChargeID  string            `json:"charge_id"`
	Amount    json.Number       `json:"amount"`
	Currency  string            `json:"currency"`
	Reason    string            `json:"reason"`
	Reference refundReference   `json:"reference"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Post      *link             `json:"post,omitempty"`
	// Destinations takes each recipient's share of a split charge back.
	Destinations *destinationsRequest `json:"destinations,omitempty"`
}

type refundReference struct {
	Merchant   string `json:"merchant"`
	Idempotent string `json:"idempotent,omitempty"`
}

// refund is the part of Tap's refund object that qpay reads.
type refund struct {
	ID        string         `json:"id"`
	Object    string         `json:"object"`
	ChargeID  string         `json:"charge_id"`
	Status    string         `json:"status"`
	Amount    *money.Number  `json:"amount"`
	Currency  string         `json:"currency"`
	Created   transport.Text `json:"created"`
	Reference struct {
		Merchant transport.Text `json:"merchant"`
	} `json:"reference"`
	Response     response      `json:"response"`
	Destinations *destinations `json:"destinations"`
	// Merchant is whose refund it is, where Tap says (owner.go).
	Merchant ownerMerchant `json:"merchant"`
}

// refundListRequest is the body of POST /v2/refunds/list. Tap documents no
// filter by charge; Charges is the undocumented one (lists.go), and the
// refunds are filtered here by charge_id whether Tap honoured it or not.
type refundListRequest struct {
	Period        period   `json:"period"`
	Charges       []string `json:"charges,omitempty"`
	Limit         int      `json:"limit"`
	StartingAfter string   `json:"starting_after,omitempty"`
}

type period struct {
	Date dateRange `json:"date"`
}

// dateRange bounds are epoch milliseconds.
type dateRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// refundList is one page of the refund list, newest first. Each refund is
// kept raw so that Refund.Raw is that refund's own body.
type refundList struct {
	Object  string            `json:"object"`
	HasMore bool              `json:"has_more"`
	Refunds []json.RawMessage `json:"refunds"`
}

// metadata decodes Tap's metadata object into strings. Values qpay did not
// send (a number, a nested object added in Tap's dashboard) are kept as
// their JSON text rather than failing the whole answer over a field qpay
// only echoes.
type metadata map[string]string

func (m *metadata) UnmarshalJSON(b []byte) error {
	// The usual metadata, strings only, decodes directly; anything else
	// (and anything that is not an object) takes the lenient path below.
	var direct map[string]string
	if json.Unmarshal(b, &direct) == nil {
		*m = nil
		if len(direct) > 0 {
			*m = direct
		}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) == 0 {
		*m = nil
		return nil
	}
	out := make(metadata, len(raw))
	for k, v := range raw {
		if s, ok := transport.PlainJSONString(v); ok {
			out[k] = s
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		out[k] = string(v)
	}
	*m = out
	return nil
}

// epochMillis reads Tap's "created" values. A missing or unreadable time is
// the zero time: it is informative only, and no payment should become
// unreadable because of it.
func epochMillis(s transport.Text) time.Time {
	ms, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// webhookObject is a charge or a refund object as Tap posts it, decoded in
// one pass: it has every field of signedObject, charge and refund, each
// under the same JSON name and decoded the same way, so that whenever it
// decodes, what it holds is what each of those three would hold had it
// decoded the body on its own.
type webhookObject struct {
	ID          string         `json:"id"`
	Object      string         `json:"object"`
	Status      string         `json:"status"`
	Amount      wireAmount     `json:"amount"`
	Currency    string         `json:"currency"`
	Created     transport.Text `json:"created"`
	ChargeID    string         `json:"charge_id"`
	Metadata    metadata       `json:"metadata"`
	Transaction struct {
		URL     string         `json:"url"`
		Created transport.Text `json:"created"`
	} `json:"transaction"`
	Reference struct {
		Transaction transport.Text `json:"transaction"`
		Order       transport.Text `json:"order"`
		Gateway     transport.Text `json:"gateway"`
		Payment     transport.Text `json:"payment"`
		Track       transport.Text `json:"track"`
		Merchant    transport.Text `json:"merchant"`
	} `json:"reference"`
	Response     response      `json:"response"`
	Post         link          `json:"post"`
	Redirect     link          `json:"redirect"`
	Source       chargeSource  `json:"source"`
	Card         *chargeCard   `json:"card"`
	Destinations *destinations `json:"destinations"`
	Merchant     ownerMerchant `json:"merchant"`
}

// signed is what Hashstring would have decoded.
func (o *webhookObject) signed() *signedObject {
	s := &signedObject{ID: o.ID, Object: o.Object, Amount: o.Amount.value, Currency: o.Currency, Status: o.Status, Created: o.Created}
	s.Reference.Gateway, s.Reference.Payment = o.Reference.Gateway, o.Reference.Payment
	s.Transaction.Created = o.Transaction.Created
	return s
}

// charge is what decodeCharge would have decoded.
func (o *webhookObject) charge() *charge {
	c := &charge{ID: o.ID, Object: o.Object, Status: o.Status, Amount: o.Amount.pointer(), Currency: o.Currency,
		Metadata: o.Metadata, Response: o.Response, Post: o.Post, Redirect: o.Redirect,
		Source: o.Source, Card: o.Card, Destinations: o.Destinations, Merchant: o.Merchant}
	c.Transaction.URL, c.Transaction.Created = o.Transaction.URL, o.Transaction.Created
	r := &c.Reference
	r.Transaction, r.Order, r.Gateway, r.Payment, r.Track =
		o.Reference.Transaction, o.Reference.Order, o.Reference.Gateway, o.Reference.Payment, o.Reference.Track
	return c
}

// refund is what decodeRefund would have decoded.
func (o *webhookObject) refund() *refund {
	r := &refund{ID: o.ID, Object: o.Object, ChargeID: o.ChargeID, Status: o.Status, Amount: o.Amount.pointer(),
		Currency: o.Currency, Created: o.Created, Response: o.Response, Destinations: o.Destinations, Merchant: o.Merchant}
	r.Reference.Merchant = o.Reference.Merchant
	return r
}

// wireAmount decodes "amount" once for readers that treat a null apart: a
// money.Number field (signedObject's) keeps whatever it held, a
// *money.Number field (charge's, refund's) becomes nil.
type wireAmount struct {
	value   money.Number
	present bool
}

func (w *wireAmount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		w.present = false
		return nil
	}
	if err := w.value.UnmarshalJSON(b); err != nil {
		return err
	}
	w.present = true
	return nil
}

// pointer is the amount as a *money.Number field would hold it.
func (w *wireAmount) pointer() *money.Number {
	if !w.present {
		return nil
	}
	d := w.value
	return &d
}
