package checkoutsim

import (
	"encoding/json"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Checkout.com's payment, action and event objects, in the shape of its
// OpenAPI document and examples (shared/reference/checkout/*.json).

type ckoLink struct {
	Href string `json:"href"`
}

type ckoCustomer struct {
	ID    string `json:"id"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// ckoAccepted is the 202 PaymentAcceptedResponse. It carries no amount.
type ckoAccepted struct {
	ID        string           `json:"id"`
	Status    string           `json:"status"`
	Reference string           `json:"reference,omitempty"`
	Customer  ckoCustomer      `json:"customer"`
	Links     ckoAcceptedLinks `json:"_links"`
}

type ckoAcceptedLinks struct {
	Self     ckoLink `json:"self"`
	Redirect ckoLink `json:"redirect"`
}

type ckoRefundAccepted struct {
	ActionID  string         `json:"action_id"`
	Reference string         `json:"reference,omitempty"`
	Links     ckoRefundLinks `json:"_links"`
}

type ckoRefundLinks struct {
	Payment ckoLink `json:"payment"`
}

type ckoSource struct {
	Type           string `json:"type"`
	Description    string `json:"description"`
	Pun            string `json:"pun,omitempty"`
	QPayStatus     string `json:"qpay_status,omitempty"`
	StatusMessage  string `json:"status_message,omitempty"`
	ConfirmationID string `json:"confirmation_id,omitempty"`
	Scheme         string `json:"scheme,omitempty"`
	Last4          string `json:"last4,omitempty"`
	Bin            string `json:"bin,omitempty"`
	CardType       string `json:"card_type,omitempty"`
}

type ckoBalances struct {
	TotalAuthorized    int64 `json:"total_authorized"`
	TotalVoided        int64 `json:"total_voided"`
	AvailableToVoid    int64 `json:"available_to_void"`
	TotalCaptured      int64 `json:"total_captured"`
	AvailableToCapture int64 `json:"available_to_capture"`
	TotalRefunded      int64 `json:"total_refunded"`
	AvailableToRefund  int64 `json:"available_to_refund"`
}

type ckoPaymentJSON struct {
	ID          string          `json:"id"`
	RequestedOn string          `json:"requested_on"`
	Source      ckoSource       `json:"source"`
	Amount      int64           `json:"amount"`
	Currency    string          `json:"currency"`
	PaymentType string          `json:"payment_type"`
	Reference   string          `json:"reference,omitempty"`
	Description string          `json:"description,omitempty"`
	Status      string          `json:"status"`
	Approved    bool            `json:"approved"`
	Risk        ckoRisk         `json:"risk"`
	Customer    ckoCustomer     `json:"customer"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Balances    ckoBalances     `json:"balances"`
	Links       ckoPaymentLinks `json:"_links"`
}

type ckoRisk struct {
	Flagged bool `json:"flagged"`
}

type ckoPaymentLinks struct {
	Self     ckoLink  `json:"self"`
	Actions  ckoLink  `json:"actions"`
	Redirect *ckoLink `json:"redirect,omitempty"`
	Refund   *ckoLink `json:"refund,omitempty"`
}

// Action is one entry of GET /payments/{id}/actions.
type Action struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Amount          int64           `json:"amount"`
	Approved        *bool           `json:"approved,omitempty"` // absent while pending
	ProcessedOn     string          `json:"processed_on"`
	Reference       string          `json:"reference,omitempty"`
	ResponseCode    string          `json:"response_code,omitempty"`
	ResponseSummary string          `json:"response_summary,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
}

// Event is a webhook event envelope.
type Event struct {
	ID        string        `json:"id"`
	Type      string        `json:"type"`
	Version   string        `json:"version"`
	CreatedOn string        `json:"created_on"`
	Data      ckoEventData  `json:"data"`
	Links     ckoEventLinks `json:"_links"`
}

type ckoEventData struct {
	ID              string          `json:"id"`
	ActionID        string          `json:"action_id,omitempty"`
	Amount          int64           `json:"amount"`
	Currency        string          `json:"currency"`
	Reference       string          `json:"reference,omitempty"`
	Status          string          `json:"status,omitempty"`
	Approved        *bool           `json:"approved,omitempty"`
	ResponseCode    string          `json:"response_code,omitempty"`
	ResponseSummary string          `json:"response_summary,omitempty"`
	ProcessedOn     string          `json:"processed_on"`
	Source          *ckoSource      `json:"source,omitempty"`
	Customer        *ckoCustomer    `json:"customer,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	Balances        *ckoBalances    `json:"balances,omitempty"`
}

type ckoEventLinks struct {
	Self    ckoLink `json:"self"`
	Payment ckoLink `json:"payment"`
}

func ckoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// minor is m in minor units. Every amount it is given fits: the
// simulator's Checkout payments come in minor units of at most nine digits
// (ckoMinor), their refunds are smaller, and the event builders check
// their amount first (EventJSON).
func minor(m money.Money) int64 {
	n, _ := m.Minor()
	return n
}

func (rt *Route) paymentURL(p *sim.Payment) string { return rt.BaseURL() + "/payments/" + p.ID }

// ckoSourceOf is the payment's qpay source as Checkout reports it.
func ckoSourceOf(p *sim.Payment) ckoSource {
	if p.Method == sim.MethodCard {
		return cardSourceOf(p)
	}
	o := outcomeOf(p.Result)
	src := ckoSource{Type: "qpay", Description: ck(p).sourceDesc, Pun: ck(p).pun}
	if p.State != status.Pending {
		src.QPayStatus, src.StatusMessage = o.qpayStatus, o.qpayText
	}
	if p.State == status.Captured {
		src.ConfirmationID = ck(p).confirmationID
	}
	return src
}

func ckoBalancesOf(p *sim.Payment) ckoBalances {
	if p.State != status.Captured {
		return ckoBalances{}
	}
	total := minor(p.Amount)
	return ckoBalances{
		TotalAuthorized:   total,
		TotalCaptured:     total,
		TotalRefunded:     minor(p.Refunded(false)),
		AvailableToRefund: minor(p.Refundable()),
	}
}

// payment renders p as GET /payments/{id} does. The caller holds the lock.
func (rt *Route) payment(p *sim.Payment) ckoPaymentJSON {
	self := rt.paymentURL(p)
	out := ckoPaymentJSON{
		ID:          p.ID,
		RequestedOn: ckoTime(p.Created),
		Source:      ckoSourceOf(p),
		Amount:      minor(p.Amount),
		Currency:    p.Amount.Currency(),
		PaymentType: "Regular",
		Reference:   p.Reference,
		Description: p.Description,
		Status:      rawStatus(p),
		Approved:    p.State == status.Captured,
		Customer:    ckoCustomer{ID: ck(p).cust.id, Email: ck(p).cust.email, Name: ck(p).cust.name},
		Metadata:    p.Metadata,
		Balances:    ckoBalancesOf(p),
		Links: ckoPaymentLinks{
			Self:     ckoLink{self},
			Actions:  ckoLink{self + "/actions"},
			Redirect: &ckoLink{rt.c.PageURL(p)},
		},
	}
	if p.State == status.Captured && !p.Refundable().IsZero() {
		out.Links.Refund = &ckoLink{self + "/refunds"}
	}
	return out
}

// actionList is GET /payments/{id}/actions: newest first. A QPay
// payment's capture is one Capture action (which action types QPay records
// is UNCONFIRMED); each refund is a Refund action. The caller holds the lock.
func actionList(p *sim.Payment) []Action {
	actions := []Action{}
	for i := len(p.Refunds) - 1; i >= 0; i-- {
		actions = append(actions, ckoRefundAction(p.Refunds[i]))
	}
	if ck(p).captureAction != "" {
		yes := true
		actions = append(actions, Action{
			ID: ck(p).captureAction, Type: "Capture", Amount: minor(p.Amount), Approved: &yes,
			ProcessedOn: ckoTime(p.Finished), Reference: p.Reference, ResponseCode: "10000", ResponseSummary: "Approved",
		})
	}
	return actions
}

func ckoRefundAction(r *sim.Refund) Action {
	o := refundOutcomeOf(r.State)
	processed := r.Finished
	if processed.IsZero() {
		processed = r.Created
	}
	return Action{
		ID: r.ID, Type: "Refund", Amount: minor(r.Amount), Approved: o.approved, ProcessedOn: ckoTime(processed),
		Reference: r.Reference, ResponseCode: o.code, ResponseSummary: o.summary, Metadata: r.Metadata,
	}
}

// paymentEvent is the event for the payment's current state:
// payment_pending, payment_captured, payment_declined, payment_canceled or
// payment_expired. Its ID is derived from the payment and the type, so a
// rebuilt event is the same event. The caller holds the lock.
func (rt *Route) paymentEvent(p *sim.Payment) Event {
	o := outcomeOf(p.Result)
	when := p.Finished
	if p.State == status.Pending {
		when = p.Created
	}
	src := ckoSourceOf(p)
	bal := ckoBalancesOf(p)
	d := ckoEventData{
		ID:              p.ID,
		ActionID:        ck(p).captureAction,
		Amount:          minor(p.Amount),
		Currency:        p.Amount.Currency(),
		Reference:       p.Reference,
		Status:          o.status,
		ResponseCode:    o.code,
		ResponseSummary: o.summary,
		ProcessedOn:     ckoTime(when),
		Source:          &src,
		Customer:        &ckoCustomer{ID: ck(p).cust.id, Email: ck(p).cust.email, Name: ck(p).cust.name},
		Metadata:        p.Metadata,
		Balances:        &bal,
	}
	switch p.State {
	case status.Captured:
		yes := true
		d.Approved = &yes
	case status.Failed:
		no := false
		d.Approved = &no
	}
	return rt.event(o.event, p, d.ActionID, when, d)
}

// refundEvent is payment_refunded, payment_refund_declined or, while
// pending, payment_refund_pending. data.action_id is the refund, data.amount
// its amount and data.reference its reference (which of the refund's or the
// payment's reference Checkout sends is UNCONFIRMED; the refund's is the
// one an adapter can check). The caller holds the lock.
func (rt *Route) refundEvent(r *sim.Refund) Event {
	o := refundOutcomeOf(r.State)
	p := r.Payment
	when := r.Finished
	if when.IsZero() {
		when = r.Created
	}
	bal := ckoBalancesOf(p)
	d := ckoEventData{
		ID:              p.ID,
		ActionID:        r.ID,
		Amount:          minor(r.Amount),
		Currency:        r.Amount.Currency(),
		Reference:       r.Reference,
		Approved:        o.approved,
		ResponseCode:    o.code,
		ResponseSummary: o.summary,
		ProcessedOn:     ckoTime(when),
		Metadata:        p.Metadata,
		Balances:        &bal,
	}
	return rt.event(o.event, p, r.ID, when, d)
}

func (rt *Route) event(typ string, p *sim.Payment, action string, when time.Time, d ckoEventData) Event {
	id := derivedID("evt", p.ID, typ, action)
	return Event{
		ID:        id,
		Type:      typ,
		Version:   "2.0",
		CreatedOn: ckoTime(when),
		Data:      d,
		Links: ckoEventLinks{
			Self:    ckoLink{rt.BaseURL() + "/events/" + id},
			Payment: ckoLink{rt.paymentURL(p)},
		},
	}
}
