package mpgs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/h2non/gock"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Backend { return newGockBackend(t) })
}

// gockBackend plays the Mastercard Gateway for the conformance suite:
// persistent gock mocks whose answers are computed from a small in-memory
// merchant profile, in the documented shapes of testdata/.
type gockBackend struct {
	t *testing.T

	mu        sync.Mutex
	orders    map[string]*gockOrder
	counts    map[string]int
	failures  map[string][]int
	misreport map[string]int
	lose      map[string][]int // op -> statuses answered after the operation was carried out
}

type gockOrder struct {
	id, reference, returnURL string
	amount                   decimal.Decimal
	status                   string // order.status
	result, code, message    string // the payment transaction's
	refunds                  []*gockRefund
}

type gockRefund struct {
	id, reference string
	amount        decimal.Decimal
	result, code  string
}

func (o *gockOrder) refunded() decimal.Decimal {
	sum := decimal.Zero
	for _, r := range o.refunds {
		if r.result == "SUCCESS" {
			sum = sum.Add(r.amount)
		}
	}
	return sum
}

func newGockBackend(t *testing.T) *gockBackend {
	b := &gockBackend{
		t:         t,
		orders:    map[string]*gockOrder{},
		counts:    map[string]int{},
		failures:  map[string][]int{},
		misreport: map[string]int{},
		lose:      map[string][]int{},
	}
	gock.Intercept()
	gock.CleanUnmatchedRequest()
	t.Cleanup(func() {
		assert.False(t, gock.HasUnmatchedRequest(), "requests no gateway endpoint answers: %v", gock.GetUnmatchedRequests())
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	const id = `[A-Za-z0-9_-]+`
	gock.New(testHost).Put(`^` + testBasePath + `/order/` + id + `/transaction/` + id + `$`).Persist().Reply(http.StatusOK).Map(b.serve(b.put))
	gock.New(testHost).Get(`^` + testBasePath + `/order/` + id + `$`).Persist().Reply(http.StatusOK).Map(b.serve(b.getOrder))
	return b
}

// answer is a handler's reply before it becomes an *http.Response.
type answer struct {
	code int
	body []byte
}

var pathIDs = regexp.MustCompile(`/order/([^/]+)(?:/transaction/([^/]+))?$`)

// serve adapts a handler to gock's response mapper, with the gateway's
// Basic authentication.
func (b *gockBackend) serve(h func(order, tx string, body []byte) answer) func(*http.Response) *http.Response {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("merchant."+testMerchant+":"+testPassword.Reveal()))
	return func(res *http.Response) *http.Response {
		req := res.Request
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
		}
		m := pathIDs.FindStringSubmatch(req.URL.Path)
		b.mu.Lock()
		var a answer
		if req.Header.Get("Authorization") != want {
			a = answer{http.StatusUnauthorized, fixture(b.t, "error-401.json")}
		} else {
			a = h(m[1], m[2], body)
		}
		b.mu.Unlock()
		out := &http.Response{
			StatusCode:    a.code,
			Status:        fmt.Sprintf("%d %s", a.code, http.StatusText(a.code)),
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Body:          io.NopCloser(bytes.NewReader(a.body)),
			ContentLength: int64(len(a.body)),
			Request:       req,
		}
		if len(a.body) > 0 {
			out.Header.Set("Content-Type", "application/json;charset=ISO-8859-1")
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
	case code == http.StatusUnauthorized:
		return answer{code, fixture(b.t, "error-401.json")}, true
	case code == http.StatusBadRequest:
		return answer{code, fixture(b.t, "error-400-invalid.json")}, true
	case code == http.StatusNotFound:
		return answer{code, fixture(b.t, "error-400-unknown-order.json")}, true
	case code == http.StatusServiceUnavailable:
		return answer{code, fixture(b.t, "error-server-busy.json")}, true
	case code >= 500:
		return answer{code, []byte("<html><body><h1>" + http.StatusText(code) + "</h1></body></html>")}, true
	}
	return answer{code: code}, true // 429: not documented, no body
}

// LoseNextAnswer makes the gateway carry out the next request of op and
// then answer code instead of its answer, as a proxy that fails after the
// gateway did the work.
func (b *gockBackend) LoseNextAnswer(op string, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lose[op] = append(b.lose[op], code)
}

func (b *gockBackend) lost(op string, a answer) answer {
	q := b.lose[op]
	if len(q) == 0 || a.code != http.StatusCreated {
		return a
	}
	b.lose[op] = q[1:]
	return answer{q[0], []byte("<html><body><h1>" + http.StatusText(q[0]) + "</h1></body></html>")}
}

func (b *gockBackend) misreported(op string) bool {
	if b.misreport[op] == 0 {
		return false
	}
	b.misreport[op]--
	return true
}

func errorBody(cause, explanation string) []byte {
	out, _ := json.Marshal(map[string]any{"result": "ERROR", "error": map[string]string{"cause": cause, "explanation": explanation}})
	return out
}

func num(d decimal.Decimal) json.Number { return json.Number(d.StringFixed(2)) }

func (b *gockBackend) put(orderID, txID string, body []byte) answer {
	var in struct {
		APIOperation   string `json:"apiOperation"`
		BrowserPayment struct {
			Operation string `json:"operation"`
			ReturnURL string `json:"returnUrl"`
		} `json:"browserPayment"`
		Order struct {
			Amount    string `json:"amount"`
			Currency  string `json:"currency"`
			Reference string `json:"reference"`
		} `json:"order"`
		SourceOfFunds struct {
			Type           string `json:"type"`
			BrowserPayment struct {
				Type string `json:"type"`
			} `json:"browserPayment"`
		} `json:"sourceOfFunds"`
		Transaction struct {
			Amount    string `json:"amount"`
			Currency  string `json:"currency"`
			Reference string `json:"reference"`
		} `json:"transaction"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Unable to parse the request")}
	}
	switch in.APIOperation {
	case opInitiate:
		return b.lost(conformance.OpCreatePayment, b.initiate(orderID, txID, in.BrowserPayment.Operation, in.BrowserPayment.ReturnURL,
			in.Order.Amount, in.Order.Currency, in.Order.Reference, in.SourceOfFunds.Type+"/"+in.SourceOfFunds.BrowserPayment.Type))
	case opRefund:
		return b.lost(conformance.OpRefund, b.refund(orderID, txID, in.Transaction.Amount, in.Transaction.Currency, in.Transaction.Reference))
	}
	return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Value '"+in.APIOperation+"' is invalid.")}
}

// amountString is the documented rule for request amounts: a string of
// 0-9 and '.', 1 to 14 characters.
var amountString = regexp.MustCompile(`^[0-9.]{1,14}$`)

func (b *gockBackend) initiate(orderID, txID, operation, returnURL, amount, currency, reference, source string) answer {
	b.counts[conformance.OpCreatePayment]++
	if a, ok := b.failed(conformance.OpCreatePayment); ok {
		return a
	}
	if o := b.orders[orderID]; o != nil {
		// UNCONFIRMED what the gateway answers; modelled as a refusal,
		// which the adapter must meet by reading the order back.
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Transaction with id '"+txID+"' already exists for order '"+orderID+"'")}
	}
	d, err := decimal.NewFromString(amount)
	if !amountString.MatchString(amount) || err != nil || !d.IsPositive() || currency != "QAR" || operation != "PAY" ||
		source != "BROWSER_PAYMENT/QPAY" || !strings.HasPrefix(returnURL, "https://") || txID != paymentTransactionID {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Invalid QPAY browser payment request")}
	}
	o := &gockOrder{id: orderID, reference: reference, returnURL: returnURL, amount: d, status: "INITIATED", result: "SUCCESS", code: "SUBMITTED"}
	b.orders[orderID] = o
	out := b.transaction(o, nil)
	if b.misreported(conformance.OpCreatePayment) {
		out = patch(b.t, out, func(m map[string]any) { obj(m, "order")["amount"] = num(d.Add(decimal.NewFromInt(1))) })
	}
	return answer{http.StatusCreated, out}
}

func (b *gockBackend) refund(orderID, txID, amount, currency, reference string) answer {
	b.counts[conformance.OpRefund]++
	if a, ok := b.failed(conformance.OpRefund); ok {
		return a
	}
	o := b.orders[orderID]
	if o == nil {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Unable to find order = "+orderID+" for merchant "+testMerchant)}
	}
	for _, r := range o.refunds {
		if r.id == txID {
			return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Transaction with id '"+txID+"' already exists for order '"+orderID+"'")}
		}
	}
	d, err := decimal.NewFromString(amount)
	if !amountString.MatchString(amount) || err != nil || !d.IsPositive() || currency != "QAR" {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Invalid refund request")}
	}
	if o.status != "CAPTURED" && o.status != "PARTIALLY_REFUNDED" {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Refund not permitted for order in status "+o.status)}
	}
	if o.refunded().Add(d).GreaterThan(o.amount) {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Requested refund amount exceeds the captured amount")}
	}
	r := &gockRefund{id: txID, reference: reference, amount: d, result: "SUCCESS", code: "APPROVED"}
	o.refunds = append(o.refunds, r)
	o.status = "PARTIALLY_REFUNDED"
	if o.refunded().Equal(o.amount) {
		o.status = "REFUNDED"
	}
	return answer{http.StatusCreated, b.transaction(o, r)}
}

func (b *gockBackend) getOrder(orderID, _ string, _ []byte) answer {
	b.counts[conformance.OpGetPayment]++
	if a, ok := b.failed(conformance.OpGetPayment); ok {
		return a
	}
	o := b.orders[orderID]
	if o == nil {
		return answer{http.StatusBadRequest, errorBody("INVALID_REQUEST", "Unable to find order = "+orderID+" for merchant "+testMerchant)}
	}
	m := b.orderFields(o)
	m["result"], m["merchant"] = "SUCCESS", testMerchant
	txs := []any{b.transactionMap(o, nil, false)}
	for _, r := range o.refunds {
		txs = append(txs, b.transactionMap(o, r, false))
	}
	m["transaction"] = txs
	if b.misreported(conformance.OpGetPayment) {
		m["id"] = OrderIDPrefix + strings.Repeat("0", 32) // another order
	}
	out, err := json.Marshal(m)
	require.NoError(b.t, err)
	return answer{http.StatusOK, out}
}

func (b *gockBackend) orderFields(o *gockOrder) map[string]any {
	return map[string]any{
		"id": o.id, "amount": num(o.amount), "currency": "QAR", "reference": o.reference, "status": o.status,
		"creationTime": "2026-11-30T10:00:00.000Z", "totalCapturedAmount": num(o.captured()), "totalRefundedAmount": num(o.refunded()),
	}
}

func (o *gockOrder) captured() decimal.Decimal {
	if o.result == "SUCCESS" && o.code == "APPROVED" {
		return o.amount
	}
	return decimal.Zero
}

// transactionMap is the payment transaction (r nil) or refund r of o, as
// Retrieve Transaction shapes it; withOrder repeats the order's fields.
func (b *gockBackend) transactionMap(o *gockOrder, r *gockRefund, withOrder bool) map[string]any {
	m := map[string]any{"merchant": testMerchant, "version": "100", "timeOfRecord": "2026-11-30T10:01:00.000Z"}
	if withOrder {
		m["order"] = b.orderFields(o)
	}
	if r == nil {
		m["result"] = o.result
		m["response"] = map[string]any{"gatewayCode": o.code, "acquirerMessage": o.message}
		m["sourceOfFunds"] = map[string]any{"type": "BROWSER_PAYMENT", "browserPayment": map[string]any{"type": "QPAY"}}
		bp := map[string]any{"operation": "PAY", "returnUrl": o.returnURL, "interaction": map[string]any{"status": "INITIATED"}}
		if o.status == "INITIATED" {
			bp["redirectUrl"] = testHost + "/bpui/qpay/" + o.id
		} else {
			bp["interaction"] = map[string]any{"status": "COMPLETED"}
		}
		m["browserPayment"] = bp
		m["transaction"] = map[string]any{"id": paymentTransactionID, "type": "PAYMENT", "amount": num(o.amount), "currency": "QAR"}
		return m
	}
	m["result"] = r.result
	m["response"] = map[string]any{"gatewayCode": r.code, "acquirerCode": "00", "acquirerMessage": "Approved"}
	m["transaction"] = map[string]any{"id": r.id, "type": "REFUND", "amount": num(r.amount), "currency": "QAR", "reference": r.reference}
	return m
}

func (b *gockBackend) transaction(o *gockOrder, r *gockRefund) []byte {
	out, err := json.Marshal(b.transactionMap(o, r, true))
	require.NoError(b.t, err)
	return out
}

// Provider builds the adapter as a merchant would, on the test merchant,
// with its HTTP client intercepted by gock.
func (b *gockBackend) Provider(t *testing.T) qpay.Provider {
	return newTestProvider(t, testConfig(t))
}

// settled is what the gateway reports once the shopper is done: the
// order's status and its payment transaction's result, gatewayCode and
// acquirer message.
var settled = map[status.Status][4]string{
	status.Captured: {"CAPTURED", "SUCCESS", "APPROVED", "Approved"},
	status.Failed:   {"FAILED", "FAILURE", "DECLINED", "Declined"},
	status.Canceled: {"FAILED", "FAILURE", "CANCELLED", "Transaction cancelled by payer"},
	status.Expired:  {"FAILED", "FAILURE", "TIMED_OUT", "Response timed out"},
}

func (b *gockBackend) Settle(t *testing.T, id string, to status.Status) {
	s, ok := settled[to]
	require.True(t, ok, "cannot settle to %s", to)
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.orders[id]
	require.NotNil(t, o, "no order %s", id)
	o.status, o.result, o.code, o.message = s[0], s[1], s[2], s[3]
}

func (b *gockBackend) PaymentWebhook(t *testing.T, id string) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.orders[id]
	require.NotNil(t, o, "no order %s", id)
	return notification(testHookSecret, "ntf-"+digest(o.id, o.status)), b.transaction(o, nil)
}

func (b *gockBackend) RefundWebhook(t *testing.T, r *qpay.Refund) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := b.orders[r.PaymentID]
	require.NotNil(t, o, "no order %s", r.PaymentID)
	for _, gr := range o.refunds {
		if gr.id == r.ID {
			return notification(testHookSecret, "ntf-"+digest(o.id, gr.id)), b.transaction(o, gr)
		}
	}
	require.Failf(t, "no refund", "order %s has no refund %s", o.id, r.ID)
	return nil, nil
}

func (b *gockBackend) SignatureHeader() string { return SecretHeader }

// WebhookSecretIsNotASignature implements conformance.SharedSecret: the
// gateway sends its notification secret as is.
func (b *gockBackend) WebhookSecretIsNotASignature() {}

func (b *gockBackend) FailNext(t *testing.T, op string, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[op] = append(b.failures[op], code)
}

func (b *gockBackend) MisreportNext(t *testing.T, op string) {
	require.Contains(t, []string{conformance.OpCreatePayment, conformance.OpGetPayment}, op)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.misreport[op]++
}

func (b *gockBackend) Requests(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[op]
}
