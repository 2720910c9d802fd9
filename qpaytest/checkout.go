package qpaytest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qpay-go/qpay/money"
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

type ckoValidationError struct {
	RequestID  string   `json:"request_id"`
	ErrorType  string   `json:"error_type"`
	ErrorCodes []string `json:"error_codes"`
}

// ckoInvalid is Checkout's 422 ValidationError.
func ckoInvalid(codes ...string) reply {
	return jsonReply(http.StatusUnprocessableEntity, ckoValidationError{requestID(), "request_invalid", codes})
}

func decodeCko(body []byte, v any) (reply, bool) {
	err := json.Unmarshal(body, v)
	if err == nil {
		return reply{}, true
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
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil && n > 0 && n <= ckoMaxMinor
}

func (s *Server) ckoCreatePayment(r *http.Request, body []byte) reply {
	var req ckoPaymentRequest
	if rep, ok := decodeCko(body, &req); !ok {
		return rep
	}
	var codes []string
	minor, ok := ckoMinor(req.Amount)
	if !ok {
		codes = append(codes, "amount_invalid")
	}
	switch {
	case req.Currency == "":
		codes = append(codes, "currency_required")
	case req.Currency != "QAR":
		codes = append(codes, "currency_invalid") // QPay takes QAR only
	}
	if utf8.RuneCountInString(req.Reference) > 50 {
		codes = append(codes, "reference_invalid")
	}
	if utf8.RuneCountInString(req.Description) > 100 {
		codes = append(codes, "description_invalid")
	}
	for _, u := range []struct{ code, v string }{{"success_url_invalid", req.SuccessURL}, {"failure_url_invalid", req.FailureURL}} {
		if u.v != "" && (len(u.v) > 255 || !absoluteHTTPURL(u.v)) {
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
	if len(req.Metadata) > 0 && string(req.Metadata) != "null" {
		var m map[string]json.RawMessage
		if json.Unmarshal(req.Metadata, &m) != nil {
			codes = append(codes, "metadata_invalid")
		}
	}
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

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := &payment{
		provider:    ProviderCheckout,
		id:          checkoutID("pay"),
		token:       pageToken(),
		created:     now,
		expires:     now.Add(s.opts.Expiry),
		amount:      amount,
		reference:   req.Reference,
		description: req.Description,
		metadata:    compactJSON(req.Metadata),
		returnURL:   req.SuccessURL,
		failureURL:  req.FailureURL,
		idemKey:     r.Header.Get("Cko-Idempotency-Key"),
		state:       status.Pending,
		sessionID:   checkoutID("sid"),
		pun:         randomFrom(base32Lower, 20),
		sourceDesc:  *src.Description,
	}
	if c := req.Customer; c != nil {
		p.cust = customer{id: c.ID, email: c.Email, name: c.Name}
	}
	if p.cust.id == "" {
		// An email finds the existing customer, as at Checkout.
		p.cust.id = s.customers[p.cust.email]
		if p.cust.id == "" {
			p.cust.id = checkoutID("cus")
		}
		if p.cust.email != "" {
			s.customers[p.cust.email] = p.cust.id
		}
	}
	s.add(p)
	rep := jsonReply(http.StatusAccepted, ckoAccepted{
		ID:        p.id,
		Status:    "Pending",
		Reference: p.reference,
		Customer:  ckoCustomer{ID: p.cust.id},
		Links:     ckoAcceptedLinks{Self: ckoLink{s.ckoPaymentURL(p)}, Redirect: ckoLink{s.pageURL(p)}},
	})
	out := s.pendingWebhooks(p)
	rep.after = func() { s.send(out) }
	return rep
}

// ckoLookup finds a payment by pay_ ID or by a session ID still valid. The
// caller holds s.mu.
func (s *Server) ckoLookup(id string) *payment {
	if strings.HasPrefix(id, "sid_") {
		p := s.bySession[id]
		if p == nil || p.sessionIssued.IsZero() || !s.now().Before(p.sessionIssued.Add(SessionLifetime)) {
			return nil
		}
		return p
	}
	if p := s.payments[id]; p != nil && p.provider == ProviderCheckout {
		return p
	}
	return nil
}

func (s *Server) ckoGetPayment(r *http.Request, _ []byte) reply {
	s.mu.Lock()
	p := s.ckoLookup(r.PathValue("id"))
	if p == nil {
		s.mu.Unlock()
		return reply{status: http.StatusNotFound}
	}
	out := s.expireIfDue(p)
	rep := jsonReply(http.StatusOK, s.ckoPayment(p))
	s.mu.Unlock()
	s.send(out) // payment_expired, before the answer that reports it
	return rep
}

func (s *Server) ckoActions(r *http.Request, _ []byte) reply {
	s.mu.Lock()
	p := s.payments[r.PathValue("id")]
	if p == nil || p.provider != ProviderCheckout {
		s.mu.Unlock()
		return reply{status: http.StatusNotFound}
	}
	out := s.expireIfDue(p)
	rep := jsonReply(http.StatusOK, s.ckoActionList(p))
	s.mu.Unlock()
	s.send(out)
	return rep
}

type ckoRefundRequest struct {
	Amount    json.RawMessage `json:"amount"`
	Reference string          `json:"reference"`
	Metadata  json.RawMessage `json:"metadata"`
}

func (s *Server) ckoRefund(r *http.Request, body []byte) reply {
	var req ckoRefundRequest
	if len(body) > 0 {
		if rep, ok := decodeCko(body, &req); !ok {
			return rep
		}
	}
	s.mu.Lock()
	p := s.payments[r.PathValue("id")]
	if p == nil || p.provider != ProviderCheckout {
		s.mu.Unlock()
		return reply{status: http.StatusNotFound}
	}
	out := s.expireIfDue(p)
	rep := s.ckoNewRefund(p, req)
	s.mu.Unlock()
	s.send(out)
	return rep
}

// ckoNewRefund checks and records a refund of p. The caller holds s.mu.
func (s *Server) ckoNewRefund(p *payment, req ckoRefundRequest) reply {
	left := p.refundable()
	if p.state != status.Captured || left.IsZero() {
		return reply{status: http.StatusForbidden} // "Refund not allowed", no body
	}
	var codes []string
	amount := left // no amount: a full refund of what is left
	if len(req.Amount) > 0 && string(req.Amount) != "null" {
		minor, ok := ckoMinor(req.Amount)
		m, err := money.FromMinor(minor, p.amount.Currency())
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
	if len(req.Metadata) > 0 && string(req.Metadata) != "null" {
		var m map[string]json.RawMessage
		if json.Unmarshal(req.Metadata, &m) != nil {
			codes = append(codes, "metadata_invalid")
		}
	}
	if len(codes) > 0 {
		return ckoInvalid(codes...)
	}
	rf := &refund{
		id:        checkoutID("act"),
		payment:   p,
		created:   s.now(),
		amount:    amount,
		reference: req.Reference,
		metadata:  compactJSON(req.Metadata),
		state:     status.RefundPending,
		decline:   magicRefundDecline(amount),
	}
	s.addRefund(rf)
	rep := jsonReply(http.StatusAccepted, ckoRefundAccepted{
		ActionID:  rf.id,
		Reference: rf.reference,
		Links:     ckoRefundLinks{Payment: ckoLink{s.ckoPaymentURL(p)}},
	})
	rep.after = func() { s.settleRefund(rf) }
	return rep
}
