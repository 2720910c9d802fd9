package qpaytest

import (
	"encoding/json"
	"time"

	"github.com/qpay-go/qpay/money"
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

type ckoAction struct {
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

type ckoEventJSON struct {
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
// their amount first (checkoutEvent).
func minor(m money.Money) int64 {
	n, _ := m.Minor()
	return n
}

func (s *Server) ckoPaymentURL(p *payment) string { return s.CheckoutBaseURL() + "/payments/" + p.id }

// ckoSourceOf is the payment's qpay source as Checkout reports it.
func ckoSourceOf(p *payment) ckoSource {
	o := p.result.outcome()
	src := ckoSource{Type: "qpay", Description: p.sourceDesc, Pun: p.pun}
	if p.state != status.Pending {
		src.QPayStatus, src.StatusMessage = o.qpayStatus, o.qpayText
	}
	if p.state == status.Captured {
		src.ConfirmationID = p.confirmationID
	}
	return src
}

func ckoBalancesOf(p *payment) ckoBalances {
	if p.state != status.Captured {
		return ckoBalances{}
	}
	total := minor(p.amount)
	return ckoBalances{
		TotalAuthorized:   total,
		TotalCaptured:     total,
		TotalRefunded:     minor(p.refunded(false)),
		AvailableToRefund: minor(p.refundable()),
	}
}

// ckoPayment renders p as GET /payments/{id} does. The caller holds s.mu.
func (s *Server) ckoPayment(p *payment) ckoPaymentJSON {
	self := s.ckoPaymentURL(p)
	out := ckoPaymentJSON{
		ID:          p.id,
		RequestedOn: ckoTime(p.created),
		Source:      ckoSourceOf(p),
		Amount:      minor(p.amount),
		Currency:    p.amount.Currency(),
		PaymentType: "Regular",
		Reference:   p.reference,
		Description: p.description,
		Status:      p.rawStatus(),
		Approved:    p.state == status.Captured,
		Customer:    ckoCustomer{ID: p.cust.id, Email: p.cust.email, Name: p.cust.name},
		Metadata:    p.metadata,
		Balances:    ckoBalancesOf(p),
		Links: ckoPaymentLinks{
			Self:     ckoLink{self},
			Actions:  ckoLink{self + "/actions"},
			Redirect: &ckoLink{s.pageURL(p)},
		},
	}
	if p.state == status.Captured && !p.refundable().IsZero() {
		out.Links.Refund = &ckoLink{self + "/refunds"}
	}
	return out
}

// ckoActionList is GET /payments/{id}/actions: newest first. A QPay
// payment's capture is one Capture action (which action types QPay records
// is UNCONFIRMED); each refund is a Refund action. The caller holds s.mu.
func (s *Server) ckoActionList(p *payment) []ckoAction {
	actions := []ckoAction{}
	for i := len(p.refunds) - 1; i >= 0; i-- {
		actions = append(actions, ckoRefundAction(p.refunds[i]))
	}
	if p.captureAction != "" {
		yes := true
		actions = append(actions, ckoAction{
			ID: p.captureAction, Type: "Capture", Amount: minor(p.amount), Approved: &yes,
			ProcessedOn: ckoTime(p.finished), Reference: p.reference, ResponseCode: "10000", ResponseSummary: "Approved",
		})
	}
	return actions
}

func ckoRefundAction(r *refund) ckoAction {
	o := r.outcome()
	processed := r.finished
	if processed.IsZero() {
		processed = r.created
	}
	return ckoAction{
		ID: r.id, Type: "Refund", Amount: minor(r.amount), Approved: o.approved, ProcessedOn: ckoTime(processed),
		Reference: r.reference, ResponseCode: o.ckoCode, ResponseSummary: o.ckoSummary, Metadata: r.metadata,
	}
}

// ckoPaymentEvent is the event for the payment's current state:
// payment_pending, payment_captured, payment_declined, payment_canceled or
// payment_expired. Its ID is derived from the payment and the type, so a
// rebuilt event is the same event. The caller holds s.mu.
func (s *Server) ckoPaymentEvent(p *payment) ckoEventJSON {
	o := p.result.outcome()
	when := p.finished
	if p.state == status.Pending {
		when = p.created
	}
	src := ckoSourceOf(p)
	bal := ckoBalancesOf(p)
	d := ckoEventData{
		ID:              p.id,
		ActionID:        p.captureAction,
		Amount:          minor(p.amount),
		Currency:        p.amount.Currency(),
		Reference:       p.reference,
		Status:          o.ckoStatus,
		ResponseCode:    o.ckoCode,
		ResponseSummary: o.ckoSummary,
		ProcessedOn:     ckoTime(when),
		Source:          &src,
		Customer:        &ckoCustomer{ID: p.cust.id, Email: p.cust.email, Name: p.cust.name},
		Metadata:        p.metadata,
		Balances:        &bal,
	}
	switch p.state {
	case status.Captured:
		yes := true
		d.Approved = &yes
	case status.Failed:
		no := false
		d.Approved = &no
	}
	return s.ckoEvent(o.ckoEvent, p, d.ActionID, when, d)
}

// ckoRefundEvent is payment_refunded, payment_refund_declined or, while
// pending, payment_refund_pending. data.action_id is the refund, data.amount
// its amount and data.reference its reference (which of the refund's or the
// payment's reference Checkout sends is UNCONFIRMED; the refund's is the
// one an adapter can check). The caller holds s.mu.
func (s *Server) ckoRefundEvent(r *refund) ckoEventJSON {
	o := r.outcome()
	p := r.payment
	when := r.finished
	if when.IsZero() {
		when = r.created
	}
	bal := ckoBalancesOf(p)
	d := ckoEventData{
		ID:              p.id,
		ActionID:        r.id,
		Amount:          minor(r.amount),
		Currency:        r.amount.Currency(),
		Reference:       r.reference,
		Approved:        o.approved,
		ResponseCode:    o.ckoCode,
		ResponseSummary: o.ckoSummary,
		ProcessedOn:     ckoTime(when),
		Metadata:        p.metadata,
		Balances:        &bal,
	}
	return s.ckoEvent(o.ckoEvent, p, r.id, when, d)
}

func (s *Server) ckoEvent(typ string, p *payment, action string, when time.Time, d ckoEventData) ckoEventJSON {
	id := derivedCheckoutID("evt", p.id, typ, action)
	return ckoEventJSON{
		ID:        id,
		Type:      typ,
		Version:   "2.0",
		CreatedOn: ckoTime(when),
		Data:      d,
		Links: ckoEventLinks{
			Self:    ckoLink{s.CheckoutBaseURL() + "/events/" + id},
			Payment: ckoLink{s.ckoPaymentURL(p)},
		},
	}
}
