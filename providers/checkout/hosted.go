package checkout

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// This file is Checkout's Hosted Payments Page: POST /hosted-payments
// creates a page (hpp_...), the payment (pay_...) is created when the
// shopper pays on it, and GET /hosted-payments/{id} names that payment
// (payment_id). See doc.go, "Hosted Payments Page".

const (
	hostedPrefix = "hpp_"
	sourceCard   = "card"
	// hostedCountry is the billing country sent with every hosted page,
	// which Checkout requires (billing.address.country) and qpay does not
	// collect: QPay is Qatar's scheme.
	hostedCountry = "QA"
)

// Supports implements driver.Capable. Checkout's Platforms list no QPay
// support for amount_allocations and are offered to UK, EEA and US
// entities only, so splits are refused for every page. The hosted page
// has no field for the QPay source's national ID, and its documented
// locales no Arabic, so those are refused with a hosted page too rather
// than dropped.
func (a *adapter) Supports(req qpay.PaymentRequest) error {
	if len(req.Splits) > 0 {
		return driver.Unsupported("checkout: amount_allocations (Platforms) are not documented for QPay, nor offered to Qatari entities; qpay does not send splits to Checkout")
	}
	if req.Page != qpay.PageQPay {
		if req.NationalID != "" {
			return driver.Unsupported("checkout: the Hosted Payments Page has no field for the QPay national ID; use the direct QPay page (PageQPay) to send it")
		}
		if req.Language == "ar" {
			return driver.Unsupported("checkout: the Hosted Payments Page documents no Arabic locale; use the direct QPay page (PageQPay) for an Arabic QPay page")
		}
	}
	return nil
}

// hostedRequest is the body of POST /hosted-payments.
type hostedRequest struct {
	Amount              int64             `json:"amount"`
	Currency            string            `json:"currency"`
	Reference           string            `json:"reference"`
	Description         string            `json:"description,omitempty"`
	Customer            *customerRequest  `json:"customer,omitempty"`
	Billing             hostedBilling     `json:"billing"`
	SuccessURL          string            `json:"success_url"`
	FailureURL          string            `json:"failure_url"`
	CancelURL           string            `json:"cancel_url"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	ProcessingChannelID string            `json:"processing_channel_id,omitempty"`
	AllowPaymentMethods []string          `json:"allow_payment_methods,omitempty"`
}

type hostedBilling struct {
	Address hostedAddress `json:"address"`
}

type hostedAddress struct {
	Country string `json:"country"`
}

// allowedMethods limits the page: QPay only when the merchant requires
// it (UNCONFIRMED that Checkout takes "qpay" in allow_payment_methods; it
// is the QPay source type, and the page lists QPay), cards only for
// PageHostedCards, and every method enabled on the account otherwise.
func allowedMethods(req qpay.PaymentRequest) []string {
	switch {
	case req.RequireQPay:
		return []string{sourceQPay}
	case req.Page == qpay.PageHostedCards:
		return []string{sourceCard}
	}
	return nil
}

func newHostedRequest(req qpay.PaymentRequest, channel string) (*hostedRequest, error) {
	minor, err := req.Amount.Minor()
	if err != nil {
		return nil, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "amount cannot be sent in minor units", Err: err}
	}
	body := &hostedRequest{
		Amount:              minor,
		Currency:            req.Amount.Currency(),
		Reference:           req.Reference,
		Description:         req.Description,
		Billing:             hostedBilling{Address: hostedAddress{Country: hostedCountry}},
		SuccessURL:          req.ReturnURL,
		FailureURL:          cmp.Or(req.FailureURL, req.ReturnURL),
		CancelURL:           cmp.Or(req.FailureURL, req.ReturnURL),
		Metadata:            req.Metadata,
		ProcessingChannelID: channel,
		AllowPaymentMethods: allowedMethods(req),
	}
	if req.Customer.Email != "" || req.Customer.Name != "" {
		body.Customer = &customerRequest{Email: req.Customer.Email, Name: req.Customer.Name}
	}
	return body, nil
}

// hostedResponse is the 201 of POST /hosted-payments and, with more
// fields, GET /hosted-payments/{id}.
type hostedResponse struct {
	ID        string                     `json:"id"`
	Status    string                     `json:"status"`
	Reference string                     `json:"reference"`
	Amount    *money.MinorUnits          `json:"amount"`
	Currency  string                     `json:"currency"`
	PaymentID string                     `json:"payment_id"`
	Metadata  map[string]json.RawMessage `json:"metadata"`
	Links     links                      `json:"_links"`
}

// hostedStatus maps the page's own status (checkout-sdk-go's
// hosted.PaymentStatus). A received payment is read through its
// payment_id; one received without it is still being processed.
func hostedStatus(s string) status.Status {
	switch s {
	case "Payment Pending":
		return status.Pending
	case "Payment Received":
		return status.Processing
	case "Expired":
		return status.Expired
	}
	return status.Unknown
}

func (a *adapter) createHosted(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	body, err := newHostedRequest(req, a.channel)
	if err != nil {
		return nil, err
	}
	var out hostedResponse
	resp, err := a.http.DoJSON(ctx, transport.Request{
		Op:             qpay.OpCreatePayment,
		Method:         http.MethodPost,
		Path:           "/hosted-payments",
		Body:           body,
		IdempotencyKey: req.IdempotencyKey,
	}, &out)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(out.ID, hostedPrefix) {
		return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("the hosted page's ID %.40q is not an hpp_ ID", out.ID), Body: resp.Body}
	}
	// No payment exists until the shopper pays: the hpp_ ID stands for it
	// (GetPayment takes it), and the page is pending.
	return &qpay.Payment{
		ID:          out.ID,
		Status:      status.Pending,
		RawStatus:   "Payment Pending",
		Reference:   out.Reference,
		RedirectURL: out.Links.redirect(),
		Page:        req.Page,
		PageID:      out.ID,
		Raw:         resp.Body,
	}, nil
}

// getHosted reads a hosted page and, once the shopper has paid on it, the
// payment it names. The page's metadata stands in for the payment's where
// the payment lacks qpay's keys (UNCONFIRMED that Checkout copies the
// page's metadata to the payment).
func (a *adapter) getHosted(ctx context.Context, id, op string) (*qpay.Payment, *paymentResponse, error) {
	var h hostedResponse
	resp, err := a.http.DoJSON(ctx, transport.Request{
		Op:     op,
		Method: http.MethodGet,
		Path:   "/hosted-payments/" + url.PathEscape(id),
	}, &h)
	if err != nil {
		return nil, nil, err
	}
	if h.ID != id {
		// The portable layer lets an hpp_ ID come back as a pay_ ID, so
		// the page itself is checked here.
		return nil, nil, &qpay.Error{Kind: qpay.KindIntegrity, Message: fmt.Sprintf("asked for hosted page %s, the provider answered with %.40q", id, h.ID)}
	}
	if h.PaymentID != "" {
		if err := qpay.ValidateID(h.PaymentID); err != nil || !strings.HasPrefix(h.PaymentID, "pay_") {
			return nil, nil, &qpay.Error{Kind: qpay.KindProtocol, Message: "hosted page " + id + " names an unusable payment_id", Body: resp.Body}
		}
		p, out, err := a.getPayment(ctx, h.PaymentID, op)
		if err != nil {
			return nil, nil, err
		}
		if p.Reference != "" && h.Reference != "" && p.Reference != h.Reference {
			return nil, nil, &qpay.Error{Kind: qpay.KindIntegrity,
				Message: fmt.Sprintf("hosted page %s has reference %.40q, its payment %s %.40q", id, h.Reference, p.ID, p.Reference)}
		}
		mergeHostedMetadata(p, h.Metadata)
		p.PageID = h.ID
		return p, out, nil
	}
	p := &qpay.Payment{
		ID:          h.ID,
		Status:      hostedStatus(h.Status),
		RawStatus:   h.Status,
		Reference:   h.Reference,
		RedirectURL: h.Links.redirect(),
		Metadata:    metadata(h.Metadata),
		PageID:      h.ID,
		Raw:         resp.Body,
	}
	if h.Amount != nil {
		if p.Amount, err = money.FromMinor(h.Amount.Int64(), h.Currency); err != nil {
			return nil, nil, protocolError("hosted page amount", err)
		}
	}
	if p.Status != status.Pending {
		p.RedirectURL = ""
	}
	return p, nil, nil
}

// mergeHostedMetadata adds qpay's reserved keys from the page to a
// payment that does not carry them.
func mergeHostedMetadata(p *qpay.Payment, page map[string]json.RawMessage) {
	md := metadata(page)
	for _, k := range []string{qpay.MetadataPage, qpay.MetadataRequireQPay} {
		v, ok := md[k]
		if _, has := p.Metadata[k]; !ok || has {
			continue
		}
		if p.Metadata == nil {
			p.Metadata = map[string]string{}
		}
		p.Metadata[k] = v
	}
}

// methodOfSource reads how the shopper paid from a payment's source.
func methodOfSource(src *responseSource) qpay.Method {
	if src == nil || src.Type == "" {
		return qpay.Method{}
	}
	m := qpay.Method{Type: strings.ToLower(src.Type), Raw: src.Type, Scheme: src.Scheme}
	if m.Type == sourceQPay {
		m.Type = qpay.MethodQPay
	}
	return m
}

// hostedEvent reports whether an event's metadata says qpay made the
// payment on a hosted page: such a payment may be a card payment, and
// its events are then applied like a QPay payment's. The metadata is
// covered by Checkout's signature over the whole body.
func hostedEvent(md map[string]json.RawMessage) bool {
	_, ok := metadata(md)[qpay.MetadataPage]
	return ok
}
