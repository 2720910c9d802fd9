// Package tapsim is Tap Payments' front end of the qpaytest simulator:
// Tap's endpoints under /tap (charges, refunds and the refund list), its
// wire JSON, its reference.idempotent rule, its IDs and its hashstring
// webhooks, over the route-neutral core in package sim. It is written
// from Tap's documentation (shared/reference/tap-api.md), not from the
// adapter, and shares only the signing recipe (tap.Hashstring) with it.
package tapsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Name is the route's provider name.
const Name = "tap"

// Prefix is the path under which Tap's API is served.
const Prefix = "/tap"

// DefaultSecretKey is Tap's public sandbox key from its own examples, so
// the reference's worked hashstring vector holds for the simulator.
const DefaultSecretKey = "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"

// Route is Tap's front end. Its state is guarded by the Core's lock.
type Route struct {
	c    *sim.Core
	key  qpay.Secret
	idem map[string]tapIdem // reference.idempotent keys, by object and key
	// chargesFilter is what the refund list does with its undocumented
	// "charges" filter (lists.go); set before the route is mounted.
	chargesFilter ChargesFilter
}

var _ sim.Route = (*Route)(nil)

// New returns Tap's front end, accepting and signing with secretKey
// (DefaultSecretKey when empty). Pass it to sim.New.
func New(secretKey qpay.Secret) *Route {
	if secretKey.IsZero() {
		secretKey = qpay.NewSecret(DefaultSecretKey)
	}
	return &Route{key: secretKey, idem: map[string]tapIdem{}}
}

// Name is "tap".
func (rt *Route) Name() string { return Name }

// SecretKey is the key Tap's endpoints accept and its webhooks are signed
// with.
func (rt *Route) SecretKey() qpay.Secret { return rt.key }

// BaseURL is the base URL to give the Tap adapter.
func (rt *Route) BaseURL() string { return rt.c.URL() + Prefix }

// Mount serves Tap's endpoints. Tap documents the paths with a trailing
// slash and its own SDKs call them without one: both are served.
func (rt *Route) Mount(c *sim.Core) []sim.Endpoint {
	rt.c = c
	return []sim.Endpoint{
		{Pattern: "POST /tap/v2/charges", Op: sim.OpCreatePayment, Handler: rt.createCharge},
		{Pattern: "POST /tap/v2/charges/{$}", Op: sim.OpCreatePayment, Handler: rt.createCharge},
		{Pattern: "GET /tap/v2/charges/{id}", Op: sim.OpGetPayment, Handler: rt.getCharge},
		{Pattern: "POST /tap/v2/refunds", Op: sim.OpRefund, Handler: rt.createRefund},
		{Pattern: "POST /tap/v2/refunds/{$}", Op: sim.OpRefund, Handler: rt.createRefund},
		{Pattern: "GET /tap/v2/refunds/{id}", Op: sim.OpGetRefund, Handler: rt.getRefund},
		{Pattern: "POST /tap/v2/refunds/list", Op: sim.OpListRefunds, Handler: rt.listRefunds},
		{Pattern: "POST /tap/v2/charges/list", Op: sim.OpListPayments, Handler: rt.listCharges},
	}
}

// Authenticate wants "Bearer <key>": 2107 without a key, 2106 for a
// publishable key, 2104 for a wrong one.
func (rt *Route) Authenticate(r *http.Request) (sim.Reply, bool) {
	got := r.Header.Get("Authorization")
	key, bearer := strings.CutPrefix(got, "Bearer ")
	switch {
	case got == "":
		return tapErrors(http.StatusUnauthorized, tapError{"2107", "Authorization Required"}), false
	case bearer && strings.HasPrefix(key, "pk_"):
		return tapErrors(http.StatusUnauthorized, tapError{"2106", "Please use the secret key"}), false
	case !bearer || !sim.EqualSecret(key, rt.key.Reveal()):
		return tapErrors(http.StatusUnauthorized, tapError{"2104", "Invalid API Key"}), false
	}
	return sim.Reply{}, true
}

// IdempotencyKey is a charge's or a refund's reference.idempotent, scoped
// to the kind of object, so that the Core holds it while the request is
// processed (a concurrent duplicate gets 409, see ErrorReply). The
// endpoints answer a repeated key themselves, with the object as it is now.
func (rt *Route) IdempotencyKey(op string, r *http.Request, body []byte) (string, bool) {
	kind := map[string]string{sim.OpCreatePayment: "charge", sim.OpRefund: "refund"}[op]
	if r.Method != http.MethodPost || kind == "" {
		return "", false
	}
	var in struct {
		Reference struct {
			Idempotent string `json:"idempotent"`
		} `json:"reference"`
	}
	if json.Unmarshal(body, &in) != nil || in.Reference.Idempotent == "" {
		return "", false
	}
	return kind + "\x00" + in.Reference.Idempotent, false
}

// BadBody is Tap's 2100.
func (rt *Route) BadBody(msg string) sim.Reply {
	return tapErrors(http.StatusBadRequest, tapError{"2100", msg})
}

// ErrorReply is Tap's documented error body for code.
func (rt *Route) ErrorReply(op string, code int) sim.Reply {
	switch {
	case code == http.StatusBadRequest:
		return tapErrors(code, tapError{"1103", "Invalid inputs"})
	case code == http.StatusUnauthorized:
		return tapErrors(code, tapError{"2104", "Invalid API Key"})
	case code == http.StatusNotFound && op == sim.OpGetRefund:
		return tapErrors(code, tapError{"1160", "Refund not found"})
	case code == http.StatusNotFound:
		return tapErrors(code, tapError{"1144", "Charge not found"})
	case code == http.StatusInternalServerError:
		return tapErrors(code, tapError{"9999", "Internal server error"})
	case code > 500:
		return tapErrors(code, tapError{"2101", "Server unavailable"})
	case code == http.StatusConflict:
		// What Tap answers a reference.idempotent still being processed:
		// its status table's "409 conflict with another request", with a
		// code and wording of our own (UNCONFIRMED: Tap documents neither).
		return tapErrors(code, tapError{"409", "Conflict with another request being processed"})
	}
	return sim.Reply{Status: code} // 429 and the rest: Tap documents no body
}

// Misreport gives a GET another charge ID, and a created charge or refund
// another amount.
func (rt *Route) Misreport(op string, body []byte) []byte {
	return sim.Rewrite(body, func(m map[string]json.RawMessage) bool {
		if op == sim.OpGetPayment {
			m["id"], _ = json.Marshal(newID("chg"))
			return true
		}
		d, err := money.ParseNumber(string(m["amount"]))
		if err != nil {
			return false
		}
		m["amount"] = json.RawMessage(d.Add(decimal.NewFromInt(1)).String())
		return true
	})
}

// Decorate adds nothing: Tap's answers carry no request ID of the kind.
func (rt *Route) Decorate(http.Header) {}

// Finished records the references Tap's hashstring uses once a card
// reached the gateway.
func (rt *Route) Finished(p *sim.Payment) {
	if p.Result != sim.ResExpired && p.Result != sim.ResCanceled {
		d := p.Data.(*charge)
		d.track = newID("tck")
		d.paymentRef = sim.NumericRef(19)
		d.gatewayRef = "00"
	}
}

// PaymentNotice is the charge object posted to post.url, for final states
// only (never INITIATED or ABANDONED).
func (rt *Route) PaymentNotice(p *sim.Payment) (sim.Notice, error) {
	d := p.Data.(*charge)
	n, err := rt.notice(d.postURL, "charge "+outcomeOf(p.Result).status, func(attempt int) any {
		return rt.charge(p, "POST", attempt)
	})
	n.Deliver = p.State != status.Pending && p.Result != sim.ResExpired // to post.url, when there is one
	return n, err
}

// RefundNotice is the refund object posted to the refund's post.url.
func (rt *Route) RefundNotice(r *sim.Refund) (sim.Notice, error) {
	d := r.Data.(*refundData)
	n, err := rt.notice(d.postURL, "refund "+refundOutcomeOf(r.State).status, func(attempt int) any {
		return rt.refund(r, attempt)
	})
	n.Deliver = true // to the refund's post.url, when there is one
	return n, err
}

// notice signs object's rendering for each attempt (post.attempt changes).
func (rt *Route) notice(url, event string, object func(attempt int) any) (sim.Notice, error) {
	n := sim.Notice{Event: event, URL: url}
	for i := range n.Attempts {
		body, err := json.Marshal(object(i + 1))
		if err != nil {
			return sim.Notice{}, fmt.Errorf("qpaytest: encode webhook: %w", err)
		}
		h, err := WebhookHeader(rt.key, body)
		if err != nil {
			return sim.Notice{}, err
		}
		n.Attempts[i] = sim.Signed{Header: h, Body: body}
	}
	return n, nil
}

// Describe reports Tap's words: its charge keeps saying CAPTURED after
// refunds.
func (rt *Route) Describe(p *sim.Payment, v *sim.View) {
	o := outcomeOf(p.Result)
	v.RawStatus, v.Code, v.Message = rawStatus(p), o.code, o.message
	v.WebhookURL = p.Data.(*charge).postURL
	for i, r := range p.Refunds {
		v.Refunds[i].RawStatus = refundOutcomeOf(r.State).status
	}
}

// Page names Tap, shows reference.transaction (or .order) and sends the
// shopper to redirect.url with tap_id added.
func (rt *Route) Page(p *sim.Payment) sim.Page {
	ref := p.Reference
	if ref == "" {
		ref = p.Data.(*charge).order
	}
	return sim.Page{
		Provider:  "Tap Payments",
		Reference: ref,
		Return:    sim.WithQuery(p.ReturnURL, "tap_id", p.ID),
	}
}

// WebhookHeader returns the headers of a Tap webhook delivering object (a
// charge or refund object, exactly the bytes that will be sent): the
// hashstring signature keyed with the account's secret key, and Tap's
// Content-Type and User-Agent.
func WebhookHeader(secretKey qpay.Secret, object []byte) (http.Header, error) {
	sig, err := tap.Hashstring(secretKey, object)
	if err != nil {
		return nil, fmt.Errorf("qpaytest: sign Tap webhook: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	h.Set(tap.SignatureHeader, sig)
	return h, nil
}

// userAgent is the User-Agent of Tap's documented webhook deliveries.
const userAgent = "Apache-HttpClient/4.5.13 (Java/18.0.2.1)"

// charge is Tap's own part of a payment.
type charge struct {
	order         string // reference.order
	postURL       string
	merchantID    string
	expiryMinutes int
	track         string
	paymentRef    string
	gatewayRef    string
	receiptEmail  bool
	receiptSMS    bool
	cust          customer
	source        string  // the source.id asked for: src_qa.qpay, src_all, src_card
	destinations  []share // the split asked for
}

type customer struct {
	id        string
	firstName string
	lastName  string
	email     string
	phoneCC   string
	phoneNum  string
}

// refundData is Tap's own part of a refund.
type refundData struct {
	reason       string
	description  string
	postURL      string
	gatewayRef   string
	paymentRef   string
	destinations []share // each destination's share taken back
}

// outcome is how Tap reports a result: its documented response codes.
type outcome struct{ status, code, message string }

// outcomes is Tap's word for each result. An unfinished INITIATED charge
// becomes ABANDONED; its response code for a lapsed page is 304 Expired.
var outcomes = [...]outcome{
	sim.ResNone:                 {"INITIATED", "100", "Initiated"},
	sim.ResCaptured:             {"CAPTURED", "000", "Captured"},
	sim.ResInsufficientFunds:    {"DECLINED", "505", "Declined, Insufficient Funds"},
	sim.ResIssuerDeclined:       {"DECLINED", "507", "Declined, Card Issuer"},
	sim.ResAuthenticationFailed: {"DECLINED", "516", "Declined, Authentication Failed"},
	sim.ResInvalidCard:          {"FAILED", "405", "Failed, Invalid Card No"},
	sim.ResExpiredCard:          {"FAILED", "407", "Failed, Expired Card"},
	sim.ResCanceled:             {"CANCELLED", "302", "Canceled"},
	sim.ResExpired:              {"ABANDONED", "304", "Expired"},
}

func outcomeOf(r sim.Result) outcome {
	if int(r) < len(outcomes) {
		return outcomes[r]
	}
	return outcomes[sim.ResNone]
}

func refundOutcomeOf(s status.RefundStatus) outcome {
	switch s {
	case status.RefundSucceeded:
		return outcome{"REFUNDED", "000", "Refunded"}
	case status.RefundFailed:
		return outcome{"DECLINED", "501", "Declined"}
	}
	return outcome{"PENDING", "100", "Pending"}
}

// rawStatus is the charge's status word: Tap's charge reports no refunds.
func rawStatus(p *sim.Payment) string { return outcomeOf(p.Result).status }

// Tap IDs look like chg_TS07A0320241133g5RO1906000: the prefix, "TS" and 24
// letters and digits.
func newID(prefix string) string { return prefix + "_TS" + sim.RandomFrom(sim.Alnum, 24) }

func epochMillis(t time.Time) int64 { return t.UnixMilli() }
