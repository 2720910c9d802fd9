package qpaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/status"
)

// tapUserAgent is the User-Agent of Tap's documented webhook deliveries.
const tapUserAgent = "Apache-HttpClient/4.5.13 (Java/18.0.2.1)"

// TapWebhook returns the headers of a Tap webhook delivering object (a
// charge or refund object, exactly the bytes that will be sent): the
// hashstring signature keyed with the account's secret key, and Tap's
// Content-Type and User-Agent. It fails when object is not a Tap object
// with an amount and a currency.
func TapWebhook(secretKey qpay.Secret, object []byte) (http.Header, error) {
	sig, err := tap.Hashstring(secretKey, object)
	if err != nil {
		return nil, fmt.Errorf("qpaytest: sign Tap webhook: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", tapUserAgent)
	h.Set(tap.SignatureHeader, sig)
	return h, nil
}

// CheckoutWebhook returns the headers of a Checkout.com webhook delivering
// event (exactly the bytes that will be sent): Cko-Signature keyed with the
// webhook secret, and Content-Type. Add an Authorization header if the
// adapter is configured with a WebhookAuthorization.
func CheckoutWebhook(webhookSecret qpay.Secret, event []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(checkout.SignatureHeader, checkout.Signature(webhookSecret, event))
	return h
}

// NewWebhookRequest returns the POST a provider would make to url with
// header and body, for testing a merchant's webhook handler with
// httptest.NewRecorder or against a running server.
func NewWebhookRequest(ctx context.Context, url string, header http.Header, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("qpaytest: webhook request: %w", err)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	return req, nil
}

var errNoAmount = errors.New("qpaytest: the amount has no currency")

// TapChargeJSON returns a Tap charge object, as Tap posts it to post.url,
// with the given ID (chg_...), raw status (CAPTURED, DECLINED, CANCELLED,
// ABANDONED, INITIATED or any other word Tap may send, such as TIMEDOUT),
// amount and merchant reference (reference.transaction and .order). Tap's
// response code and message match the status. Sign it with TapWebhook.
func TapChargeJSON(id, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, errNoAmount
	}
	if id == "" {
		id = tapID("chg")
	}
	now := time.Now()
	p := &payment{
		provider: ProviderTap, id: id, created: now, finished: now, amount: amount,
		reference: reference, order: reference, expiryMinutes: 30,
		cust: customer{id: tapID("cus"), firstName: "Test", lastName: "Shopper", email: "shopper@example.qa"},
	}
	res, known := tapResult(rawStatus)
	p.result = res
	p.state = res.outcome().state
	if rawStatus != "INITIATED" {
		p.track, p.paymentRef, p.gatewayRef = tapID("tck"), numericRef(19), "00"
		p.cardFirst6, p.cardLast4 = TestCardNumber[:6], TestCardNumber[len(TestCardNumber)-4:]
	}
	// A charge built outside a server has no payment page to point to.
	c := tapChargeObject(p, "https://qpaytest.invalid/pay/", "POST", 1)
	if !known {
		code, msg := tapCode(rawStatus)
		c.Status, c.Response, c.Gateway = rawStatus, tapResponse{Code: code, Message: msg}, nil
		c.Transaction.URL = ""
		c.Redirect.Status = "SUCCESS"
	}
	return json.Marshal(c)
}

// tapResult maps the charge statuses the simulator produces to a result.
func tapResult(raw string) (result, bool) {
	switch raw {
	case "INITIATED":
		return resNone, true
	case "CAPTURED":
		return resCaptured, true
	case "DECLINED":
		return resInsufficientFunds, true
	case "FAILED":
		return resInvalidCard, true
	case "CANCELLED":
		return resCanceled, true
	case "ABANDONED":
		return resExpired, true
	}
	return resNone, false
}

// tapCode is Tap's documented response code for the statuses the
// simulator does not produce itself.
func tapCode(raw string) (code, message string) {
	switch raw {
	case "AUTHORIZED":
		return "001", "Authorized"
	case "IN_PROGRESS":
		return "200", "In Progress"
	case "VOID":
		return "601", "Void"
	case "RESTRICTED":
		return "701", "Restricted"
	case "TIMEDOUT":
		return "801", "Timed Out"
	case "UNKNOWN":
		return "901", "Unknown"
	}
	return "", raw
}

// TapRefundJSON returns a Tap refund object, as Tap posts it to the
// refund's post.url, with the given ID (re_...), charge ID, raw status
// (PENDING, REFUNDED, DECLINED, ...), amount and refund reference
// (reference.merchant). Sign it with TapWebhook.
func TapRefundJSON(id, chargeID, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, errNoAmount
	}
	if id == "" {
		id = tapID("re")
	}
	now := time.Now()
	r := &refund{
		id: id, payment: &payment{provider: ProviderTap, id: chargeID}, created: now, finished: now,
		amount: amount, reference: reference, reason: "requested_by_customer", state: status.RefundPending,
	}
	switch rawStatus {
	case "REFUNDED":
		r.state, r.gatewayRef, r.paymentRef = status.RefundSucceeded, "00", numericRef(19)
	case "DECLINED":
		r.state = status.RefundFailed
	}
	out := tapRefundObject(r, 1)
	if out.Status != rawStatus {
		out.Status, out.Response = rawStatus, tapResponse{Code: "", Message: rawStatus}
	}
	return json.Marshal(out)
}

// CheckoutEventJSON returns a Checkout.com payment event (payment_captured,
// payment_declined, payment_canceled, payment_expired, payment_pending, or
// any other type, to test that it is ignored) for payment paymentID
// (pay_...) with the given amount and reference. Its evt_ ID is derived
// from the type and the payment, so building it twice gives the same event.
// Sign it with CheckoutWebhook.
func CheckoutEventJSON(eventType, paymentID string, amount money.Money, reference string) ([]byte, error) {
	return checkoutEvent(eventType, paymentID, "", amount, reference)
}

// CheckoutRefundEventJSON returns a Checkout.com refund event
// (payment_refunded, payment_refund_declined or payment_refund_pending) for
// refund actionID (act_..., the refund's ID) of payment paymentID, with the
// refund's amount and reference. Sign it with CheckoutWebhook.
func CheckoutRefundEventJSON(eventType, paymentID, actionID string, amount money.Money, reference string) ([]byte, error) {
	if actionID == "" {
		return nil, errors.New("qpaytest: a refund event needs the refund's action ID")
	}
	return checkoutEvent(eventType, paymentID, actionID, amount, reference)
}

func checkoutEvent(eventType, paymentID, actionID string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, errNoAmount
	}
	if eventType == "" || paymentID == "" {
		return nil, errors.New("qpaytest: an event needs a type and a payment ID")
	}
	if _, err := amount.Minor(); err != nil {
		return nil, fmt.Errorf("qpaytest: a Checkout event's amount is sent in minor units: %w", err)
	}
	now := time.Now()
	yes, no := true, false
	d := ckoEventData{
		ID: paymentID, ActionID: actionID, Amount: minor(amount), Currency: amount.Currency(),
		Reference: reference, ProcessedOn: ckoTime(now),
	}
	switch eventType {
	case "payment_captured", "payment_paid":
		d.ActionID = derivedCheckoutID("act", paymentID, "capture")
		d.Status, d.Approved, d.ResponseCode, d.ResponseSummary = "Captured", &yes, "10000", "Approved"
	case "payment_declined":
		o := resInsufficientFunds.outcome()
		d.Status, d.Approved, d.ResponseCode, d.ResponseSummary = o.ckoStatus, &no, o.ckoCode, o.ckoSummary
	case "payment_refunded":
		d.Approved, d.ResponseCode, d.ResponseSummary = &yes, "10000", "Approved"
	case "payment_refund_declined":
		d.Approved, d.ResponseCode, d.ResponseSummary = &no, "20005", "Declined - Do Not Honour"
	case "payment_canceled":
		d.Status = "Canceled"
	case "payment_expired":
		d.Status = "Expired"
	case "payment_pending":
		d.Status = "Pending"
	}
	if actionID == "" {
		d.Source = &ckoSource{Type: "qpay", Description: "Order " + reference}
	}
	id := derivedCheckoutID("evt", paymentID, eventType, d.ActionID)
	ev := ckoEventJSON{
		ID: id, Type: eventType, Version: "2.0", CreatedOn: ckoTime(now), Data: d,
		Links: ckoEventLinks{
			Self:    ckoLink{checkout.SandboxBaseURL + "/events/" + id},
			Payment: ckoLink{checkout.SandboxBaseURL + "/payments/" + paymentID},
		},
	}
	return json.Marshal(ev)
}
