package checkout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Backend { return newGockBackend(t) })
}

// gockBackend plays Checkout.com for the conformance suite: persistent gock
// mocks whose answers are computed, by Response.Map, from a small in-memory
// account built on the documented examples in testdata/.
type gockBackend struct {
	t         *testing.T
	templates map[string][]byte

	mu        sync.Mutex
	seq       int
	payments  map[string]*simPayment // by pay_ ID
	sessions  map[string]string      // sid_ -> pay_
	replays   map[string][]byte      // idempotency key -> first 2xx body
	counts    map[string]int
	failures  map[string][]int
	misreport map[string]int
}

type simPayment struct {
	id, session, reference string
	amount                 int64
	currency               string
	status                 string // Checkout's raw status
	metadata               map[string]string
	refunds                []*simRefund // oldest first
	hosted                 *simHosted   // set for a payment made on the hosted page
}

type simRefund struct {
	id, reference string
	amount        int64
	approved      *bool
	metadata      map[string]string
}

// refunded is what the payment's refunds claim: approved and pending ones.
func (p *simPayment) refunded() int64 {
	var n int64
	for _, r := range p.refunds {
		if r.approved == nil || *r.approved {
			n += r.amount
		}
	}
	return n
}

func newGockBackend(t *testing.T) *gockBackend {
	b := &gockBackend{
		t:         t,
		templates: map[string][]byte{},
		payments:  map[string]*simPayment{},
		sessions:  map[string]string{},
		replays:   map[string][]byte{},
		counts:    map[string]int{},
		failures:  map[string][]int{},
		misreport: map[string]int{},
	}
	for _, name := range []string{
		"payment-pending-202.json", "payment-captured.json", "payment-declined.json", "payment-actions.json",
		"refund-accepted-202.json", "error-422.json", "webhook-payment-captured.json", "webhook-payment-refunded.json",
		"hosted-payment-created.json", "hosted-payment-details.json",
	} {
		b.templates[name] = fixture(t, name)
	}
	gock.Intercept()
	gock.CleanUnmatchedRequest()
	t.Cleanup(func() {
		assert.False(t, gock.HasUnmatchedRequest(), "requests no Checkout endpoint answers: %v", gock.GetUnmatchedRequests())
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	const id = `[A-Za-z0-9_-]+`
	gock.New(SandboxBaseURL).Post(`^/payments$`).Persist().Reply(http.StatusOK).Map(b.serve(b.createPayment))
	gock.New(SandboxBaseURL).Get(`^/payments/` + id + `$`).Persist().Reply(http.StatusOK).Map(b.serve(b.getPayment))
	gock.New(SandboxBaseURL).Get(`^/payments/` + id + `/actions$`).Persist().Reply(http.StatusOK).Map(b.serve(b.listActions))
	gock.New(SandboxBaseURL).Post(`^/payments/` + id + `/refunds$`).Persist().Reply(http.StatusOK).Map(b.serve(b.refund))
	b.routeHosted(id)
	return b
}

// answer is a handler's reply before it becomes an *http.Response.
type answer struct {
	code int
	body []byte
}

// serve adapts a handler to gock's response mapper, with what every
// Checkout answer has: authentication and a Cko-Request-Id.
func (b *gockBackend) serve(h func(req *http.Request, body []byte) answer) func(*http.Response) *http.Response {
	return func(res *http.Response) *http.Response {
		req := res.Request
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		b.mu.Lock()
		b.seq++
		rid := fmt.Sprintf("0HSIM%08d", b.seq)
		var a answer
		if req.Header.Get("Authorization") != "Bearer "+sandboxKey.Reveal() {
			a = answer{code: http.StatusUnauthorized}
		} else {
			a = h(req, body)
		}
		b.mu.Unlock()
		out := &http.Response{
			StatusCode:    a.code,
			Status:        fmt.Sprintf("%d %s", a.code, http.StatusText(a.code)),
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{"Cko-Request-Id": {rid}},
			Body:          io.NopCloser(bytes.NewReader(a.body)),
			ContentLength: int64(len(a.body)),
			Request:       req,
		}
		if len(a.body) > 0 {
			out.Header.Set("Content-Type", "application/json")
		}
		return out
	}
}

// failed pops a queued failure of op, answered with the documented body of
// its status.
func (b *gockBackend) failed(op string) (answer, bool) {
	q := b.failures[op]
	if len(q) == 0 {
		return answer{}, false
	}
	code := q[0]
	b.failures[op] = q[1:]
	switch {
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return answer{code, b.templates["error-422.json"]}, true
	case code >= 500:
		return answer{code, []byte("<html><body><h1>" + http.StatusText(code) + "</h1></body></html>")}, true
	}
	return answer{code: code}, true // 401, 403, 404, 409 and 429 come without a body
}

func (b *gockBackend) misreported(op string) bool {
	if b.misreport[op] == 0 {
		return false
	}
	b.misreport[op]--
	return true
}

func (b *gockBackend) newID(prefix string) string {
	b.seq++
	return fmt.Sprintf("%s%026d", prefix, b.seq)
}

// render patches a template and encodes it, replacing the examples'
// payment ID everywhere (links included) with id.
func (b *gockBackend) render(name, id string, edit func(m map[string]any)) []byte {
	tmpl := bytes.ReplaceAll(b.templates[name], []byte(fixturePaymentID), []byte(id))
	return patch(b.t, tmpl, edit)
}

func (b *gockBackend) createPayment(req *http.Request, body []byte) answer {
	b.counts[conformance.OpCreatePayment]++
	if a, ok := b.failed(conformance.OpCreatePayment); ok {
		return a
	}
	key := req.Header.Get("Cko-Idempotency-Key")
	if key == "" {
		b.t.Errorf("POST /payments without Cko-Idempotency-Key")
	}
	if first, ok := b.replays[key]; ok {
		return answer{http.StatusAccepted, first}
	}
	var in struct {
		Amount    int64             `json:"amount"`
		Currency  string            `json:"currency"`
		Reference string            `json:"reference"`
		Metadata  map[string]string `json:"metadata"`
		Source    struct {
			Type        string `json:"type"`
			Description string `json:"description"`
		} `json:"source"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Source.Type != "qpay" || in.Currency != "QAR" ||
		in.Amount <= 0 || in.Source.Description == "" {
		return answer{http.StatusUnprocessableEntity, b.templates["error-422.json"]}
	}
	p := &simPayment{
		id: b.newID("pay_"), session: b.newID("sid_"), reference: in.Reference,
		amount: in.Amount, currency: in.Currency, status: "Pending", metadata: in.Metadata,
	}
	b.payments[p.id] = p
	b.sessions[p.session] = p.id
	reference := p.reference
	if b.misreported(conformance.OpCreatePayment) {
		reference = "ORD-someone-else"
	}
	out := b.render("payment-pending-202.json", p.id, func(m map[string]any) { m["reference"] = reference })
	b.replays[key] = out
	return answer{http.StatusAccepted, out}
}

func (b *gockBackend) lookup(req *http.Request) *simPayment {
	id := strings.Split(strings.TrimPrefix(req.URL.Path, "/payments/"), "/")[0]
	if pay, ok := b.sessions[id]; ok {
		id = pay
	}
	if p := b.payments[id]; p != nil && (p.hosted == nil || p.hosted.paid) {
		return p // a hosted page's payment exists once the shopper paid
	}
	return nil
}

func (b *gockBackend) getPayment(req *http.Request, _ []byte) answer {
	b.counts[conformance.OpGetPayment]++
	if a, ok := b.failed(conformance.OpGetPayment); ok {
		return a
	}
	p := b.lookup(req)
	if p == nil {
		return answer{code: http.StatusNotFound}
	}
	id := p.id
	if b.misreported(conformance.OpGetPayment) {
		id = "pay_" + strings.Repeat("x", 26)
	}
	tmpl := "payment-captured.json"
	if p.status == "Declined" {
		tmpl = "payment-declined.json" // with the QPay gateway's reason
	}
	return answer{http.StatusOK, b.render(tmpl, id, func(m map[string]any) {
		m["amount"], m["currency"], m["reference"], m["status"] = p.amount, p.currency, p.reference, p.status
		m["approved"] = p.status == "Captured"
		m["metadata"] = p.metadata
		if p.hosted != nil && p.hosted.method == qpay.MethodCard {
			m["source"] = cardSource
		}
	})}
}

func (b *gockBackend) listActions(req *http.Request, _ []byte) answer {
	p := b.lookup(req)
	if p == nil {
		return answer{code: http.StatusNotFound}
	}
	var examples []map[string]any
	require.NoError(b.t, json.Unmarshal(b.templates["payment-actions.json"], &examples))
	refundExample, captureExample := examples[0], examples[1]
	acts := []map[string]any{}
	for i := len(p.refunds) - 1; i >= 0; i-- { // newest first
		r := p.refunds[i]
		a := clone(refundExample)
		a["id"], a["amount"], a["reference"], a["metadata"] = r.id, r.amount, r.reference, r.metadata
		if r.approved == nil {
			delete(a, "approved")
		} else {
			a["approved"] = *r.approved
		}
		acts = append(acts, a)
	}
	if p.status == "Captured" {
		c := clone(captureExample)
		c["id"], c["amount"], c["reference"] = "act_capture_"+p.id, p.amount, p.reference
		acts = append(acts, c)
	}
	out, err := json.Marshal(acts)
	require.NoError(b.t, err)
	return answer{http.StatusOK, out}
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (b *gockBackend) refund(req *http.Request, body []byte) answer {
	b.counts[conformance.OpRefund]++
	if a, ok := b.failed(conformance.OpRefund); ok {
		return a
	}
	p := b.lookup(req)
	if p == nil {
		return answer{code: http.StatusNotFound}
	}
	key := req.Header.Get("Cko-Idempotency-Key")
	if key == "" {
		b.t.Errorf("POST /payments/%s/refunds without Cko-Idempotency-Key", p.id)
	}
	if first, ok := b.replays[key]; ok {
		return answer{http.StatusAccepted, first}
	}
	var in struct {
		Amount    int64             `json:"amount"`
		Reference string            `json:"reference"`
		Metadata  map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Amount <= 0 {
		return answer{http.StatusUnprocessableEntity, b.templates["error-422.json"]}
	}
	if p.status != "Captured" {
		return answer{code: http.StatusForbidden} // "Refund not allowed", no body
	}
	if p.refunded()+in.Amount > p.amount {
		return answer{http.StatusUnprocessableEntity,
			[]byte(`{"request_id":"0HSIM","error_type":"request_invalid","error_codes":["refund_amount_exceeds_balance"]}`)}
	}
	r := &simRefund{id: b.newID("act_"), reference: in.Reference, amount: in.Amount, metadata: in.Metadata}
	p.refunds = append(p.refunds, r)
	out := b.render("refund-accepted-202.json", p.id, func(m map[string]any) {
		m["action_id"], m["reference"] = r.id, r.reference
	})
	b.replays[key] = out
	return answer{http.StatusAccepted, out}
}

// Provider builds the adapter as a merchant would, on a sandbox key, with
// its HTTP client intercepted by gock.
func (b *gockBackend) Provider(t *testing.T) qpay.Provider {
	return newTestProvider(t, Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret})
}

// settledStatus is what Checkout reports once the shopper is done.
var settledStatus = map[status.Status]string{
	status.Captured: "Captured",
	status.Failed:   "Declined",
	status.Canceled: "Canceled",
	status.Expired:  "Expired",
}

func (b *gockBackend) Settle(t *testing.T, id string, to status.Status) {
	raw, ok := settledStatus[to]
	require.True(t, ok, "cannot settle to %s", to)
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.resolve(id)
	require.NotNil(t, p, "no payment %s", id)
	p.status = raw
}

// paymentEventTypes is the event Checkout sends for each settled status.
var paymentEventTypes = map[string]string{
	"Pending":  "payment_pending",
	"Captured": "payment_captured",
	"Declined": "payment_declined",
	"Canceled": "payment_canceled",
	"Expired":  "payment_expired",
}

func (b *gockBackend) PaymentWebhook(t *testing.T, id string) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.resolve(id)
	require.NotNil(t, p, "no payment %s", id)
	typ := paymentEventTypes[p.status]
	body := b.render("webhook-payment-captured.json", p.id, func(m map[string]any) {
		m["id"], m["type"] = "evt_"+strings.ToLower(p.status)+"_"+strings.TrimPrefix(p.id, "pay_"), typ
		d := obj(m, "data")
		d["amount"], d["currency"], d["reference"], d["metadata"] = p.amount, p.currency, p.reference, p.metadata
		d["action_id"] = "act_" + strings.TrimPrefix(p.id, "pay_")
		if p.hosted != nil && p.hosted.method == qpay.MethodCard {
			d["source"] = cardSource
		}
	})
	return b.signed(body), body
}

func (b *gockBackend) RefundWebhook(t *testing.T, r *qpay.Refund) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.payments[r.PaymentID]
	require.NotNil(t, p, "no payment %s", r.PaymentID)
	var found *simRefund
	for _, sr := range p.refunds {
		if sr.id == r.ID {
			found = sr
		}
	}
	require.NotNil(t, found, "no refund %s", r.ID)
	approved := true
	found.approved = &approved
	body := b.render("webhook-payment-refunded.json", p.id, func(m map[string]any) {
		m["id"] = "evt_refunded_" + strings.TrimPrefix(found.id, "act_")
		d := obj(m, "data")
		d["action_id"], d["amount"], d["currency"], d["reference"] = found.id, found.amount, p.currency, found.reference
	})
	return b.signed(body), body
}

func (b *gockBackend) signed(body []byte) http.Header {
	h := http.Header{}
	h.Set(SignatureHeader, Signature(webhookSecret, body))
	return h
}

func (b *gockBackend) SignatureHeader() string { return SignatureHeader }

func (b *gockBackend) FailNext(t *testing.T, op string, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[op] = append(b.failures[op], code)
}

func (b *gockBackend) MisreportNext(t *testing.T, op string) {
	require.Contains(t, []string{conformance.OpCreatePayment, conformance.OpGetPayment}, op, "Checkout's answers to %s echo nothing to misreport", op)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.misreport[op]++
}

func (b *gockBackend) Requests(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[op]
}
