// Package mpgssim is the acquiring bank's Mastercard Gateway (MPGS) front
// end of the qpaytest simulator: the REST API version 100 under /mpgs
// (INITIATE_BROWSER_PAYMENT of a QPAY browser payment, REFUND, Retrieve
// Order and Retrieve Transaction), its wire JSON, its merchant-chosen
// order and transaction IDs, Basic authentication as merchant.<id>, and
// its webhook notifications with the X-Notification-Secret header, over
// the route-neutral core in package sim. It is written from Mastercard's
// documentation and samples as summarised in package mpgs (providers/mpgs,
// whose documentation names a source and a confidence per fact), not from
// the adapter's code, and shares only the header names with it.
//
// The gateway takes both transaction operations on one URL and tells them
// apart by apiOperation. The core counts and faults one operation per
// endpoint, so this front end serves the payment transaction ID qpay uses
// ("qpay-pay", a literal path segment) as the create endpoint and every
// other transaction ID as the refund endpoint, and refuses an operation
// that arrives on the other one: a simulator limit, not the gateway's.
package mpgssim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Name is the route's provider name.
const Name = "mpgs"

// Prefix is the path under which the gateway's API is served: its Host is
// the simulator's URL + Prefix.
const Prefix = "/mpgs"

// Version is the API version served ({v} in the path); QPay needs 100.
const Version = "100"

// PaymentTransactionID is the transaction ID the create endpoint serves
// (see the package documentation).
const PaymentTransactionID = "qpay-pay"

// Defaults for Options' zero fields.
const (
	// DefaultMerchantID is a test merchant's ID (TEST..., as the gateway
	// names them).
	DefaultMerchantID = "TESTQPAYSIM01"
	// DefaultAPIPassword is the merchant's API password.
	DefaultAPIPassword = "qpaytest-mpgs-api-password-0001"
	// DefaultWebhookSecret is the notification secret sent in
	// X-Notification-Secret.
	DefaultWebhookSecret = "QPAYTESTMPGSNOTIFICATIONSECRET01"
)

// Options configure the gateway's front end; see qpaytest.Options.
type Options struct {
	MerchantID    string
	APIPassword   qpay.Secret
	WebhookSecret qpay.Secret
	// WebhookURL is the merchant profile's notification URL; an order's
	// order.notificationUrl wins over it.
	WebhookURL string
}

// Route is the gateway's front end. Its state is guarded by the Core's
// lock.
type Route struct {
	c          *sim.Core
	opts       Options
	auth       string // the Authorization header value accepted
	webhookURL string
}

var _ sim.Route = (*Route)(nil)

// New returns the gateway's front end. Pass it to sim.New.
func New(opts Options) *Route {
	if opts.MerchantID == "" {
		opts.MerchantID = DefaultMerchantID
	}
	if opts.APIPassword.IsZero() {
		opts.APIPassword = qpay.NewSecret(DefaultAPIPassword)
	}
	if opts.WebhookSecret.IsZero() {
		opts.WebhookSecret = qpay.NewSecret(DefaultWebhookSecret)
	}
	creds := base64.StdEncoding.EncodeToString([]byte("merchant." + opts.MerchantID + ":" + opts.APIPassword.Reveal()))
	return &Route{opts: opts, auth: "Basic " + creds, webhookURL: opts.WebhookURL}
}

// Name is "mpgs".
func (rt *Route) Name() string { return Name }

// Options are the route's merchant, keys and webhook settings, defaults
// applied.
func (rt *Route) Options() Options { return rt.opts }

// Host is the gateway host to give the adapter (mpgs.Config.Host).
func (rt *Route) Host() string { return rt.c.URL() + Prefix }

// SetWebhookURL sets the merchant profile's notification URL from now on;
// "" stops notifications of orders that name none.
func (rt *Route) SetWebhookURL(u string) {
	rt.c.Lock()
	defer rt.c.Unlock()
	rt.webhookURL = u
}

// Mount serves the gateway's endpoints.
func (rt *Route) Mount(c *sim.Core) []sim.Endpoint {
	rt.c = c
	base := "/mpgs/api/rest/version/{version}/merchant/{merchant}/order/{order}"
	return []sim.Endpoint{
		{Pattern: "PUT " + base + "/transaction/" + PaymentTransactionID, Op: sim.OpCreatePayment, Handler: rt.initiate},
		{Pattern: "PUT " + base + "/transaction/{transaction}", Op: sim.OpRefund, Handler: rt.refund},
		{Pattern: "GET " + base, Op: sim.OpGetPayment, Handler: rt.retrieveOrder},
		{Pattern: "GET " + base + "/transaction/{transaction}", Op: sim.OpGetRefund, Handler: rt.retrieveTransaction},
	}
}

// Authenticate takes Basic merchant.<merchantId>:<password> for the
// merchant in the path; otherwise 401 with the gateway's body (cause
// INVALID_REQUEST, as real answers have it).
func (rt *Route) Authenticate(r *http.Request) (sim.Reply, bool) {
	if !sim.EqualSecret(r.Header.Get("Authorization"), rt.auth) || r.PathValue("merchant") != rt.opts.MerchantID {
		return errorReply(http.StatusUnauthorized, "INVALID_REQUEST", "Invalid credentials."), false
	}
	if r.PathValue("version") != Version {
		return errorReply(http.StatusBadRequest, "INVALID_REQUEST", "Unsupported API version "+r.PathValue("version")), false
	}
	return sim.Reply{}, true
}

// IdempotencyKey is none: the gateway has no idempotency key; its IDs are
// the merchant's own, and a transaction ID is taken once (a second PUT of
// it is refused by the endpoint, under the Core's lock, so even a
// concurrent one never makes a second order or refund).
func (rt *Route) IdempotencyKey(string, *http.Request, []byte) (string, bool) { return "", false }

// BadBody is an INVALID_REQUEST.
func (rt *Route) BadBody(msg string) sim.Reply {
	return errorReply(http.StatusBadRequest, "INVALID_REQUEST", msg)
}

// ErrorReply is the gateway's answer for code: its error shape for 400,
// 401, 404 (an unknown order) and 503 (SERVER_BUSY), an HTML page from a
// proxy for other 5xx, nothing for 429 (undocumented).
func (rt *Route) ErrorReply(_ string, code int) sim.Reply {
	switch {
	case code == http.StatusBadRequest:
		return errorReply(code, "INVALID_REQUEST", "Value 'x' is invalid.")
	case code == http.StatusUnauthorized:
		return errorReply(code, "INVALID_REQUEST", "Invalid credentials.")
	case code == http.StatusNotFound:
		return errorReply(code, "INVALID_REQUEST", "Unable to find order")
	case code == http.StatusServiceUnavailable:
		return errorReply(code, "SERVER_BUSY", "The server did not have enough resources to process the request at the moment.")
	case code >= 500:
		h := http.Header{}
		h.Set("Content-Type", "text/html; charset=utf-8")
		text := http.StatusText(code)
		return sim.Reply{Status: code, Header: h,
			Body: []byte(fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>", code, text, code, text))}
	}
	return sim.Reply{Status: code}
}

// Misreport gives Retrieve Order another order ID, and a transaction
// answer another order amount.
func (rt *Route) Misreport(op string, body []byte) []byte {
	return sim.Rewrite(body, func(m map[string]json.RawMessage) bool {
		if op == sim.OpGetPayment {
			m["id"], _ = json.Marshal(mpgs.OrderIDPrefix + strings.Repeat("0", 32))
			return true
		}
		var o map[string]json.RawMessage
		if json.Unmarshal(m["order"], &o) != nil {
			return false
		}
		o["amount"] = json.RawMessage("999999.99")
		m["order"], _ = json.Marshal(o)
		return true
	})
}

// Decorate adds nothing: the gateway sends no request ID header.
func (rt *Route) Decorate(http.Header) {}

// Finished records nothing: the gateway's answers are derived from the
// result.
func (rt *Route) Finished(*sim.Payment) {}

// PaymentNotice is the notification of the payment transaction's current
// state, sent to the order's notificationUrl or the merchant profile's
// URL once the shopper is done. The gateway notifies "when [it] creates or
// updates a transaction for an order"; whether that includes the
// initiation of a QPay payment is UNCONFIRMED (package mpgs), and the
// simulator sends nothing for it (Core.Webhook still builds it).
func (rt *Route) PaymentNotice(p *sim.Payment) (sim.Notice, error) {
	n, err := rt.notice(p, "order "+orderStatus(p), rt.transaction(p, nil, true))
	n.Deliver = n.Deliver && p.State != status.Pending
	return n, err
}

// RefundNotice is the notification of a REFUND transaction.
func (rt *Route) RefundNotice(r *sim.Refund) (sim.Notice, error) {
	return rt.notice(r.Payment, "refund "+refundWire(r.State).code, rt.transaction(r.Payment, r, true))
}

func (rt *Route) notice(p *sim.Payment, event string, object any) (sim.Notice, error) {
	body, err := json.Marshal(object)
	if err != nil {
		return sim.Notice{}, fmt.Errorf("qpaytest: encode notification: %w", err)
	}
	url := order(p).notificationURL
	if url == "" {
		url = rt.webhookURL
	}
	sum := sha256.Sum256(body)
	id := hex.EncodeToString(sum[:16])                     // the same for every attempt of one notification
	n := sim.Notice{Event: event, URL: url, Deliver: true} // to url, when there is one (the core decides)
	for i := range n.Attempts {
		n.Attempts[i] = sim.Signed{Header: WebhookHeader(rt.opts.WebhookSecret, id, i+1), Body: body}
	}
	return n, nil
}

// WebhookHeader returns the headers of a notification delivery: the
// notification secret as is, the notification's ID and the attempt
// number.
func WebhookHeader(secret qpay.Secret, notificationID string, attempt int) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(mpgs.SecretHeader, secret.Reveal())
	h.Set(mpgs.NotificationIDHeader, notificationID)
	h.Set(mpgs.AttemptHeader, fmt.Sprint(attempt))
	return h
}

// Describe reports the gateway's words: order.status, the payment
// transaction's gatewayCode and acquirer message, the refunds'
// gatewayCodes, and the order's notification URL.
func (rt *Route) Describe(p *sim.Payment, v *sim.View) {
	w := outcomeOf(p.Result)
	v.RawStatus, v.Code, v.Message = orderStatus(p), w.code, w.message
	v.WebhookURL = order(p).notificationURL
	for i, r := range p.Refunds {
		v.Refunds[i].RawStatus = refundWire(r.State).code
	}
}

// Page names the bank's gateway and sends the shopper back to returnUrl
// as given: the gateway adds nothing documented (qpay puts the order in
// it itself).
func (rt *Route) Page(p *sim.Payment) sim.Page {
	return sim.Page{
		Provider:  "Mastercard Gateway",
		Reference: p.Reference,
		Return:    p.ReturnURL,
	}
}

// orderData is the gateway's own part of an order.
type orderData struct {
	notificationURL string
	description     string
	customer        json.RawMessage
}

func order(p *sim.Payment) *orderData { return p.Data.(*orderData) }

// wire is how the gateway reports a payment transaction's result.
type wire struct {
	orderStatus, result, code, message string
}

// outcomes is the gateway's word for each result. The gatewayCodes are
// Mastercard's documented values; which ones QPay produces is UNCONFIRMED
// (package mpgs), as are the acquirer messages.
var outcomes = [...]wire{
	sim.ResNone:                 {"INITIATED", "SUCCESS", "SUBMITTED", ""},
	sim.ResCaptured:             {"CAPTURED", "SUCCESS", "APPROVED", "Approved"},
	sim.ResInsufficientFunds:    {"FAILED", "FAILURE", "INSUFFICIENT_FUNDS", "Insufficient funds"},
	sim.ResIssuerDeclined:       {"FAILED", "FAILURE", "DECLINED", "Declined by the card issuer"},
	sim.ResAuthenticationFailed: {"FAILED", "FAILURE", "AUTHENTICATION_FAILED", "Authentication failed"},
	sim.ResInvalidCard:          {"FAILED", "FAILURE", "DECLINED", "Invalid card number"},
	sim.ResExpiredCard:          {"FAILED", "FAILURE", "EXPIRED_CARD", "Expired card"},
	sim.ResCanceled:             {"FAILED", "FAILURE", "CANCELLED", "Transaction cancelled by payer"},
	sim.ResExpired:              {"FAILED", "FAILURE", "TIMED_OUT", "Payment session timed out"},
}

func outcomeOf(r sim.Result) wire {
	if int(r) < len(outcomes) {
		return outcomes[r]
	}
	return outcomes[sim.ResNone]
}

// orderStatus is order.status, refunds included.
func orderStatus(p *sim.Payment) string {
	switch p.View() {
	case status.PartiallyRefunded:
		return "PARTIALLY_REFUNDED"
	case status.Refunded:
		return "REFUNDED"
	}
	return outcomeOf(p.Result).orderStatus
}

// refundWire is how the gateway reports a REFUND transaction.
func refundWire(s status.RefundStatus) struct{ result, code, message string } {
	switch s {
	case status.RefundSucceeded:
		return struct{ result, code, message string }{"SUCCESS", "APPROVED", "Approved"}
	case status.RefundFailed:
		return struct{ result, code, message string }{"FAILURE", "DECLINED", "Declined"}
	}
	return struct{ result, code, message string }{"PENDING", "PENDING", ""}
}
