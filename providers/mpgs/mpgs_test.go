package mpgs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

// recorded is a request gock answered, as the gateway received it.
type recorded struct {
	method, path, auth string
	body               map[string]any
}

// record answers every request to the test merchant with the replies in
// order (status and body), recording the requests.
func record(t *testing.T, replies ...reply) *[]recorded {
	t.Helper()
	var got []recorded
	for _, r := range replies {
		r := r
		g := gock.New(testHost)
		if r.method == http.MethodGet {
			g = g.Get(testBasePath)
		} else {
			g = g.Put(testBasePath)
		}
		g.Times(1).
			Reply(r.code).Map(func(res *http.Response) *http.Response {
			rec := recorded{method: res.Request.Method, path: strings.TrimPrefix(res.Request.URL.Path, testBasePath), auth: res.Request.Header.Get("Authorization")}
			if res.Request.Body != nil {
				b, _ := io.ReadAll(res.Request.Body)
				if len(b) > 0 {
					require.NoError(t, json.Unmarshal(b, &rec.body))
				}
			}
			got = append(got, rec)
			res.Body = io.NopCloser(strings.NewReader(string(r.body)))
			res.ContentLength = int64(len(r.body))
			return res
		})
	}
	return &got
}

type reply struct {
	method string
	code   int
	body   []byte
}

func TestCreatePaymentRequest(t *testing.T) {
	p := newTestProvider(t, testConfig(t))
	req := conformance.Request("INV-1001", "10.50")
	req.IdempotencyKey = "key-1"
	orderID := OrderID(testMerchant, "INV-1001", "key-1")
	answer := []byte(strings.ReplaceAll(string(fixture(t, "initiate-answer-redirecturl.json")), fixtureOrderID, orderID))
	got := record(t, reply{http.MethodPut, http.StatusCreated, answer})

	pay, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, *got, 1)
	r := (*got)[0]
	assert.Equal(t, "/order/"+orderID+"/transaction/"+paymentTransactionID, r.path)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("merchant."+testMerchant+":"+testPassword.Reveal())), r.auth)
	ret := "https://shop.example/qpay/return?" + url.Values{ReturnParam: {orderID}}.Encode()
	assert.Equal(t, map[string]any{
		"apiOperation":   "INITIATE_BROWSER_PAYMENT",
		"browserPayment": map[string]any{"operation": "PAY", "returnUrl": ret},
		"order": map[string]any{"amount": "10.50", "currency": "QAR", "reference": "INV-1001", "description": "Order INV-1001",
			"notificationUrl": "https://shop.example/qpay/webhook"},
		"sourceOfFunds": map[string]any{"type": "BROWSER_PAYMENT", "browserPayment": map[string]any{"type": "QPAY"}},
		"customer":      map[string]any{"firstName": "Mariam", "lastName": "Al-Kuwari", "email": "mariam@example.qa", "phone": "97455123456"},
	}, r.body)

	assert.Equal(t, orderID, pay.ID)
	assert.Equal(t, status.Pending, pay.Status)
	assert.Equal(t, "INITIATED", pay.RawStatus)
	assert.Equal(t, "https://test-gateway.mastercard.com/bpui/qpay/"+orderID, pay.RedirectURL)
	assert.Empty(t, pay.RedirectHTML)
	assert.True(t, pay.Amount.Equal(money.MustParse("10.50", "QAR")))
}

// Mastercard's 2025 samples answer with redirectHtml only: the payment is
// still pending with a way for the shopper to go on.
func TestCreatePaymentWithRedirectHTML(t *testing.T) {
	p := newTestProvider(t, testConfig(t))
	req := conformance.Request("INV-1001", "10.50")
	req.IdempotencyKey = "key-1"
	orderID := OrderID(testMerchant, "INV-1001", "key-1")
	answer := []byte(strings.ReplaceAll(string(fixture(t, "initiate-answer-redirecthtml.json")), fixtureOrderID, orderID))
	record(t, reply{http.MethodPut, http.StatusCreated, answer})

	pay, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, pay.Status)
	assert.Empty(t, pay.RedirectURL)
	assert.Contains(t, pay.RedirectHTML, `<form id="redirectTo" method="POST" action="https://qpay.example.qa/pay">`)
}

func TestOrderIDs(t *testing.T) {
	a := OrderID(testMerchant, "INV-1001", "key-1")
	assert.Equal(t, a, OrderID(testMerchant, "INV-1001", "key-1"), "the same logical create names the same order")
	for _, other := range []string{
		OrderID(testMerchant, "INV-1001", "key-2"),
		OrderID(testMerchant, "INV-1002", "key-1"),
		OrderID("TESTOTHER", "INV-1001", "key-1"),
		OrderID(testMerchant, "INV-1001key-1", ""), // the parts are kept apart
	} {
		assert.NotEqual(t, a, other)
	}
	r := RefundID(a, "RFD-1")
	assert.Equal(t, r, RefundID(a, "RFD-1"))
	assert.NotEqual(t, r, RefundID(a, "RFD-2"))
	assert.NotEqual(t, r, RefundID(OrderID(testMerchant, "INV-1002", "key-1"), "RFD-1"))
	for _, id := range []string{a, r} {
		assert.LessOrEqual(t, len(id), 40, "the gateway's limit")
		assert.NoError(t, qpay.ValidateID(id))
	}
	assert.True(t, strings.HasPrefix(a, OrderIDPrefix))
}

// A create whose answer was lost (a 502 after the gateway made the order)
// is settled by reading the order back: nothing is sent twice.
func TestCreateAfterALostAnswerReadsBackInsteadOfResending(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	b.LoseNextAnswer(conformance.OpCreatePayment, http.StatusBadGateway) // the gateway makes the order, the proxy fails
	pay, err := p.CreatePayment(context.Background(), conformance.Request("ORD-lost", "2.00"))
	require.NoError(t, err)
	assert.Equal(t, status.Pending, pay.Status)
	assert.NotEmpty(t, pay.RedirectURL)
	assert.Equal(t, 1, b.Requests(conformance.OpCreatePayment), "the only PUT was the one whose answer was lost")
	assert.Equal(t, 1, b.Requests(conformance.OpGetPayment), "one read-back")
}

// The caller's own retry with the same idempotency key, after a crash,
// meets a gateway that refuses the existing transaction: the order is read
// back and the first payment returned.
func TestCreateRetriedByTheCallerReturnsTheFirstPayment(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	req := conformance.Request("ORD-again", "3.00")
	req.IdempotencyKey = "merchant-key-7"
	first, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	again, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, 2, b.Requests(conformance.OpCreatePayment))
	assert.Len(t, b.orders, 1, "one order at the gateway")

	// A different amount under the same key is not the same payment.
	req.Amount = money.MustParse("4.00", "QAR")
	_, err = p.CreatePayment(context.Background(), req)
	assert.ErrorIs(t, err, qpay.KindIntegrity)
}

func TestRefundRequestAndIdempotency(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-r", "10.50"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)

	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("4", "QAR"), Reference: "RFD-1", IdempotencyKey: "k1"})
	require.NoError(t, err)
	assert.Equal(t, RefundID(pay.ID, "RFD-1"), r.ID)
	assert.Equal(t, status.RefundSucceeded, r.Status)
	assert.Equal(t, "APPROVED", r.RawStatus)
	assert.True(t, r.Amount.Equal(money.MustParse("4.00", "QAR")))

	// Another key, the same reference: the same refund, not a second one.
	again, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("4.00", "QAR"), Reference: "RFD-1", IdempotencyKey: "k2"})
	require.NoError(t, err)
	assert.Equal(t, r.ID, again.ID)
	assert.Equal(t, 1, b.Requests(conformance.OpRefund))

	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.PartiallyRefunded, got.Status)
	assert.True(t, got.Refunded.Equal(money.MustParse("4.00", "QAR")))

	rg, err := newAdapter(testConfig(t))
	require.NoError(t, err)
	gr, err := rg.GetRefund(ctx, pay.ID, r.ID)
	require.NoError(t, err)
	assert.Equal(t, "RFD-1", gr.Reference)
	_, err = rg.GetRefund(ctx, pay.ID, RefundID(pay.ID, "RFD-none"))
	assert.ErrorIs(t, err, qpay.KindNotFound)
}

// A refund whose answer was lost is found by reading the order back; it is
// not sent again.
func TestRefundAfterALostAnswerIsNotSentTwice(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, conformance.Request("ORD-r2", "10.00"))
	require.NoError(t, err)
	b.Settle(t, pay.ID, status.Captured)
	b.LoseNextAnswer(conformance.OpRefund, http.StatusServiceUnavailable)
	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("6.00", "QAR"), Reference: "RFD-lost"})
	require.NoError(t, err)
	assert.Equal(t, RefundID(pay.ID, "RFD-lost"), r.ID)
	assert.Equal(t, 1, b.Requests(conformance.OpRefund), "the only PUT was the one whose answer was lost")
	assert.Len(t, b.orders[pay.ID].refunds, 1)
}

func TestNewRefusesBadConfigurations(t *testing.T) {
	ok := Config{MerchantID: testMerchant, APIPassword: testPassword, Host: "test-gateway.mastercard.com", WebhookSecret: testHookSecret}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no merchant", func(c *Config) { c.MerchantID = "" }, "MerchantID is required"},
		{"merchant too long", func(c *Config) { c.MerchantID = strings.Repeat("A", 41) }, "1 to 40"},
		{"merchant with a slash", func(c *Config) { c.MerchantID = "TEST/x" }, "1 to 40"},
		{"no password", func(c *Config) { c.APIPassword = qpay.Secret{} }, "APIPassword is required"},
		{"password with a newline", func(c *Config) { c.APIPassword = qpay.NewSecret("abc\ndef") }, "control"},
		{"no webhook secret", func(c *Config) { c.WebhookSecret = qpay.Secret{} }, "WebhookSecret is required"},
		{"no host", func(c *Config) { c.Host = "" }, "Host is required"},
		{"host with credentials", func(c *Config) { c.Host = "https://u:p@gw.example" }, "credentials"},
		{"ftp", func(c *Config) { c.Host = "ftp://gw.example" }, "not an absolute http(s) URL"},
		{"live over http", func(c *Config) { c.MerchantID, c.Host = "QPAYMID", "http://gw.example" }, "plain http"},
		{"version 78", func(c *Config) { c.APIVersion = 78 }, "has no QPay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			_, err := New(c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), testPassword.Reveal())
		})
	}
	for _, host := range []string{"test-gateway.mastercard.com", "https://qnb.gateway.example/", "http://127.0.0.1:8080/mpgs"} {
		c := ok
		c.Host = host
		_, err := New(c)
		assert.NoError(t, err, host)
	}
	c := ok
	c.MerchantID, c.Host = "QPAYMID", "http://localhost:9/mpgs" // a live merchant on a loopback simulator
	_, err := New(c)
	assert.NoError(t, err)
}

func TestReturnID(t *testing.T) {
	p := newTestProvider(t, testConfig(t))
	rr := p.(qpay.ReturnReader)
	id := OrderID(testMerchant, "R", "k")
	got, err := rr.ReturnID(url.Values{ReturnParam: {id}})
	require.NoError(t, err)
	assert.Equal(t, id, got)
	_, err = rr.ReturnID(url.Values{ReturnParam: {"chg_123"}})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.True(t, p.(qpay.PaymentIDOwner).OwnsPaymentID(id))
	assert.False(t, p.(qpay.PaymentIDOwner).OwnsPaymentID("pay_abc"))
}

func TestReadsTheDocumentedOrder(t *testing.T) {
	a, err := newAdapter(testConfig(t))
	require.NoError(t, err)
	record(t, reply{http.MethodGet, http.StatusOK, fixture(t, "order-partially-refunded.json")})
	p, refunds, err := a.PaymentForRefund(context.Background(), fixtureOrderID)
	require.NoError(t, err)
	assert.Equal(t, status.PartiallyRefunded, p.Status)
	assert.Equal(t, "PARTIALLY_REFUNDED", p.RawStatus)
	assert.True(t, p.Amount.Equal(money.MustParse("10.50", "QAR")))
	assert.True(t, p.Refunded.Equal(money.MustParse("4.00", "QAR")))
	assert.Equal(t, "INV-1001", p.Reference)
	assert.Equal(t, 2026, p.CreatedAt.Year())
	require.Len(t, refunds, 1)
	assert.Equal(t, fixtureRefundID, refunds[0].ID)
	assert.Equal(t, fixtureOrderID, refunds[0].PaymentID)
	assert.Equal(t, "INV-1001-r1", refunds[0].Reference)
	assert.Equal(t, status.RefundSucceeded, refunds[0].Status)
}

func TestReadsTheDocumentedRefundAnswer(t *testing.T) {
	a, err := newAdapter(testConfig(t))
	require.NoError(t, err)
	var tx transactionAnswer
	body := fixture(t, "refund-answer-201.json")
	require.NoError(t, json.Unmarshal(body, &tx))
	r, err := a.refundOf(qpay.OpRefund, 201, body, "", &tx)
	require.NoError(t, err)
	assert.Equal(t, fixtureRefundID, r.ID)
	assert.Equal(t, fixtureOrderID, r.PaymentID)
	assert.True(t, r.Amount.Equal(money.MustParse("4.00", "QAR")))
	assert.Equal(t, status.RefundSucceeded, r.Status)
}

// The gateway documents no search of orders: Recover says so rather than
// "nothing found", and the merchant's own key finds the order again.
func TestNoSearchByReferenceButTheOrderIDIsKnown(t *testing.T) {
	b := newGockBackend(t)
	p := b.Provider(t)
	ctx := context.Background()
	_, err := qpay.Recover(ctx, p, "ORD-crash")
	assert.ErrorIs(t, err, qpay.KindUnsupported)

	req := conformance.Request("ORD-crash", "5.00")
	req.IdempotencyKey = "shop-7:ORD-crash:1"
	pay, err := p.CreatePayment(ctx, req)
	require.NoError(t, err)
	got, err := p.GetPayment(ctx, OrderID(testMerchant, "ORD-crash", "shop-7:ORD-crash:1"))
	require.NoError(t, err)
	assert.Equal(t, pay.ID, got.ID)
}
