package checkoutsim

import (
	"encoding/json"
	"net/http"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Checkout's Hosted Payments Page, from its API reference and
// checkout-sdk-go (payments/hosted): POST /hosted-payments answers 201
// with an hpp_ ID and the page's _links.redirect; the payment (pay_...)
// exists only once the shopper has paid on the page (by QPay or by card),
// and GET /hosted-payments/{id} then names it in payment_id. The page's
// status is "Payment Pending", "Payment Received" or "Expired". A shopper
// who cancels is sent to cancel_url and no payment is made.

// hostedPage is the page part of a payment made through it.
type hostedPage struct {
	id        string // hpp_...
	cancelURL string
}

type ckoHostedRequest struct {
	Amount      json.RawMessage `json:"amount"`
	Currency    string          `json:"currency"`
	Reference   string          `json:"reference"`
	Description string          `json:"description"`
	Customer    *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"customer"`
	Billing *struct {
		Address *struct {
			Country string `json:"country"`
		} `json:"address"`
	} `json:"billing"`
	SuccessURL          string          `json:"success_url"`
	FailureURL          string          `json:"failure_url"`
	CancelURL           string          `json:"cancel_url"`
	Metadata            json.RawMessage `json:"metadata"`
	ProcessingChannelID string          `json:"processing_channel_id"`
	AllowPaymentMethods []string        `json:"allow_payment_methods"`
	AmountAllocations   json.RawMessage `json:"amount_allocations"`
}

// hostedMethods are the page's methods: what allow_payment_methods
// lists, or every method of the simulated account (QPay and cards).
func hostedMethods(allow []string) ([]string, bool) {
	if len(allow) == 0 {
		return []string{sim.MethodQPay, sim.MethodCard}, true
	}
	var out []string
	for _, m := range allow {
		switch m {
		case "qpay":
			out = append(out, sim.MethodQPay)
		case "card":
			out = append(out, sim.MethodCard)
		default:
			return nil, false
		}
	}
	return out, true
}

func (rt *Route) createHosted(r *http.Request, body []byte) sim.Reply {
	var req ckoHostedRequest
	if rep, ok := decodeCko(body, &req); !ok {
		return rep
	}
	minor, codes := orderCodes(req.Amount, req.Currency, req.Reference, req.Description)
	if req.Billing == nil || req.Billing.Address == nil || req.Billing.Address.Country == "" {
		codes = append(codes, "billing_address_country_required")
	}
	for _, u := range []struct{ code, v string }{
		{"success_url", req.SuccessURL}, {"failure_url", req.FailureURL}, {"cancel_url", req.CancelURL},
	} {
		switch {
		case u.v == "":
			codes = append(codes, u.code+"_required")
		case len(u.v) > 255 || !sim.AbsoluteHTTPURL(u.v):
			codes = append(codes, u.code+"_invalid")
		}
	}
	methods, ok := hostedMethods(req.AllowPaymentMethods)
	if !ok {
		codes = append(codes, "allow_payment_methods_invalid")
	}
	if len(req.AmountAllocations) > 0 && string(req.AmountAllocations) != "null" {
		// The simulated account is not a Platforms account (and Platforms
		// list no QPay support).
		codes = append(codes, "amount_allocations_invalid")
	}
	codes = append(codes, metadataCodes(req.Metadata)...)
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
	p.Methods = methods
	desc := req.Description
	if desc == "" {
		desc = "Order " + req.Reference
	}
	acct := rt.accountOf(r)
	d := &payment{
		acct:       acct,
		failureURL: req.FailureURL,
		sessionID:  newID("sid"),
		pun:        sim.RandomFrom(sim.Base32Lower, 20),
		sourceDesc: desc,
		hosted:     &hostedPage{id: hostedID(), cancelURL: req.CancelURL},
	}
	if c := req.Customer; c != nil {
		d.cust = customer{email: c.Email, name: c.Name}
	}
	d.cust.id = acct.customerID(d.cust.email)
	p.Data = d
	rt.c.Add(p)
	rt.c.Alias(p, d.sessionID)
	rt.c.Alias(p, d.hosted.id)
	return sim.JSONReply(http.StatusCreated, ckoHostedCreated{
		ID:        d.hosted.id,
		Reference: p.Reference,
		Links:     ckoHostedLinks{Self: ckoLink{rt.hostedURL(d.hosted)}, Redirect: ckoLink{rt.c.PageURL(p)}},
		Warnings:  []string{},
	})
}

// customerID finds or makes the merchant's customer of an email, as at
// Checkout. The caller holds the lock.
func (a *account) customerID(email string) string {
	id := a.customers[email]
	if id == "" {
		id = newID("cus")
	}
	if email != "" {
		a.customers[email] = id
	}
	return id
}

// hostedID looks like Checkout's page IDs (hpp_kQhs_fI9b8oQ).
func hostedID() string { return "hpp_" + sim.RandomFrom(sim.Alnum, 12) }

func (rt *Route) hostedURL(h *hostedPage) string { return rt.BaseURL() + "/hosted-payments/" + h.id }

func (rt *Route) getHosted(r *http.Request, _ []byte) sim.Reply {
	id := r.PathValue("id")
	return rt.c.WithPayment(func() *sim.Payment {
		p := rt.c.ByAlias(id)
		if p == nil || p.Route != rt || ck(p).hosted == nil || ck(p).hosted.id != id || !rt.mine(r, p) {
			return nil // another merchant's page is not found either
		}
		return p
	}, notFound, func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, rt.hostedDetails(p)) })
}

// paid reports whether p's payment exists: always for a direct payment,
// once the shopper has paid (or been declined) on a hosted page.
func paid(p *sim.Payment) bool { return ck(p).hosted == nil || p.Method != "" }

// hostedDetails renders GET /hosted-payments/{id}. The caller holds the
// lock.
func (rt *Route) hostedDetails(p *sim.Payment) ckoHostedDetails {
	h := ck(p).hosted
	out := ckoHostedDetails{
		ID:          h.id,
		Status:      "Payment Pending",
		Amount:      minor(p.Amount),
		Currency:    p.Amount.Currency(),
		Reference:   p.Reference,
		Description: p.Description,
		SuccessURL:  p.ReturnURL,
		FailureURL:  ck(p).failureURL,
		CancelURL:   h.cancelURL,
		Metadata:    p.Metadata,
		Links:       ckoHostedLinks{Self: ckoLink{rt.hostedURL(h)}, Redirect: ckoLink{rt.c.PageURL(p)}},
	}
	switch {
	case paid(p):
		out.PaymentID = p.ID
		if p.State == status.Captured {
			out.Status = "Payment Received"
		}
	case p.State == status.Expired:
		out.Status = "Expired"
	}
	return out
}

type ckoHostedCreated struct {
	ID        string         `json:"id"`
	Reference string         `json:"reference,omitempty"`
	Links     ckoHostedLinks `json:"_links"`
	Warnings  []string       `json:"warnings"`
}

type ckoHostedLinks struct {
	Self     ckoLink `json:"self"`
	Redirect ckoLink `json:"redirect"`
}

type ckoHostedDetails struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	PaymentID   string          `json:"payment_id,omitempty"`
	Amount      int64           `json:"amount"`
	Currency    string          `json:"currency"`
	Reference   string          `json:"reference,omitempty"`
	Description string          `json:"description,omitempty"`
	SuccessURL  string          `json:"success_url"`
	FailureURL  string          `json:"failure_url"`
	CancelURL   string          `json:"cancel_url"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Links       ckoHostedLinks  `json:"_links"`
}

// cardSourceOf is a card payment's source, as Checkout reports one.
func cardSourceOf(p *sim.Payment) ckoSource {
	return ckoSource{Type: "card", Scheme: "Visa", Last4: p.CardLast4, Bin: p.CardFirst6, CardType: "CREDIT"}
}
