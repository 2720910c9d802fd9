package mpgssim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// This file is the gateway's side of the wire (REST-JSON, version 100), as
// package mpgs documents it with its sources.

// errorBody is the gateway's error shape.
type errorBody struct {
	Result string    `json:"result"`
	Error  errorInfo `json:"error"`
}

type errorInfo struct {
	Cause          string `json:"cause"`
	Explanation    string `json:"explanation"`
	Field          string `json:"field,omitempty"`
	ValidationType string `json:"validationType,omitempty"`
}

func errorReply(code int, cause, explanation string) sim.Reply {
	return sim.JSONReply(code, errorBody{Result: "ERROR", Error: errorInfo{Cause: cause, Explanation: explanation}})
}

func invalidField(field, explanation string) sim.Reply {
	return sim.JSONReply(http.StatusBadRequest, errorBody{Result: "ERROR",
		Error: errorInfo{Cause: "INVALID_REQUEST", Explanation: explanation, Field: field, ValidationType: "INVALID"}})
}

func unknownOrder(id, merchant string) sim.Reply {
	return errorReply(http.StatusBadRequest, "INVALID_REQUEST", "Unable to find order = "+id+" for merchant "+merchant)
}

// transactionRequest is the body of a transaction PUT, both operations.
type transactionRequest struct {
	APIOperation   string `json:"apiOperation"`
	BrowserPayment *struct {
		Operation string `json:"operation"`
		ReturnURL string `json:"returnUrl"`
	} `json:"browserPayment"`
	Order *struct {
		Amount          string `json:"amount"`
		Currency        string `json:"currency"`
		Reference       string `json:"reference"`
		Description     string `json:"description"`
		NotificationURL string `json:"notificationUrl"`
	} `json:"order"`
	SourceOfFunds *struct {
		Type           string `json:"type"`
		BrowserPayment *struct {
			Type string `json:"type"`
		} `json:"browserPayment"`
	} `json:"sourceOfFunds"`
	Transaction *struct {
		Amount    string `json:"amount"`
		Currency  string `json:"currency"`
		Reference string `json:"reference"`
	} `json:"transaction"`
	Customer json.RawMessage `json:"customer"`
}

// The gateway's field rules: IDs at most 40 characters; amounts a string of
// 0-9 and '.', 1 to 14 characters. The references' limits are UNCONFIRMED
// (package mpgs) and not enforced.
var (
	idRule     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)
	amountRule = regexp.MustCompile(`^[0-9.]{1,14}$`)
)

func decode(body []byte) (transactionRequest, *sim.Reply) {
	var req transactionRequest
	if err := json.Unmarshal(body, &req); err != nil {
		rep := errorReply(http.StatusBadRequest, "INVALID_REQUEST", "Unable to parse the request as JSON")
		return req, &rep
	}
	return req, nil
}

// amount reads a request amount by the gateway's rule, exactly.
func amount(s, currency string) (money.Money, bool) {
	if !amountRule.MatchString(s) {
		return money.Money{}, false
	}
	m, err := money.Parse(s, currency)
	return m, err == nil && m.IsPositive()
}

func (rt *Route) initiate(r *http.Request, body []byte) sim.Reply {
	req, bad := decode(body)
	if bad != nil {
		return *bad
	}
	orderID, txID := r.PathValue("order"), PaymentTransactionID
	switch {
	case req.APIOperation != "INITIATE_BROWSER_PAYMENT":
		return invalidField("apiOperation", "Value '"+req.APIOperation+"' is invalid. This simulator takes INITIATE_BROWSER_PAYMENT only on transaction "+PaymentTransactionID)
	case !idRule.MatchString(orderID):
		return invalidField("order.id", "Value '"+orderID+"' is invalid. Length must be less than 41")
	case req.SourceOfFunds == nil || req.SourceOfFunds.Type != "BROWSER_PAYMENT" || req.SourceOfFunds.BrowserPayment == nil ||
		req.SourceOfFunds.BrowserPayment.Type != "QPAY":
		return invalidField("sourceOfFunds.browserPayment.type", "Only QPAY browser payments are enabled for this merchant")
	case req.BrowserPayment == nil || req.BrowserPayment.Operation != "PAY":
		return invalidField("browserPayment.operation", "QPAY supports the PAY operation only")
	case !sim.AbsoluteHTTPURL(req.BrowserPayment.ReturnURL) || len(req.BrowserPayment.ReturnURL) <= 11:
		return invalidField("browserPayment.returnUrl", "Value is invalid. Ensure that the URL is absolute and longer than 11 characters")
	case req.Order == nil:
		return invalidField("order", "Missing parameter")
	case req.Order.Currency != "QAR":
		return invalidField("order.currency", "QPAY supports QAR only")
	}
	m, ok := amount(req.Order.Amount, req.Order.Currency)
	if !ok {
		return invalidField("order.amount", "Value '"+req.Order.Amount+"' is invalid")
	}

	rt.c.Lock()
	defer rt.c.Unlock()
	if p := rt.c.Payment(orderID); p != nil {
		// UNCONFIRMED what the gateway answers (package mpgs); order IDs
		// are unique per merchant, so it never makes a second order.
		return invalidField("order.id", "Transaction with id '"+txID+"' already exists for order '"+orderID+"'")
	}
	now := rt.c.Now()
	p := &sim.Payment{
		Route:       rt,
		ID:          orderID,
		Created:     now,
		Expires:     now.Add(rt.c.Expiry()),
		Amount:      m,
		Reference:   req.Order.Reference,
		Description: req.Order.Description,
		ReturnURL:   req.BrowserPayment.ReturnURL,
		State:       status.Pending,
		Data:        &orderData{notificationURL: req.Order.NotificationURL, description: req.Order.Description, customer: sim.CompactJSON(req.Customer)},
	}
	rt.c.Add(p)
	return sim.JSONReply(http.StatusCreated, rt.transaction(p, nil, true))
}

func (rt *Route) refund(r *http.Request, body []byte) sim.Reply {
	req, bad := decode(body)
	if bad != nil {
		return *bad
	}
	orderID, txID := r.PathValue("order"), r.PathValue("transaction")
	switch {
	case req.APIOperation != "REFUND":
		return invalidField("apiOperation", "Value '"+req.APIOperation+"' is invalid. This simulator takes INITIATE_BROWSER_PAYMENT on transaction "+PaymentTransactionID+" only")
	case !idRule.MatchString(txID):
		return invalidField("transaction.id", "Value '"+txID+"' is invalid. Length must be less than 41")
	case req.SourceOfFunds != nil:
		return invalidField("sourceOfFunds", "A refund must not provide sourceOfFunds")
	case req.Transaction == nil:
		return invalidField("transaction", "Missing parameter")
	}
	return rt.c.WithPayment(func() *sim.Payment { return rt.c.Own(rt, orderID) }, unknownOrder(orderID, rt.opts.MerchantID),
		func(p *sim.Payment) sim.Reply {
			m, ok := amount(req.Transaction.Amount, req.Transaction.Currency)
			if !ok || req.Transaction.Currency != p.Amount.Currency() {
				return invalidField("transaction.amount", "Value '"+req.Transaction.Amount+"' is invalid")
			}
			if existing := rt.c.Refund(txID); existing != nil {
				if existing.Payment == p {
					return invalidField("transaction.id", "Transaction with id '"+txID+"' already exists for order '"+orderID+"'")
				}
				// The core keys refunds by ID across orders; the gateway
				// does not. qpay's refund IDs are unique across orders.
				return invalidField("transaction.id", "qpaytest: transaction ID '"+txID+"' is used on another order; the simulator needs refund transaction IDs unique per merchant")
			}
			left := p.Refundable()
			if p.State != status.Captured || left.IsZero() {
				return errorReply(http.StatusBadRequest, "INVALID_REQUEST", "Refund not permitted for order in status "+orderStatus(p))
			}
			if c, err := m.Cmp(left); err != nil || c > 0 {
				return invalidField("transaction.amount", "Requested refund amount exceeds the amount available for refund")
			}
			rf := &sim.Refund{
				ID:        txID,
				Payment:   p,
				Created:   rt.c.Now(),
				Amount:    m,
				Reference: req.Transaction.Reference,
				State:     status.RefundPending,
				Decline:   sim.MagicRefundDecline(m),
			}
			rt.c.AddRefund(rf)
			rep := sim.JSONReply(http.StatusCreated, rt.transaction(p, rf, true))
			rep.After = func() { rt.c.SettleRefund(rf) }
			return rep
		})
}

func (rt *Route) retrieveOrder(r *http.Request, _ []byte) sim.Reply {
	id := r.PathValue("order")
	return rt.c.WithPayment(func() *sim.Payment { return rt.c.Own(rt, id) }, unknownOrder(id, rt.opts.MerchantID),
		func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, rt.order(p)) })
}

func (rt *Route) retrieveTransaction(r *http.Request, _ []byte) sim.Reply {
	id, txID := r.PathValue("order"), r.PathValue("transaction")
	return rt.c.WithPayment(func() *sim.Payment { return rt.c.Own(rt, id) }, unknownOrder(id, rt.opts.MerchantID),
		func(p *sim.Payment) sim.Reply {
			if txID == PaymentTransactionID {
				return sim.JSONReply(http.StatusOK, rt.transaction(p, nil, true))
			}
			for _, rf := range p.Refunds {
				if rf.ID == txID {
					return sim.JSONReply(http.StatusOK, rt.transaction(p, rf, true))
				}
			}
			return errorReply(http.StatusBadRequest, "INVALID_REQUEST", "Unable to find transaction "+txID+" of order "+id)
		})
}

// orderFields are an order's own fields.
type orderFields struct {
	ID                  string      `json:"id"`
	Amount              json.Number `json:"amount"`
	Currency            string      `json:"currency"`
	Status              string      `json:"status"`
	Reference           string      `json:"reference,omitempty"`
	Description         string      `json:"description,omitempty"`
	CreationTime        string      `json:"creationTime"`
	LastUpdatedTime     string      `json:"lastUpdatedTime"`
	TotalCapturedAmount json.Number `json:"totalCapturedAmount"`
	TotalRefundedAmount json.Number `json:"totalRefundedAmount"`
}

type transactionAnswer struct {
	Merchant       string          `json:"merchant"`
	Result         string          `json:"result"`
	Order          *orderFields    `json:"order,omitempty"`
	Response       gatewayResponse `json:"response"`
	SourceOfFunds  *sourceOfFunds  `json:"sourceOfFunds,omitempty"`
	BrowserPayment *browserPayment `json:"browserPayment,omitempty"`
	Customer       json.RawMessage `json:"customer,omitempty"`
	Transaction    transaction     `json:"transaction"`
	TimeOfRecord   string          `json:"timeOfRecord"`
	Version        string          `json:"version"`
}

type gatewayResponse struct {
	GatewayCode     string `json:"gatewayCode"`
	AcquirerMessage string `json:"acquirerMessage,omitempty"`
}

type sourceOfFunds struct {
	Type           string `json:"type"`
	BrowserPayment struct {
		Type string `json:"type"`
	} `json:"browserPayment"`
}

type browserPayment struct {
	Operation   string `json:"operation"`
	ReturnURL   string `json:"returnUrl"`
	RedirectURL string `json:"redirectUrl,omitempty"`
	Interaction struct {
		Status string `json:"status"`
	} `json:"interaction"`
}

type transaction struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	Amount    json.Number `json:"amount"`
	Currency  string      `json:"currency"`
	Reference string      `json:"reference,omitempty"`
}

type orderAnswer struct {
	Result   string `json:"result"`
	Merchant string `json:"merchant"`
	orderFields
	Transactions []transactionAnswer `json:"transaction"`
}

// number is an amount as the gateway answers it: a JSON number.
func number(m money.Money) json.Number { return json.Number(m.Fixed()) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (rt *Route) orderOf(p *sim.Payment) orderFields {
	captured, _ := money.FromMinor(0, p.Amount.Currency())
	if p.State == status.Captured {
		captured = p.Amount
	}
	updated := p.Created
	if !p.Finished.IsZero() {
		updated = p.Finished
	}
	return orderFields{
		ID: p.ID, Amount: number(p.Amount), Currency: p.Amount.Currency(), Status: orderStatus(p),
		Reference: p.Reference, Description: order(p).description,
		CreationTime: stamp(p.Created), LastUpdatedTime: stamp(updated),
		TotalCapturedAmount: number(captured), TotalRefundedAmount: number(p.Refunded(false)),
	}
}

// transaction is Retrieve Transaction of p's payment transaction (rf nil)
// or of refund rf: the shape of a PUT's answer and of a notification;
// withOrder repeats the order's fields, which an element of Retrieve
// Order's array may leave out.
func (rt *Route) transaction(p *sim.Payment, rf *sim.Refund, withOrder bool) transactionAnswer {
	t := transactionAnswer{Merchant: rt.opts.MerchantID, Version: Version}
	if withOrder {
		o := rt.orderOf(p)
		t.Order = &o
	}
	if rf != nil {
		w := refundWire(rf.State)
		t.Result, t.Response = w.result, gatewayResponse{GatewayCode: w.code, AcquirerMessage: w.message}
		t.Transaction = transaction{ID: rf.ID, Type: "REFUND", Amount: number(rf.Amount), Currency: rf.Amount.Currency(), Reference: rf.Reference}
		at := rf.Created
		if !rf.Finished.IsZero() {
			at = rf.Finished
		}
		t.TimeOfRecord = stamp(at)
		return t
	}
	w := outcomeOf(p.Result)
	t.Result, t.Response = w.result, gatewayResponse{GatewayCode: w.code, AcquirerMessage: w.message}
	t.SourceOfFunds = &sourceOfFunds{Type: "BROWSER_PAYMENT"}
	t.SourceOfFunds.BrowserPayment.Type = "QPAY"
	bp := &browserPayment{Operation: "PAY", ReturnURL: p.ReturnURL}
	bp.Interaction.Status = "COMPLETED"
	if p.State == status.Pending {
		// The shape of Mastercard's older samples (redirectUrl); QPay's
		// own may be redirectHtml (UNCONFIRMED, package mpgs).
		bp.RedirectURL = rt.c.PageURL(p)
		bp.Interaction.Status = "INITIATED"
	}
	t.BrowserPayment = bp
	t.Customer = order(p).customer
	t.Transaction = transaction{ID: PaymentTransactionID, Type: "PAYMENT", Amount: number(p.Amount), Currency: p.Amount.Currency()}
	t.TimeOfRecord = stamp(p.Created)
	return t
}

// order is Retrieve Order: the order's fields at the top level and every
// transaction in an array.
func (rt *Route) order(p *sim.Payment) orderAnswer {
	a := orderAnswer{Result: "SUCCESS", Merchant: rt.opts.MerchantID, orderFields: rt.orderOf(p)}
	a.Transactions = append(a.Transactions, rt.transaction(p, nil, true))
	for _, rf := range p.Refunds {
		a.Transactions = append(a.Transactions, rt.transaction(p, rf, false))
	}
	return a
}
