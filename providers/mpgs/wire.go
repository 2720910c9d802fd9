package mpgs

import (
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// The Mastercard Gateway's REST-JSON wire format, version 100, as far as
// QPay uses it. Sources and confidence are in the package documentation.
// Requests send amounts as decimal strings in the units of the currency
// ("10.50"); answers carry them as JSON numbers (10.5, 1.00), which
// money.Number reads exactly, as it does a string, within the bounds of
// money.ParseNumber (no unbounded decimal arithmetic on untrusted text).

// Fixed values of the requests.
const (
	opInitiate          = "INITIATE_BROWSER_PAYMENT"
	opRefund            = "REFUND"
	fundsBrowserPayment = "BROWSER_PAYMENT"
	browserQPay         = "QPAY"
	browserOpPay        = "PAY"
)

// initiateRequest is the body of PUT .../order/{o}/transaction/{t} that
// starts a QPay browser payment.
type initiateRequest struct {
	APIOperation   string                `json:"apiOperation"`
	BrowserPayment browserPaymentRequest `json:"browserPayment"`
	Order          orderRequest          `json:"order"`
	SourceOfFunds  sourceOfFunds         `json:"sourceOfFunds"`
	Customer       *customer             `json:"customer,omitempty"`
}

type browserPaymentRequest struct {
	Operation string `json:"operation"`
	ReturnURL string `json:"returnUrl"`
}

type orderRequest struct {
	Amount          string `json:"amount"`
	Currency        string `json:"currency"`
	Reference       string `json:"reference,omitempty"`
	Description     string `json:"description,omitempty"`
	NotificationURL string `json:"notificationUrl,omitempty"`
}

type sourceOfFunds struct {
	Type           string            `json:"type"`
	BrowserPayment browserPaymentSrc `json:"browserPayment"`
}

type browserPaymentSrc struct {
	Type string `json:"type"`
}

type customer struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// refundRequest is the body of PUT .../order/{o}/transaction/{t} that
// refunds part or all of order o under the new transaction ID t.
type refundRequest struct {
	APIOperation string             `json:"apiOperation"`
	Transaction  transactionRequest `json:"transaction"`
}

type transactionRequest struct {
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	Reference string `json:"reference,omitempty"`
}

// orderFields are an order's own fields: under "order" in a transaction
// answer and in a notification, at the top level of a Retrieve Order
// answer.
type orderFields struct {
	ID                  string        `json:"id"`
	Amount              *money.Number `json:"amount"`
	Currency            string        `json:"currency"`
	Status              string        `json:"status"`
	Reference           string        `json:"reference"`
	CreationTime        string        `json:"creationTime"`
	TotalCapturedAmount *money.Number `json:"totalCapturedAmount"`
	TotalRefundedAmount *money.Number `json:"totalRefundedAmount"`
}

// transactionAnswer is the answer to a PUT and to Retrieve Transaction,
// one element of a Retrieve Order's transaction array, and the body of a
// webhook notification.
type transactionAnswer struct {
	Result         string             `json:"result"`
	Order          orderFields        `json:"order"`
	Transaction    transactionFields  `json:"transaction"`
	Response       gatewayResponse    `json:"response"`
	BrowserPayment browserPaymentInfo `json:"browserPayment"`
	SourceOfFunds  sourceOfFunds      `json:"sourceOfFunds"`
	TimeOfRecord   string             `json:"timeOfRecord"`
}

type transactionFields struct {
	ID        string        `json:"id"`
	Type      string        `json:"type"`
	Amount    *money.Number `json:"amount"`
	Currency  string        `json:"currency"`
	Reference string        `json:"reference"`
}

type gatewayResponse struct {
	GatewayCode     string         `json:"gatewayCode"`
	AcquirerCode    transport.Text `json:"acquirerCode"`
	AcquirerMessage string         `json:"acquirerMessage"`
}

// browserPaymentInfo carries the shopper's next step. Which of the two
// shapes QPay answers with is UNCONFIRMED (package documentation): both
// are read.
type browserPaymentInfo struct {
	RedirectURL  string `json:"redirectUrl"`
	RedirectHTML string `json:"redirectHtml"`
	Interaction  struct {
		Status string `json:"status"`
	} `json:"interaction"`
}

// orderAnswer is the answer to Retrieve Order (GET .../order/{o}): the
// order's fields at the top level and its transactions in an array.
type orderAnswer struct {
	Result string `json:"result"`
	orderFields
	Transactions []transactionAnswer `json:"transaction"`
}

// transaction returns the order's transaction with the given ID, or nil.
func (o *orderAnswer) transaction(id string) *transactionAnswer {
	for i := range o.Transactions {
		if o.Transactions[i].Transaction.ID == id {
			return &o.Transactions[i]
		}
	}
	return nil
}

// payment returns the order's QPay payment transaction: the one qpay
// created (paymentTransactionID), else the first PAYMENT, or nil.
func (o *orderAnswer) payment() *transactionAnswer {
	if t := o.transaction(paymentTransactionID); t != nil {
		return t
	}
	for i := range o.Transactions {
		if o.Transactions[i].Transaction.Type == typePayment {
			return &o.Transactions[i]
		}
	}
	return nil
}

// errorAnswer is the gateway's error shape:
//
//	{"result":"ERROR","error":{"cause":"INVALID_REQUEST","explanation":"...","field":"order.id","validationType":"INVALID"}}
type errorAnswer struct {
	Result string `json:"result"`
	Error  struct {
		Cause          string `json:"cause"`
		Explanation    string `json:"explanation"`
		Field          string `json:"field"`
		ValidationType string `json:"validationType"`
	} `json:"error"`
}
