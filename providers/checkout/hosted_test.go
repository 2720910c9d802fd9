package checkout

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

// fixtureHostedID is the page ID of the documented hosted-payment bodies.
const fixtureHostedID = "hpp_kQhs_fI9b8oQ"

// simHosted is the Hosted Payments Page a payment was made on. The payment
// exists (GET /payments answers) once the shopper has paid.
type simHosted struct {
	id      string
	methods []string
	method  string
	paid    bool
}

// cardSource is a card payment's source, as GET /payments/{id} reports
// one (Checkout's "Get payment details" example: type card, scheme Visa).
var cardSource = map[string]any{
	"type": "card", "scheme": "Visa", "last4": "4242", "bin": "424242", "card_type": "CREDIT",
	"expiry_month": 12, "expiry_year": 2049,
}

// resolve finds a payment by pay_, sid_ or hpp_ ID, paid or not. The
// caller holds b.mu.
func (b *gockBackend) resolve(id string) *simPayment {
	if pay, ok := b.sessions[id]; ok {
		id = pay
	}
	return b.payments[id]
}

func (b *gockBackend) routeHosted(id string) {
	gock.New(SandboxBaseURL).Post(`^/hosted-payments$`).Persist().Reply(http.StatusOK).Map(b.serve(b.createHosted))
	gock.New(SandboxBaseURL).Get(`^/hosted-payments/` + id + `$`).Persist().Reply(http.StatusOK).Map(b.serve(b.getHosted))
}

func (b *gockBackend) createHosted(req *http.Request, body []byte) answer {
	b.counts[conformance.OpCreatePayment]++
	if a, ok := b.failed(conformance.OpCreatePayment); ok {
		return a
	}
	key := req.Header.Get("Cko-Idempotency-Key")
	if first, ok := b.replays[key]; ok && key != "" {
		return answer{http.StatusCreated, first}
	}
	var in struct {
		Amount    int64             `json:"amount"`
		Currency  string            `json:"currency"`
		Reference string            `json:"reference"`
		Metadata  map[string]string `json:"metadata"`
		Billing   *struct {
			Address struct {
				Country string `json:"country"`
			} `json:"address"`
		} `json:"billing"`
		SuccessURL string   `json:"success_url"`
		FailureURL string   `json:"failure_url"`
		CancelURL  string   `json:"cancel_url"`
		Allow      []string `json:"allow_payment_methods"`
	}
	// The API reference's required fields: currency, billing (with a
	// country), success_url, failure_url and cancel_url.
	if err := json.Unmarshal(body, &in); err != nil || in.Currency != "QAR" || in.Amount <= 0 || in.Billing == nil ||
		in.Billing.Address.Country == "" || in.SuccessURL == "" || in.FailureURL == "" || in.CancelURL == "" {
		return answer{http.StatusUnprocessableEntity, b.templates["error-422.json"]}
	}
	methods := in.Allow
	if len(methods) == 0 {
		methods = []string{"qpay", "card"}
	}
	b.seq++
	h := &simHosted{id: fmt.Sprintf("hpp_%012d", b.seq), methods: methods}
	p := &simPayment{
		id: b.newID("pay_"), session: b.newID("sid_"), reference: in.Reference,
		amount: in.Amount, currency: in.Currency, status: "Pending", metadata: in.Metadata, hosted: h,
	}
	b.payments[p.id] = p
	b.sessions[p.session] = p.id
	b.sessions[h.id] = p.id
	reference := p.reference
	if b.misreported(conformance.OpCreatePayment) {
		reference = "ORD-someone-else"
	}
	tmpl := strings.ReplaceAll(string(b.templates["hosted-payment-created.json"]), fixtureHostedID, h.id)
	out := patch(b.t, []byte(tmpl), func(m map[string]any) { m["reference"] = reference })
	if key != "" {
		b.replays[key] = out
	}
	return answer{http.StatusCreated, out}
}

func (b *gockBackend) getHosted(req *http.Request, _ []byte) answer {
	b.counts[conformance.OpGetPayment]++
	if a, ok := b.failed(conformance.OpGetPayment); ok {
		return a
	}
	id := strings.TrimPrefix(req.URL.Path, "/hosted-payments/")
	p := b.resolve(id)
	if p == nil || p.hosted == nil || p.hosted.id != id {
		return answer{code: http.StatusNotFound}
	}
	tmpl := strings.ReplaceAll(string(b.templates["hosted-payment-details.json"]), fixtureHostedID, id)
	return answer{http.StatusOK, patch(b.t, []byte(tmpl), func(m map[string]any) {
		m["amount"], m["currency"], m["reference"], m["metadata"] = p.amount, p.currency, p.reference, p.metadata
		switch {
		case p.hosted.paid:
			m["payment_id"] = p.id
			if p.status == "Captured" {
				m["status"] = "Payment Received"
			}
		case p.status == "Expired":
			m["status"] = "Expired"
		}
	})}
}

// HostedPages implements conformance.Hosted.
func (b *gockBackend) HostedPages() bool { return true }

// SettleHosted implements conformance.Hosted: the shopper pays on the page,
// which creates the payment.
func (b *gockBackend) SettleHosted(t *testing.T, id, method string, to status.Status) {
	require.True(t, b.Offers(t, id, method), "page %s does not offer %s", id, method)
	b.Settle(t, id, to)
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.resolve(id).hosted
	h.method, h.paid = method, true
}

// Offers implements conformance.Hosted.
func (b *gockBackend) Offers(t *testing.T, id, method string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.resolve(id)
	require.NotNil(t, p, "no payment %s", id)
	if p.hosted == nil {
		return method == qpay.MethodQPay
	}
	return slices.Contains(p.hosted.methods, method)
}

// ReturnQuery implements conformance.Hosted: Checkout adds cko-session-id
// to success_url and failure_url.
func (b *gockBackend) ReturnQuery(t *testing.T, id string) url.Values {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.resolve(id)
	require.NotNil(t, p, "no payment %s", id)
	return url.Values{"cko-session-id": {p.session}}
}

// TakesSplits implements conformance.Splitter: qpay sends no splits to
// Checkout (doc.go).
func (b *gockBackend) TakesSplits() bool { return false }

var (
	_ conformance.Hosted   = (*gockBackend)(nil)
	_ conformance.Splitter = (*gockBackend)(nil)
)
