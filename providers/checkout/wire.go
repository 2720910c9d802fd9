package checkout

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// This file holds Checkout's wire format: the bodies the adapter sends and
// the answers it reads, and the translations between them and qpay's types.

const (
	sourceQPay = "qpay"
	// maxSourceDescription is the QPay source description limit: "max 255
	// characters after UTF-8 URL encoding" (OAS PaymentRequestQPaySource).
	maxSourceDescription = 255
	// actionRefund is the type of a refund among a payment's actions.
	actionRefund = "Refund"
)

// paymentRequest is the body of POST /payments for a QPay payment.
type paymentRequest struct {
	Amount              int64             `json:"amount"`
	Currency            string            `json:"currency"`
	Reference           string            `json:"reference"`
	Description         string            `json:"description,omitempty"`
	Customer            *customerRequest  `json:"customer,omitempty"`
	SuccessURL          string            `json:"success_url"`
	FailureURL          string            `json:"failure_url"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	ProcessingChannelID string            `json:"processing_channel_id,omitempty"`
	Source              qpaySource        `json:"source"`
}

type customerRequest struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// qpaySource is the QPay payment source. Quantity is an integer as in the
// OAS and the SDK (the docs' example sends the string "1").
type qpaySource struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
	Language    string `json:"language"`
	NationalID  string `json:"national_id,omitempty"`
}

// newPaymentRequest translates a validated request. The amount goes out in
// exact minor units (QAR 79.10 is 7910).
func newPaymentRequest(req qpay.PaymentRequest, channel string) (*paymentRequest, error) {
	minor, err := req.Amount.Minor()
	if err != nil {
		return nil, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "amount cannot be sent in minor units", Err: err}
	}
	body := &paymentRequest{
		Amount:              minor,
		Currency:            req.Amount.Currency(),
		Reference:           req.Reference,
		Description:         req.Description,
		SuccessURL:          req.ReturnURL,
		FailureURL:          req.FailureURL,
		Metadata:            req.Metadata,
		ProcessingChannelID: channel,
		Source: qpaySource{
			Type:        sourceQPay,
			Description: sourceDescription(req),
			Quantity:    1,
			Language:    req.Language,
			NationalID:  req.NationalID,
		},
	}
	if body.FailureURL == "" {
		body.FailureURL = req.ReturnURL
	}
	if body.Source.Language == "" {
		body.Source.Language = "en"
	}
	if req.Customer.Email != "" || req.Customer.Name != "" {
		body.Customer = &customerRequest{Email: req.Customer.Email, Name: req.Customer.Name}
	}
	return body, nil
}

// sourceDescription is what the QPay page shows: the payment's description
// or, since Checkout requires one, "Order <reference>".
func sourceDescription(req qpay.PaymentRequest) string {
	d := req.Description
	if d == "" {
		d = "Order " + req.Reference
	}
	return truncateEncoded(d, maxSourceDescription)
}

// truncateEncoded shortens s, on a character boundary, until its
// percent-encoded form fits max bytes. UNCONFIRMED: Checkout does not say
// which URL encoding it measures; counting every byte outside RFC 3986's
// unreserved set as three is the strictest reading, so it is used. Only
// descriptions in non-Latin scripts come near the limit (qpay caps a
// description at 100 characters).
func truncateEncoded(s string, max int) string {
	n := 0
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		w := 0
		for _, b := range []byte(s[i : i+size]) {
			if isUnreserved(b) {
				w++
			} else {
				w += 3
			}
		}
		if n+w > max {
			return s[:i]
		}
		n += w
		i += size
	}
	return s
}

func isUnreserved(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
		b == '-' || b == '_' || b == '.' || b == '~'
}

// paymentResponse is both the 202 of POST /payments (id, status,
// reference, _links only) and the full payment of GET /payments/{id}.
type paymentResponse struct {
	ID              string                     `json:"id"`
	RequestedOn     string                     `json:"requested_on"`
	Source          *responseSource            `json:"source"`
	Amount          *money.MinorUnits          `json:"amount"`
	Currency        string                     `json:"currency"`
	Reference       string                     `json:"reference"`
	Status          string                     `json:"status"`
	Approved        *bool                      `json:"approved"`
	ResponseCode    transport.Text             `json:"response_code"`
	ResponseSummary transport.Text             `json:"response_summary"`
	Metadata        map[string]json.RawMessage `json:"metadata"`
	Balances        *balances                  `json:"balances"`
	Links           links                      `json:"_links"`
	Channel         channel                    `json:"processing_channel_id"` // owner.go
}

// responseSource is the QPay source of a payment or event. qpay_status and
// status_message explain a failure (OAS PaymentResponseQPaySource).
type responseSource struct {
	Type           string         `json:"type"`
	Description    string         `json:"description"`
	QPayStatus     transport.Text `json:"qpay_status"`
	StatusMessage  transport.Text `json:"status_message"`
	ConfirmationID string         `json:"confirmation_id"`
	// Scheme is a card source's scheme ("Visa"), for a hosted-page
	// payment made by card.
	Scheme string `json:"scheme"`
}

// balances is what current-platform accounts report about a payment's
// money; only the refunded total is used.
type balances struct {
	TotalRefunded *money.MinorUnits `json:"total_refunded"`
}

type links struct {
	Redirect *link `json:"redirect"`
}

type link struct {
	Href string `json:"href"`
}

func (l links) redirect() string {
	if l.Redirect == nil {
		return ""
	}
	return l.Redirect.Href
}

// acceptedPayment maps the 202 of POST /payments. It carries no amount:
// the portable layer reports the requested one rather than inventing one
// here.
func acceptedPayment(out *paymentResponse, raw []byte) *qpay.Payment {
	rawStatus := out.Status
	if rawStatus == "" {
		// A 202 means "asynchronous, further action required", and its only
		// documented status is Pending.
		rawStatus = "Pending"
	}
	return &qpay.Payment{
		ID:          out.ID,
		Owner:       out.Channel.owner(),
		Status:      paymentStatus(rawStatus),
		RawStatus:   rawStatus,
		Reference:   out.Reference,
		RedirectURL: out.Links.redirect(),
		Raw:         raw,
	}
}

// toPayment maps a full payment.
func toPayment(out *paymentResponse, raw []byte) (*qpay.Payment, error) {
	p := &qpay.Payment{
		ID:          out.ID,
		Owner:       out.Channel.owner(),
		Status:      paymentStatus(out.Status),
		RawStatus:   out.Status,
		Reference:   out.Reference,
		RedirectURL: out.Links.redirect(),
		Metadata:    metadata(out.Metadata),
		CreatedAt:   parseTime(out.RequestedOn),
		Method:      methodOfSource(out.Source),
		Raw:         raw,
	}
	if out.Amount != nil {
		amt, err := money.FromMinor(out.Amount.Int64(), out.Currency)
		if err != nil {
			return nil, protocolError("payment amount", err)
		}
		p.Amount = amt
		if out.Balances != nil && out.Balances.TotalRefunded != nil {
			if p.Refunded, err = money.FromMinor(out.Balances.TotalRefunded.Int64(), out.Currency); err != nil {
				return nil, protocolError("refunded total", err)
			}
		}
	}
	if p.Status.Failure() {
		p.FailureCode, p.FailureMessage = failureReason(out.Source, out.ResponseCode, out.ResponseSummary)
	}
	return p, nil
}

// failureReason prefers what the QPay gateway said over Checkout's generic
// response code.
func failureReason(src *responseSource, code, summary transport.Text) (string, string) {
	if src != nil {
		if src.QPayStatus != "" {
			code = src.QPayStatus
		}
		if src.StatusMessage != "" {
			summary = src.StatusMessage
		}
	}
	return string(code), string(summary)
}

// refundRequest is the body of POST /payments/{id}/refunds. The amount is
// always sent: qpay has no implicit full refund.
type refundRequest struct {
	Amount    int64             `json:"amount"`
	Reference string            `json:"reference"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

// newRefundRequest translates a validated refund request. Checkout has no
// reason field, so the reason travels in the metadata as "reason" (the
// documented example does the same), unless the caller's metadata already
// has that key.
func newRefundRequest(req qpay.RefundRequest) (*refundRequest, error) {
	minor, err := req.Amount.Minor()
	if err != nil {
		return nil, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "amount cannot be sent in minor units", Err: err}
	}
	md := req.Metadata
	if _, taken := md["reason"]; req.Reason != "" && !taken {
		md = make(map[string]string, len(req.Metadata)+1)
		for k, v := range req.Metadata {
			md[k] = v
		}
		md["reason"] = req.Reason
	}
	return &refundRequest{Amount: minor, Reference: req.Reference, Metadata: md}, nil
}

// refundAccepted is the 202 of POST /payments/{id}/refunds: accepted, not
// settled.
type refundAccepted struct {
	ActionID  string `json:"action_id"`
	Reference string `json:"reference"`
}

// action is one entry of GET /payments/{id}/actions.
type action struct {
	ID              string           `json:"id"`
	Type            string           `json:"type"`
	Amount          money.MinorUnits `json:"amount"`
	Approved        *bool            `json:"approved"`
	ProcessedOn     string           `json:"processed_on"`
	Reference       string           `json:"reference"`
	ResponseCode    transport.Text   `json:"response_code"`
	ResponseSummary transport.Text   `json:"response_summary"`
}

// metadata flattens Checkout's metadata, whose values may be any JSON, into
// strings: strings as they are, anything else as its JSON text.
func metadata(m map[string]json.RawMessage) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := transport.PlainJSONString(v); ok {
			out[k] = s
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}

// parseTime reads Checkout's RFC 3339 timestamps (with up to seven
// fractional digits in some examples). An unreadable time is reported as
// the zero time, which qpay documents as "not said", rather than failing a
// read whose status matters more.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
