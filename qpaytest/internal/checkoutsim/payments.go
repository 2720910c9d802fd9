package checkoutsim

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// This file is Checkout.com's side of the wire, written from Checkout's
// documentation and OpenAPI document (shared/reference/checkout-api.md),
// not from the adapter.
//
// The error codes for a bad field follow Checkout's naming (amount_invalid,
// currency_invalid, payment_source_required, amount_exceeds_balance are
// documented); the per-field ones such as source_description_invalid are
// illustrative, since Checkout publishes no complete list.

// ValidationError is the body of Checkout's 422.
type ValidationError struct {
	RequestID  string   `json:"request_id"`
	ErrorType  string   `json:"error_type"`
	ErrorCodes []string `json:"error_codes"`
}

// ckoInvalid is Checkout's 422 ValidationError.
func ckoInvalid(codes ...string) sim.Reply {
	return sim.JSONReply(http.StatusUnprocessableEntity, ValidationError{requestID(), "request_invalid", codes})
}

func decodeCko(body []byte, v any) (sim.Reply, bool) {
	err := json.Unmarshal(body, v)
	if err == nil {
		return sim.Reply{}, true
	}
	var syn *json.SyntaxError
	if len(body) == 0 || errors.As(err, &syn) {
		return ckoInvalid("request_json_invalid"), false
	}
	return ckoInvalid("request_invalid"), false
}

type ckoPaymentRequest struct {
	Amount      json.RawMessage `json:"amount"`
	Currency    string          `json:"currency"`
	Reference   string          `json:"reference"`
	Description string          `json:"description"`
	Customer    *struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"customer"`
	SuccessURL          string          `json:"success_url"`
	FailureURL          string          `json:"failure_url"`
	Metadata            json.RawMessage `json:"metadata"`
	ProcessingChannelID string          `json:"processing_channel_id"`
	Source              *struct {
		Type        string          `json:"type"`
		Description *string         `json:"description"`
		Quantity    json.RawMessage `json:"quantity"`
		Language    string          `json:"language"`
		NationalID  string          `json:"national_id"`
	} `json:"source"`
}

// ckoMaxMinor is Checkout's bound: an amount "must not contain more than
// nine digits" (docs: "Format the amount value").
const ckoMaxMinor = 999_999_999

// ckoMinor reads an amount in minor units: a JSON integer, above zero for
// a QPay payment (a 0 amount is a card verification at Checkout), of at
// most nine digits.
func ckoMinor(raw json.RawMessage) (int64, bool) {
	var n money.MinorUnits // bounded: the request is untrusted
	err := n.UnmarshalJSON(raw)
	return n.Int64(), err == nil && n > 0 && n <= ckoMaxMinor // null leaves n at 0
}

// orderCodes checks what every Checkout request that creates a payment
// carries (a payment or a hosted page): the amount in minor units, QAR, and
// the reference's and description's lengths. It returns the amount and the
// error codes in the order they are listed.
func orderCodes(amount json.RawMessage, currency, reference, description string) (int64, []string) {
	var codes []string
	minor, ok := ckoMinor(amount)
	if !ok {
		codes = append(codes, "amount_invalid")
	}
	switch {
	case currency == "":
		codes = append(codes, "currency_required")
	case currency != "QAR":
		codes = append(codes, "currency_invalid") // QPay takes QAR only
	}
	if utf8.RuneCountInString(reference) > 50 {
		codes = append(codes, "reference_invalid")
	}
	if utf8.RuneCountInString(description) > 100 {
		codes = append(codes, "description_invalid")
	}
	return minor, codes
}

// metadataCodes refuses metadata that is present but not a JSON object.
func metadataCodes(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []string{"metadata_invalid"}
	}
	return nil
}

func (rt *Route) createPayment(r *http.Request, body []byte) sim.Reply {
	var req ckoPaymentRequest
	if rep, ok := decodeCko(body, &req); !ok {
		return rep
	}
	minor, codes := orderCodes(req.Amount, req.Currency, req.Reference, req.Description)
	for _, u := range []struct{ code, v string }{{"success_url_invalid", req.SuccessURL}, {"failure_url_invalid", req.FailureURL}} {
		if u.v != "" && (len(u.v) > 255 || !sim.AbsoluteHTTPURL(u.v)) {
			codes = append(codes, u.code)
		}
	}
	if c := req.Customer; c != nil {
		if c.Email != "" && (len(c.Email) > 255 || !strings.Contains(c.Email, "@")) {
			codes = append(codes, "customer_email_invalid")
		}
		if utf8.RuneCountInString(c.Name) > 255 {
			codes = append(codes, "customer_name_invalid")
		}
	}
	codes = append(codes, metadataCodes(req.Metadata)...)
	src := req.Source
	switch {
	case src == nil || src.Type == "":
		codes = append(codes, "payment_source_required")
	case src.Type != "qpay":
		codes = append(codes, "payment_source_type_invalid") // only QPay is enabled on the simulated account
	default:
		switch {
		case src.Description == nil || strings.TrimSpace(*src.Description) == "":
			codes = append(codes, "source_description_required")
		case len(url.PathEscape(*src.Description)) > 255:
			// "max 255 characters after UTF-8 URL encoding": an Arabic
			// description of 100 characters is already too long.
			codes = append(codes, "source_description_invalid")
		}
		if len(src.Quantity) > 0 {
			// An integer of at least 1, as the OpenAPI document says; the
			// docs' own example sends the string "1", which is refused here.
			if n, err := strconv.ParseInt(string(src.Quantity), 10, 64); err != nil || n < 1 {
				codes = append(codes, "source_quantity_invalid")
			}
		}
		switch strings.ToLower(src.Language) {
		case "", "en", "ar":
		default:
			codes = append(codes, "source_language_invalid")
		}
		if utf8.RuneCountInString(src.NationalID) > 32 {
			codes = append(codes, "source_national_id_invalid")
		}
	}
	if len(codes) > 0 {
		return ckoInvalid(codes...)
	}
	amount, err := money.FromMinor(minor, req.Currency)
	if err != nil {
		return ckoInvalid("amount_invalid")
	}

	rt.c.Lock()
	defer rt.c.Unlock()
	p := rt.newPayment(r, amount, req.Reference, req.Description, req.Metadata, req.SuccessURL)
	acct := rt.accountOf(r)
	d := &payment{
		acct:       acct,
		failureURL: req.FailureURL,
		sessionID:  newID("sid"),
		pun:        sim.RandomFrom(sim.Base32Lower, 20),
		sourceDesc: *src.Description,
		language:   strings.ToLower(src.Language),
	}
	p.Data = d
	if c := req.Customer; c != nil {
		d.cust = customer{id: c.ID, email: c.Email, name: c.Name}
	}
	if d.cust.id == "" {
		d.cust.id = acct.customerID(d.cust.email)
	}
	rt.c.Add(p)
	rt.c.Alias(p, d.sessionID)
	rep := sim.JSONReply(http.StatusAccepted, ckoAccepted{
		ID:        p.ID,
		Status:    "Pending",
		Reference: p.Reference,
		Customer:  ckoCustomer{ID: d.cust.id},
		Links:     ckoAcceptedLinks{Self: ckoLink{rt.paymentURL(p)}, Redirect: ckoLink{rt.c.PageURL(p)}},
	})
	out := rt.c.PaymentNotices(p) // payment_pending
	rep.After = func() { rt.c.Send(out) }
	return rep
}

// lookup finds a payment by pay_ ID or by a session ID still valid: the
// session is issued when the shopper is sent back, as the payment
// finishes. The caller holds the lock.
func (rt *Route) lookup(id string) *sim.Payment {
	if strings.HasPrefix(id, "sid_") {
		p := rt.c.ByAlias(id)
		if p == nil || p.Route != rt || p.Finished.IsZero() || !paid(p) || !rt.c.Now().Before(p.Finished.Add(SessionLifetime)) {
			return nil
		}
		return p
	}
	return rt.ownPaid(id)
}

func (rt *Route) getPayment(r *http.Request, _ []byte) sim.Reply {
	// payment_expired is sent before the answer that reports it.
	return rt.c.WithPayment(func() *sim.Payment {
		if p := rt.lookup(r.PathValue("id")); rt.mine(r, p) {
			return p
		}
		return nil // another merchant's payment is not found, as at Checkout
	}, notFound,
		func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, rt.payment(p)) })
}

// ownPaid is the payment pay_ id of this route, nil if it does not
// exist yet (a hosted page not paid). The caller holds the lock.
func (rt *Route) ownPaid(id string) *sim.Payment {
	if p := rt.c.Own(rt, id); p != nil && paid(p) {
		return p
	}
	return nil
}

// notFound is Checkout's 404: no body.
var notFound = sim.Reply{Status: http.StatusNotFound}

// own finds a payment of this route by its pay_ ID, for WithPayment.
func (rt *Route) own(r *http.Request) func() *sim.Payment {
	return func() *sim.Payment {
		if p := rt.ownPaid(r.PathValue("id")); rt.mine(r, p) {
			return p
		}
		return nil
	}
}

func (rt *Route) actions(r *http.Request, _ []byte) sim.Reply {
	return rt.c.WithPayment(rt.own(r), notFound,
		func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, actionList(p)) })
}

type ckoRefundRequest struct {
	Amount    json.RawMessage `json:"amount"`
	Reference string          `json:"reference"`
	Metadata  json.RawMessage `json:"metadata"`
}

func (rt *Route) refund(r *http.Request, body []byte) sim.Reply {
	var req ckoRefundRequest
	if len(body) > 0 {
		if rep, ok := decodeCko(body, &req); !ok {
			return rep
		}
	}
	return rt.c.WithPayment(rt.own(r), notFound, func(p *sim.Payment) sim.Reply { return rt.newRefund(p, req) })
}

// newRefund checks and records a refund of p. The caller holds the lock.
func (rt *Route) newRefund(p *sim.Payment, req ckoRefundRequest) sim.Reply {
	left := p.Refundable()
	if p.State != status.Captured || left.IsZero() {
		return sim.Reply{Status: http.StatusForbidden} // "Refund not allowed", no body
	}
	var codes []string
	amount := left // no amount: a full refund of what is left
	if len(req.Amount) > 0 && string(req.Amount) != "null" {
		minor, ok := ckoMinor(req.Amount)
		m, err := money.FromMinor(minor, p.Amount.Currency())
		switch {
		case !ok || err != nil:
			codes = append(codes, "amount_invalid")
		default:
			amount = m
			if c, _ := m.Cmp(left); c > 0 {
				codes = append(codes, "amount_exceeds_balance")
			}
		}
	}
	if utf8.RuneCountInString(req.Reference) > 50 {
		codes = append(codes, "reference_invalid")
	}
	codes = append(codes, metadataCodes(req.Metadata)...)
	if len(codes) > 0 {
		return ckoInvalid(codes...)
	}
	rf := &sim.Refund{
		ID:        newID("act"),
		Payment:   p,
		Created:   rt.c.Now(),
		Amount:    amount,
		Reference: req.Reference,
		Metadata:  sim.CompactJSON(req.Metadata),
		State:     status.RefundPending,
		Decline:   sim.MagicRefundDecline(amount),
	}
	rt.c.AddRefund(rf)
	rep := sim.JSONReply(http.StatusAccepted, ckoRefundAccepted{
		ActionID:  rf.ID,
		Reference: rf.Reference,
		Links:     ckoRefundLinks{Payment: ckoLink{rt.paymentURL(p)}},
	})
	rep.After = func() { rt.c.SettleRefund(rf) }
	return rep
}

// newPayment is a payment the shopper is yet to pay, made the same way by
// POST /payments and POST /hosted-payments (which keeps its ID back until
// the shopper pays). The caller holds the lock and sets Data.
func (rt *Route) newPayment(r *http.Request, amount money.Money, reference, description string, metadata json.RawMessage, successURL string) *sim.Payment {
	now := rt.c.Now()
	return &sim.Payment{
		Route:          rt,
		ID:             newID("pay"),
		Created:        now,
		Expires:        now.Add(rt.c.Expiry()),
		Amount:         amount,
		Reference:      reference,
		Description:    description,
		Metadata:       sim.CompactJSON(metadata),
		ReturnURL:      successURL,
		IdempotencyKey: r.Header.Get("Cko-Idempotency-Key"),
		State:          status.Pending,
	}
}
