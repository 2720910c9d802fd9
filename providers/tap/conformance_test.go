package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Backend { return newGockBackend(t) })
}

// TestConformanceBadSignatureForFieldSignatures is the replacement proposed
// for two cases of the suite's BadSignatureIsRejected, "body altered" (one
// bit flipped mid-body) and "signature of another" (a space appended). Both
// assume a signature over the raw bytes; Tap's hashstring covers seven
// fields, so a change elsewhere in the body, or JSON whitespace, verifies by
// design (TestWebhookSignatureCoversTheDocumentedFields). These cases fail
// for a byte signature and a field signature alike.
func TestConformanceBadSignatureForFieldSignatures(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	var ids []string
	for _, ref := range []string{"ORD-sig-1", "ORD-sig-2"} {
		pay, err := p.CreatePayment(ctx, conformance.Request(ref, "1.00"))
		require.NoError(t, err)
		b.Settle(t, pay.ID, status.Captured)
		ids = append(ids, pay.ID)
	}
	h, body := b.PaymentWebhook(t, ids[0])
	_, other := b.PaymentWebhook(t, ids[1])
	_, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)

	cases := map[string][]byte{
		"another payment's delivery":   other,
		"the payment ID swapped":       bytes.Replace(body, []byte(ids[0]), []byte(ids[1]), 1),
		"the outcome changed":          bytes.Replace(body, []byte(`"CAPTURED"`), []byte(`"DECLINED"`), 1),
		"the amount changed":           bytes.Replace(body, []byte(`"amount":1.00`), []byte(`"amount":100.00`), 1),
		"the body of another provider": []byte(`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100}}`),
	}
	for name, altered := range cases {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, body, altered)
			ev, err := p.ParseWebhook(ctx, h, altered)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, qpay.KindInvalidSignature)
		})
	}
}

// opListRefunds counts the refund list, the read-back of a refund; the
// suite's own ops count only the calls it makes.
const opListRefunds = "list_refunds"

// opGetRefund counts GET /v2/refunds/{id}, the read-back of a refund
// webhook.
const opGetRefund = qpay.OpGetRefund

// gockBackend plays Tap for the conformance suite: persistent gock mocks
// whose answers are computed from a small in-memory account, built from the
// documented example bodies. It speaks the wire format as the reference
// describes it, with types of its own, so that a misspelt field in the
// adapter is not mirrored here.
type gockBackend struct {
	key qpay.Secret

	mu         sync.Mutex
	seq        int
	charges    map[string]*simCharge
	chargeKeys map[string]string // reference.idempotent -> charge ID
	refunds    []*simRefund      // in creation order
	refundKeys map[string]string // reference.idempotent -> refund ID
	failNext   map[string][]int
	misreport  map[string]int
	requests   map[string]int

	// The documented bodies that answers are built from.
	initiated, captured, declined, refunded []byte
	// capturedVisa is a src_all charge paid by Visa, from the source and
	// card blocks of the Charges reference's "Expected Response".
	capturedVisa []byte
}

type simCharge struct {
	id                    string
	amount                money.Money
	status, code, message string
	reference             string
	description           string
	metadata              map[string]string
	redirect, post        string
	created               int64
	source                string     // src_qa.qpay, src_all or src_card
	method                string     // qpay.MethodQPay or qpay.MethodCard once paid
	destinations          []wireDest // the split asked for
}

// wireDest is one destination as Tap's Charges API documents it.
type wireDest struct {
	ID       string      `json:"id"`
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

type simRefund struct {
	id, chargeID string
	amount       money.Money
	status       string
	reference    string
	post         string
	created      int64
	destinations []wireDest
}

// wireCharge and wireRefund are the requests as the reference documents
// them, decoded independently of the adapter's own types.
type wireCharge struct {
	Amount      json.Number       `json:"amount"`
	Currency    string            `json:"currency"`
	Description string            `json:"description"`
	Metadata    map[string]string `json:"metadata"`
	Reference   struct {
		Transaction string `json:"transaction"`
		Order       string `json:"order"`
		Idempotent  string `json:"idempotent"`
	} `json:"reference"`
	Customer struct {
		FirstName string `json:"first_name"`
		Email     string `json:"email"`
		Phone     struct {
			Number string `json:"number"`
		} `json:"phone"`
	} `json:"customer"`
	Source       struct{ ID string }  `json:"source"`
	Redirect     struct{ URL string } `json:"redirect"`
	Post         struct{ URL string } `json:"post"`
	Destinations *struct {
		Destination []wireDest `json:"destination"`
	} `json:"destinations"`
}

type wireRefund struct {
	ChargeID  string      `json:"charge_id"`
	Amount    json.Number `json:"amount"`
	Currency  string      `json:"currency"`
	Reason    string      `json:"reason"`
	Reference struct {
		Merchant   string `json:"merchant"`
		Idempotent string `json:"idempotent"`
	} `json:"reference"`
	Post         struct{ URL string } `json:"post"`
	Destinations *struct {
		Destination []wireDest `json:"destination"`
	} `json:"destinations"`
}

type wireList struct {
	Period struct {
		Date struct {
			From int64 `json:"from"`
			To   int64 `json:"to"`
		} `json:"date"`
	} `json:"period"`
	Limit         int    `json:"limit"`
	StartingAfter string `json:"starting_after"`
}

func newGockBackend(t *testing.T) *gockBackend {
	b := &gockBackend{
		key:        testKey,
		charges:    map[string]*simCharge{},
		chargeKeys: map[string]string{},
		refundKeys: map[string]string{},
		failNext:   map[string][]int{},
		misreport:  map[string]int{},
		requests:   map[string]int{},
		initiated:  fixture(t, "charge-initiated.json"),
		captured:   fixture(t, "charge-captured.json"),
		declined:   fixture(t, "charge-declined.json"),
		refunded:   fixture(t, "refund-refunded.json"),

		capturedVisa: fixture(t, "charge-captured-visa.json"),
	}
	gock.Off()
	gock.CleanUnmatchedRequest()
	t.Cleanup(func() {
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	b.route(tapAPI().Post("^/v2/charges$"), conformance.OpCreatePayment, b.createCharge)
	b.route(tapAPI().Get("^/v2/charges/[^/]+$"), conformance.OpGetPayment, b.getCharge)
	b.route(tapAPI().Post("^/v2/refunds$"), conformance.OpRefund, b.createRefund)
	b.route(tapAPI().Post("^/v2/refunds/list$"), opListRefunds, b.listRefunds)
	b.route(tapAPI().Get("^/v2/refunds/[^/]+$"), opGetRefund, b.getRefund)
	return b
}

// handler answers one request with a status and a body; it runs with b.mu
// held.
type handler func(r *http.Request, body []byte) (int, []byte)

func (b *gockBackend) route(req *gock.Request, op string, h handler) {
	req.Persist().Reply(http.StatusOK).Map(func(res *http.Response) *http.Response {
		var body []byte
		if res.Request.Body != nil {
			body, _ = io.ReadAll(res.Request.Body)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		b.requests[op]++
		code, out := b.answer(op, res.Request, body, h)
		return jsonResponse(res, code, out)
	})
}

func (b *gockBackend) answer(op string, r *http.Request, body []byte, h handler) (int, []byte) {
	if r.Header.Get("Authorization") != "Bearer "+b.key.Reveal() {
		return http.StatusUnauthorized, tapErrorBody(http.StatusUnauthorized)
	}
	if q := b.failNext[op]; len(q) > 0 {
		b.failNext[op] = q[1:]
		return q[0], tapErrorBody(q[0])
	}
	return h(r, body)
}

// tapErrorBody is what Tap answers with each failure status; 429 and 5xx
// come with any body or none.
func tapErrorBody(code int) []byte {
	switch code {
	case http.StatusBadRequest:
		return []byte(`{"errors":[{"code":"1103","description":"Invalid inputs"}]}`)
	case http.StatusUnauthorized:
		return []byte(`{"errors":[{"code":"2104","description":"Invalid API Key"}]}`)
	case http.StatusNotFound:
		return []byte(`{"errors":[{"code":"1144","description":"Charge not found"}]}`)
	case http.StatusTooManyRequests:
		return nil
	}
	return []byte("<html><body><h1>" + http.StatusText(code) + "</h1></body></html>")
}

func tapError(code int, tapCode, description string) (int, []byte) {
	return code, fmt.Appendf(nil, `{"errors":[{"code":%q,"description":%q}]}`, tapCode, description)
}

func (b *gockBackend) nextID(prefix string) string {
	b.seq++
	return fmt.Sprintf("%s%07d", prefix, b.seq)
}

func (b *gockBackend) createCharge(_ *http.Request, body []byte) (int, []byte) {
	var w wireCharge
	if err := json.Unmarshal(body, &w); err != nil {
		return tapError(http.StatusBadRequest, "2100", "Invalid JSON")
	}
	if id, ok := b.chargeKeys[w.Reference.Idempotent]; ok && w.Reference.Idempotent != "" {
		return b.chargeAnswer(b.charges[id], conformance.OpCreatePayment)
	}
	amount, err := money.Parse(w.Amount.String(), w.Currency)
	switch {
	case w.Source.ID != "src_qa.qpay" && w.Source.ID != "src_all" && w.Source.ID != "src_card":
		return tapError(http.StatusBadRequest, "1125", "Source id is invalid")
	case w.Currency != "QAR":
		return tapError(http.StatusBadRequest, "1119", "Currency is not supported")
	case err != nil || !amount.IsPositive() || w.Amount.String() != amount.Fixed():
		return tapError(http.StatusBadRequest, "1117", "Amount is invalid")
	case w.Redirect.URL == "":
		return tapError(http.StatusBadRequest, "1110", "Redirect URL is missing")
	case w.Customer.FirstName == "":
		return tapError(http.StatusBadRequest, "1130", "First name is required")
	case w.Customer.Email == "" && w.Customer.Phone.Number == "":
		return tapError(http.StatusBadRequest, "1139", "Phone or email is required")
	}
	c := &simCharge{
		id:          b.nextID("chg_TS07A0320241133g5RO"),
		amount:      amount,
		status:      "INITIATED",
		code:        "100",
		message:     "Initiated",
		reference:   w.Reference.Transaction,
		description: w.Description,
		metadata:    w.Metadata,
		redirect:    w.Redirect.URL,
		post:        w.Post.URL,
		created:     time.Now().UnixMilli(),
		source:      w.Source.ID,
	}
	if w.Destinations != nil {
		c.destinations = w.Destinations.Destination
	}
	b.charges[c.id] = c
	if w.Reference.Idempotent != "" {
		b.chargeKeys[w.Reference.Idempotent] = c.id
	}
	return b.chargeAnswer(c, conformance.OpCreatePayment)
}

func (b *gockBackend) getCharge(r *http.Request, _ []byte) (int, []byte) {
	c, ok := b.charges[strings.TrimPrefix(r.URL.Path, "/v2/charges/")]
	if !ok {
		return http.StatusNotFound, tapErrorBody(http.StatusNotFound)
	}
	return b.chargeAnswer(c, conformance.OpGetPayment)
}

// chargeAnswer is the charge object for an API answer to op, misreported
// if the test asked for it.
func (b *gockBackend) chargeAnswer(c *simCharge, op string) (int, []byte) {
	shown := *c
	if b.misreport[op] > 0 {
		b.misreport[op]--
		switch op {
		case conformance.OpCreatePayment:
			shown.amount, _ = c.amount.Add(money.MustParse("1.00", "QAR"))
		default:
			shown.id = c.id + "X" // another charge than the one asked for
		}
	}
	body, err := b.chargeBody(&shown)
	if err != nil {
		return http.StatusInternalServerError, []byte(err.Error())
	}
	return http.StatusOK, body
}

// chargeBody builds the charge object from the documented example of its
// state.
func (b *gockBackend) chargeBody(c *simCharge) ([]byte, error) {
	base := b.initiated
	sets := map[string]any{}
	switch c.status {
	case "INITIATED":
		sets["transaction.url"] = "https://sandbox.payments.tap.company/test_gosell/v2/payment/tap_process.aspx?chg=" + c.id
		sets["source.id"] = c.source
	case "CAPTURED":
		base = b.captured
		if c.method == qpay.MethodCard {
			base = b.capturedVisa
		}
	default:
		base = b.declined
	}
	var metadata any
	if c.metadata != nil {
		metadata = c.metadata
	}
	for k, v := range map[string]any{
		"id":                    c.id,
		"status":                c.status,
		"amount":                json.Number(c.amount.Fixed()),
		"currency":              c.amount.Currency(),
		"description":           c.description,
		"metadata":              metadata,
		"reference.transaction": c.reference,
		"reference.order":       c.reference,
		"response.code":         c.code,
		"response.message":      c.message,
		"transaction.created":   strconv.FormatInt(c.created, 10),
		"transaction.amount":    json.Number(c.amount.Fixed()),
		"redirect.url":          c.redirect,
		"post.url":              c.post,
		"activities":            nil, // the documented ones belong to the seed charge
		"destinations":          destinationsJSON(c.destinations),
	} {
		sets[k] = v
	}
	return patchJSON(base, sets)
}

func (b *gockBackend) createRefund(_ *http.Request, body []byte) (int, []byte) {
	var w wireRefund
	if err := json.Unmarshal(body, &w); err != nil {
		return tapError(http.StatusBadRequest, "2100", "Invalid JSON")
	}
	if id, ok := b.refundKeys[w.Reference.Idempotent]; ok && w.Reference.Idempotent != "" {
		return b.refundAnswer(b.refundByID(id))
	}
	c, ok := b.charges[w.ChargeID]
	if !ok {
		return tapError(http.StatusBadRequest, "1144", "Charge not found")
	}
	amount, err := money.Parse(w.Amount.String(), w.Currency)
	switch {
	case w.Reason == "":
		return tapError(http.StatusBadRequest, "1156", "Refund reason is missing")
	case w.Currency != c.amount.Currency():
		return tapError(http.StatusBadRequest, "1149", "Currency code is not matching with existing currency code")
	case err != nil || !amount.IsPositive() || w.Amount.String() != amount.Fixed():
		return tapError(http.StatusBadRequest, "1117", "Amount is invalid")
	case c.status != "CAPTURED":
		return tapError(http.StatusBadRequest, "1143", "Charge id is invalid")
	}
	total := amount
	for _, r := range b.refunds {
		if r.chargeID == c.id && refundStatus(r.status) != status.RefundFailed {
			total, _ = total.Add(r.amount)
		}
	}
	if cmp, _ := total.Cmp(c.amount); cmp > 0 {
		return tapError(http.StatusBadRequest, "1161", "Requested refund amount exceeds")
	}
	r := &simRefund{
		id:        b.nextID("re_TS05A1120241150Xy7k"),
		chargeID:  c.id,
		amount:    amount,
		status:    "PENDING",
		reference: w.Reference.Merchant,
		post:      w.Post.URL,
		created:   time.Now().UnixMilli(),
	}
	if w.Destinations != nil {
		r.destinations = w.Destinations.Destination
	}
	b.refunds = append(b.refunds, r)
	if w.Reference.Idempotent != "" {
		b.refundKeys[w.Reference.Idempotent] = r.id
	}
	if b.misreport[conformance.OpRefund] > 0 {
		b.misreport[conformance.OpRefund]--
		shown := *r
		shown.amount, _ = r.amount.Add(money.MustParse("1.00", "QAR"))
		return b.refundAnswer(&shown)
	}
	return b.refundAnswer(r)
}

func (b *gockBackend) refundByID(id string) *simRefund {
	for _, r := range b.refunds {
		if r.id == id {
			return r
		}
	}
	return nil
}

// getRefund answers GET /v2/refunds/{id}, with which the portable layer
// reads a refund webhook's refund back.
func (b *gockBackend) getRefund(r *http.Request, _ []byte) (int, []byte) {
	rf := b.refundByID(strings.TrimPrefix(r.URL.Path, "/v2/refunds/"))
	if rf == nil {
		return tapError(http.StatusNotFound, "1160", "Refund not found")
	}
	return b.refundAnswer(rf)
}

func (b *gockBackend) refundAnswer(r *simRefund) (int, []byte) {
	body, err := b.refundBody(r)
	if err != nil {
		return http.StatusInternalServerError, []byte(err.Error())
	}
	return http.StatusOK, body
}

func (b *gockBackend) refundBody(r *simRefund) ([]byte, error) {
	code, message := "100", "Pending"
	if r.status == "REFUNDED" {
		code, message = "000", "Refunded"
	}
	return patchJSON(b.refunded, map[string]any{
		"id":                 r.id,
		"charge_id":          r.chargeID,
		"amount":             json.Number(r.amount.Fixed()),
		"currency":           r.amount.Currency(),
		"status":             r.status,
		"created":            strconv.FormatInt(r.created, 10),
		"reference.merchant": r.reference,
		"response.code":      code,
		"response.message":   message,
		"post.url":           r.post,
		"destinations":       destinationsJSON(r.destinations),
	})
}

// listRefunds serves POST /v2/refunds/list: the refunds created within the
// period, newest first, a page at a time after starting_after.
func (b *gockBackend) listRefunds(_ *http.Request, body []byte) (int, []byte) {
	var w wireList
	if err := json.Unmarshal(body, &w); err != nil || w.Limit < 1 || w.Limit > 50 {
		return tapError(http.StatusBadRequest, "1103", "Invalid inputs")
	}
	var in []*simRefund
	for i := len(b.refunds) - 1; i >= 0; i-- {
		if r := b.refunds[i]; r.created >= w.Period.Date.From && r.created <= w.Period.Date.To {
			in = append(in, r)
		}
	}
	if w.StartingAfter != "" {
		for i, r := range in {
			if r.id == w.StartingAfter {
				in = in[i+1:]
				break
			}
		}
	}
	hasMore := len(in) > w.Limit
	if hasMore {
		in = in[:w.Limit]
	}
	page := struct {
		Object  string            `json:"object"`
		HasMore bool              `json:"has_more"`
		Refunds []json.RawMessage `json:"refunds"`
	}{Object: "list", HasMore: hasMore, Refunds: []json.RawMessage{}}
	for _, r := range in {
		rb, err := b.refundBody(r)
		if err != nil {
			return http.StatusInternalServerError, []byte(err.Error())
		}
		page.Refunds = append(page.Refunds, rb)
	}
	out, _ := json.Marshal(page)
	return http.StatusOK, out
}

// Provider implements conformance.Backend.
func (b *gockBackend) Provider(t *testing.T) qpay.Provider {
	client := &http.Client{}
	gock.InterceptClient(client)
	p, err := New(Config{SecretKey: b.key, HTTP: qpay.HTTPOptions{
		Client:     client,
		MinBackoff: time.Millisecond,
		MaxBackoff: 5 * time.Millisecond,
	}})
	require.NoError(t, err)
	return p
}

// Settle implements conformance.Backend with the statuses and response
// codes Tap documents for each outcome.
func (b *gockBackend) Settle(t *testing.T, id string, to status.Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.charges[id]
	require.True(t, ok, "no charge %s", id)
	outcomes := map[status.Status][3]string{
		status.Captured: {"CAPTURED", "000", "Captured"},
		status.Failed:   {"DECLINED", "505", "Declined, Insufficient Funds"},
		status.Canceled: {"CANCELLED", "302", "Canceled"},
		status.Expired:  {"ABANDONED", "304", "Expired"},
	}
	o, ok := outcomes[to]
	require.True(t, ok, "cannot settle to %s", to)
	c.status, c.code, c.message = o[0], o[1], o[2]
}

// PaymentWebhook implements conformance.Backend: Tap posts the charge
// object itself, signed in the hashstring header.
func (b *gockBackend) PaymentWebhook(t *testing.T, id string) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.charges[id]
	require.True(t, ok, "no charge %s", id)
	body, err := b.chargeBody(c)
	require.NoError(t, err)
	return signedHeader(t, b.key, body), body
}

// RefundWebhook implements conformance.Backend: the refund completes and
// Tap posts the refund object.
func (b *gockBackend) RefundWebhook(t *testing.T, r *qpay.Refund) (http.Header, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rf := b.refundByID(r.ID)
	require.NotNil(t, rf, "no refund %s", r.ID)
	rf.status = "REFUNDED"
	body, err := b.refundBody(rf)
	require.NoError(t, err)
	return signedHeader(t, b.key, body), body
}

// SignatureHeader implements conformance.Backend.
func (b *gockBackend) SignatureHeader() string { return SignatureHeader }

// FailNext implements conformance.Backend.
func (b *gockBackend) FailNext(_ *testing.T, op string, code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failNext[op] = append(b.failNext[op], code)
}

// MisreportNext implements conformance.Backend.
func (b *gockBackend) MisreportNext(_ *testing.T, op string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.misreport[op]++
}

// Requests implements conformance.Backend.
func (b *gockBackend) Requests(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests[op]
}

var _ conformance.Backend = (*gockBackend)(nil)
