// Package checkoutsim is Checkout.com's front end of the qpaytest
// simulator: Checkout's endpoints under /checkout (payments, their actions
// and refunds), its wire JSON, its Cko-Idempotency-Key rule, its IDs and
// sessions, and its Cko-Signature webhook events, over the route-neutral
// core in package sim. It is written from Checkout's documentation and
// OpenAPI document (shared/reference/checkout-api.md), not from the
// adapter, and shares only the signing recipe (checkout.Signature) with
// it.
package checkoutsim

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Name is the route's provider name.
const Name = "checkout"

// Prefix is the path under which Checkout's API is served.
const Prefix = "/checkout"

// Defaults for Options' zero fields.
const (
	// DefaultSecretKey has the shape of a current ("NAS") sandbox key,
	// ^sk_sbox_[a-z2-7]{26}[a-z2-7*#$=]$, so adapters send it as
	// "Authorization: Bearer <key>".
	DefaultSecretKey = "sk_sbox_qpaytestsimulatorkeyabcdef="
	// DefaultWebhookSecret signs Checkout's webhook deliveries.
	DefaultWebhookSecret = "qpaytest-checkout-webhook-secret"
)

// SessionLifetime is how long Checkout's cko-session-id (sid_...) can be
// used with GET /payments/{id} after the shopper is sent back.
const SessionLifetime = 15 * time.Minute

// Options configure Checkout's front end; see qpaytest.Options. The
// fields outside Merchants are the first account's.
type Options struct {
	SecretKey            qpay.Secret
	WebhookSecret        qpay.Secret
	WebhookAuthorization qpay.Secret
	WebhookURL           string
	// Merchants are more Checkout accounts served beside the first, each
	// with its own keys and webhook URL.
	Merchants []Merchant
}

// Merchant is one Checkout account: its API key, the secret its webhooks
// are signed with, the Authorization its dashboard sends, and where its
// webhooks go.
type Merchant struct {
	SecretKey            qpay.Secret
	WebhookSecret        qpay.Secret
	WebhookAuthorization qpay.Secret
	WebhookURL           string
}

// Route is Checkout's front end. Its state is guarded by the Core's lock.
type Route struct {
	c    *sim.Core
	opts Options
	// accounts are the merchants, the first being Options' own fields. A
	// payment belongs to the account whose key created it, and is neither
	// seen nor refunded with another account's key.
	accounts []*account
}

// account is one merchant as the route serves it.
type account struct {
	Merchant
	index     int
	customers map[string]string // email -> cus_ ID, per account as at Checkout
}

var _ sim.Route = (*Route)(nil)

// New returns Checkout's front end. Pass it to sim.New.
func New(opts Options) *Route {
	if opts.SecretKey.IsZero() {
		opts.SecretKey = qpay.NewSecret(DefaultSecretKey)
	}
	if opts.WebhookSecret.IsZero() {
		opts.WebhookSecret = qpay.NewSecret(DefaultWebhookSecret)
	}
	rt := &Route{opts: opts}
	first := Merchant{SecretKey: opts.SecretKey, WebhookSecret: opts.WebhookSecret,
		WebhookAuthorization: opts.WebhookAuthorization, WebhookURL: opts.WebhookURL}
	for i, m := range append([]Merchant{first}, opts.Merchants...) {
		rt.accounts = append(rt.accounts, &account{Merchant: m, index: i, customers: map[string]string{}})
	}
	return rt
}

// Validate refuses merchants the route could not tell apart or sign for.
func (rt *Route) Validate() error {
	seen := map[string]bool{}
	for i, a := range rt.accounts {
		switch {
		case a.SecretKey.IsZero() || a.WebhookSecret.IsZero():
			return fmt.Errorf("qpaytest: Checkout merchant %d needs a SecretKey and a WebhookSecret", i)
		case seen[a.SecretKey.Reveal()]:
			return fmt.Errorf("qpaytest: Checkout merchant %d has the SecretKey of another merchant", i)
		}
		seen[a.SecretKey.Reveal()] = true
	}
	return nil
}

// accountOf is the merchant whose key r carries, or nil.
func (rt *Route) accountOf(r *http.Request) *account {
	got := r.Header.Get("Authorization")
	key := strings.TrimPrefix(got, "Bearer ")
	if got == "" {
		return nil
	}
	var found *account
	for _, a := range rt.accounts { // every key compared, in constant time each
		if sim.EqualSecret(key, a.SecretKey.Reveal()) {
			found = a
		}
	}
	return found
}

// mine reports whether p belongs to the merchant r authenticated as.
func (rt *Route) mine(r *http.Request, p *sim.Payment) bool {
	return p != nil && ck(p).acct == rt.accountOf(r)
}

// Name is "checkout".
func (rt *Route) Name() string { return Name }

// Options are the route's keys and webhook settings, defaults applied.
func (rt *Route) Options() Options { return rt.opts }

// BaseURL is the base URL to give the Checkout adapter.
func (rt *Route) BaseURL() string { return rt.c.URL() + Prefix }

// SetWebhookURL sets where the first merchant's events are POSTed from
// now on; "" stops them.
func (rt *Route) SetWebhookURL(u string) {
	rt.c.Lock()
	defer rt.c.Unlock()
	rt.accounts[0].WebhookURL = u
}

// Mount serves Checkout's endpoints.
func (rt *Route) Mount(c *sim.Core) []sim.Endpoint {
	rt.c = c
	return []sim.Endpoint{
		{Pattern: "POST /checkout/payments", Op: sim.OpCreatePayment, Handler: rt.createPayment},
		{Pattern: "GET /checkout/payments/{id}", Op: sim.OpGetPayment, Handler: rt.getPayment},
		{Pattern: "GET /checkout/payments/{id}/actions", Op: sim.OpListRefunds, Handler: rt.actions},
		{Pattern: "POST /checkout/payments/{id}/refunds", Op: sim.OpRefund, Handler: rt.refund},
		{Pattern: "GET /checkout/payments", Op: sim.OpListPayments, Handler: rt.listPayments},
		{Pattern: "POST /checkout/hosted-payments", Op: sim.OpCreatePayment, Handler: rt.createHosted},
		{Pattern: "GET /checkout/hosted-payments/{id}", Op: sim.OpGetPayment, Handler: rt.getHosted},
	}
}

// Authenticate takes the key bare (previous platform) or after "Bearer "
// (current platform); otherwise 401 with no body.
func (rt *Route) Authenticate(r *http.Request) (sim.Reply, bool) {
	if rt.accountOf(r) == nil {
		return sim.Reply{Status: http.StatusUnauthorized}, false
	}
	return sim.Reply{}, true
}

// IdempotencyKey is a POST's Cko-Idempotency-Key, scoped to the path so
// that a payment's key never replays a refund.
func (rt *Route) IdempotencyKey(_ string, r *http.Request, _ []byte) (string, bool) {
	key := r.Header.Get("Cko-Idempotency-Key")
	if r.Method != http.MethodPost || key == "" {
		return "", false
	}
	// Scoped to the merchant too: one merchant's key never replays
	// another's answer.
	scoped := r.URL.Path + "\x00" + key
	if a := rt.accountOf(r); a != nil && a.index > 0 {
		scoped = fmt.Sprintf("merchant %d\x00%s", a.index, scoped)
	}
	return scoped, true
}

// BadBody is a ValidationError.
func (rt *Route) BadBody(string) sim.Reply { return ckoInvalid("request_invalid") }

// ErrorReply is Checkout's answer for code: none for 401/403/404/409, a
// ValidationError for 400/422/429, an HTML page for 5xx.
func (rt *Route) ErrorReply(_ string, code int) sim.Reply {
	switch {
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		rep := ckoInvalid("request_invalid")
		rep.Status = code
		return rep
	case code == http.StatusTooManyRequests:
		rep := ckoInvalid("api_calls_quota_exceeded")
		rep.Status = code
		return rep
	case code >= 500:
		// A gateway in front of Checkout answers in HTML, which an adapter
		// must survive.
		h := http.Header{}
		h.Set("Content-Type", "text/html; charset=utf-8")
		text := http.StatusText(code)
		return sim.Reply{Status: code, Header: h,
			Body: []byte(fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>", code, text, code, text))}
	}
	return sim.Reply{Status: code} // 401, 403, 404, 409: no body
}

// Misreport gives a GET another payment ID, and a 202 (which echoes no
// amount) another reference.
func (rt *Route) Misreport(op string, body []byte) []byte {
	return sim.Rewrite(body, func(m map[string]json.RawMessage) bool {
		if op == sim.OpGetPayment {
			m["id"], _ = json.Marshal(newID("pay"))
			return true
		}
		var ref string
		_ = json.Unmarshal(m["reference"], &ref)
		m["reference"], _ = json.Marshal(ref + "-misreported")
		return true
	})
}

// Decorate gives every answer a Cko-Request-Id.
func (rt *Route) Decorate(h http.Header) { h.Set("Cko-Request-Id", requestID()) }

// Finished records the capture action of a captured payment.
func (rt *Route) Finished(p *sim.Payment) {
	if p.Result == sim.ResCaptured {
		d := ck(p)
		d.captureAction = newID("act")
		d.confirmationID = sim.NumericRef(12)
	}
}

// PaymentNotice is the event of the payment's state: Checkout posts every
// change, payment_pending included, to the one webhook URL.
func (rt *Route) PaymentNotice(p *sim.Payment) (sim.Notice, error) {
	n, err := rt.notice(ck(p).acct, rt.paymentEvent(p))
	// A hosted page's payment sends nothing before it exists (no
	// payment_pending for the page, nothing for a page canceled or
	// expired unpaid).
	n.Deliver = n.Deliver && paid(p)
	return n, err
}

// RefundNotice is payment_refunded or payment_refund_declined (or, while
// pending, payment_refund_pending).
func (rt *Route) RefundNotice(r *sim.Refund) (sim.Notice, error) {
	return rt.notice(ck(r.Payment).acct, rt.refundEvent(r))
}

// notice signs ev with the merchant's webhook secret, for its URL.
func (rt *Route) notice(a *account, ev Event) (sim.Notice, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return sim.Notice{}, fmt.Errorf("qpaytest: encode webhook: %w", err)
	}
	h := WebhookHeader(a.WebhookSecret, body)
	if auth := a.WebhookAuthorization; !auth.IsZero() {
		h.Set("Authorization", auth.Reveal())
	}
	n := sim.Notice{Event: ev.Type, URL: a.WebhookURL, Deliver: true} // to the account's URL, when set
	for i := range n.Attempts {
		n.Attempts[i] = sim.Signed{Header: h, Body: body}
	}
	return n, nil
}

// Describe reports Checkout's words: source.qpay_status and
// status_message, the refunds as actions, and the session.
func (rt *Route) Describe(p *sim.Payment, v *sim.View) {
	o := outcomeOf(p.Result)
	d := ck(p)
	v.RawStatus, v.Code, v.Message = rawStatus(p), o.qpayStatus, o.qpayText
	v.SessionID, v.FailureURL = d.sessionID, d.failureURL
	for i, r := range p.Refunds {
		switch ro := refundOutcomeOf(r.State); {
		case ro.approved == nil:
			v.Refunds[i].RawStatus = "Pending"
		case *ro.approved:
			v.Refunds[i].RawStatus = "Approved"
		default:
			v.Refunds[i].RawStatus = "Declined"
		}
	}
}

// Page names Checkout and sends the shopper to success_url (captured) or
// failure_url (any other outcome) with cko-session-id added.
func (rt *Route) Page(p *sim.Payment) sim.Page {
	d := ck(p)
	target := p.ReturnURL
	if p.State != status.Captured && d.failureURL != "" {
		target = d.failureURL
	}
	if d.hosted != nil && !paid(p) {
		// A shopper who cancels a hosted page goes to cancel_url, with no
		// session: no payment was made.
		return sim.Page{Provider: "Checkout.com", Reference: p.Reference, Return: d.hosted.cancelURL, Language: d.language}
	}
	return sim.Page{
		Provider:  "Checkout.com",
		Reference: p.Reference,
		Return:    sim.WithQuery(target, "cko-session-id", d.sessionID),
		Language:  d.language,
	}
}

// WebhookHeader returns the headers of a Checkout.com webhook delivering
// event (exactly the bytes that will be sent): Cko-Signature keyed with the
// webhook secret, and Content-Type.
func WebhookHeader(webhookSecret qpay.Secret, event []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(checkout.SignatureHeader, checkout.Signature(webhookSecret, event))
	return h
}

// payment is Checkout's own part of a payment.
type payment struct {
	acct           *account // the merchant whose key created it
	failureURL     string
	sessionID      string
	pun            string
	sourceDesc     string
	language       string // source.language, lower case: the page's
	captureAction  string // act_ ID of the capture
	confirmationID string
	cust           customer
	hosted         *hostedPage // set for a payment made on the Hosted Payments Page
}

func ck(p *sim.Payment) *payment { return p.Data.(*payment) }

type customer struct {
	id    string
	email string
	name  string
}

// outcome is how Checkout reports a result. The qpay_status values, status
// messages and response codes are illustrative (Checkout documents the
// fields, not QPay's values), in the style of its examples.
type outcome struct {
	status, event, qpayStatus, qpayText, code, summary string
}

// outcomes is Checkout's word for each result: status, event type,
// source.qpay_status and status_message, response code and summary.
var outcomes = [...]outcome{
	sim.ResNone:                 {"Pending", "payment_pending", "", "", "", ""},
	sim.ResCaptured:             {"Captured", "payment_captured", "0000", "Payment processed successfully", "10000", "Approved"},
	sim.ResInsufficientFunds:    {"Declined", "payment_declined", "0051", "Insufficient funds", "20051", "Insufficient Funds"},
	sim.ResIssuerDeclined:       {"Declined", "payment_declined", "0001", "Transaction declined by issuer", "20005", "Declined - Do Not Honour"},
	sim.ResAuthenticationFailed: {"Declined", "payment_declined", "0055", "Authentication failed", "20151", "Cardholder failed 3DS authentication"},
	sim.ResInvalidCard:          {"Declined", "payment_declined", "0014", "Invalid card number", "20014", "Invalid Card Number"},
	sim.ResExpiredCard:          {"Declined", "payment_declined", "0054", "Expired card", "20054", "Expired Card"},
	sim.ResCanceled:             {"Canceled", "payment_canceled", "", "Transaction cancelled by the customer", "", ""},
	sim.ResExpired:              {"Expired", "payment_expired", "", "Payment expired", "", ""},
}

func outcomeOf(r sim.Result) outcome {
	if int(r) < len(outcomes) {
		return outcomes[r]
	}
	return outcomes[sim.ResNone]
}

// refundOutcome is how Checkout reports a refund action.
type refundOutcome struct {
	approved             *bool
	code, summary, event string
}

func refundOutcomeOf(s status.RefundStatus) refundOutcome {
	yes, no := true, false
	switch s {
	case status.RefundSucceeded:
		return refundOutcome{&yes, "10000", "Approved", "payment_refunded"}
	case status.RefundFailed:
		return refundOutcome{&no, "20005", "Declined - Do Not Honour", "payment_refund_declined"}
	}
	return refundOutcome{nil, "", "", "payment_refund_pending"}
}

// rawStatus is the payment's status word, refunds included.
func rawStatus(p *sim.Payment) string {
	switch p.View() {
	case status.PartiallyRefunded:
		return "Partially Refunded"
	case status.Refunded:
		return "Refunded"
	}
	return outcomeOf(p.Result).status
}

// Checkout IDs are a prefix and 26 lower-case base32 characters
// (^(pay|act|cus|evt)_(\w{26})$ in Checkout's OpenAPI); sid_ follows suit.
func newID(prefix string) string { return prefix + "_" + sim.RandomFrom(sim.Base32Lower, 26) }

// derivedID is a Checkout-shaped ID that is the same every time for the
// same parts, so that a rebuilt event keeps the ID of the delivered one.
func derivedID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
	return prefix + "_" + enc[:26]
}

// requestID looks like Checkout's request IDs (0HL80RJLS76I7).
func requestID() string { return "0H" + sim.RandomFrom(sim.UpperAlnum, 11) }
