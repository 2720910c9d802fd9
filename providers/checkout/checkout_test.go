package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/status"
)

func TestNewRefusesBadConfig(t *testing.T) {
	cases := map[string]struct {
		cfg  Config
		want string
	}{
		"no secret key":             {Config{WebhookSecret: webhookSecret}, "Config.SecretKey is required"},
		"no webhook secret":         {Config{SecretKey: sandboxKey}, "Config.WebhookSecret is required"},
		"key with a newline":        {Config{SecretKey: qpay.NewSecret(sandboxKey.Reveal() + "\n"), WebhookSecret: webhookSecret}, "Config.SecretKey has control characters"},
		"key with a space":          {Config{SecretKey: qpay.NewSecret("sk_sbox_ab cd"), WebhookSecret: webhookSecret}, "Config.SecretKey contains spaces"},
		"secret with a final space": {Config{SecretKey: sandboxKey, WebhookSecret: qpay.NewSecret(webhookSecret.Reveal() + " ")}, "Config.WebhookSecret has control characters or surrounding spaces"},
		"authorization with a tab": {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, WebhookAuthorization: qpay.NewSecret("Basic\tabc")},
			"Config.WebhookAuthorization has control characters"},
		"relative base URL": {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, BaseURL: "api.checkout.com"}, "not an absolute http(s) URL"},
		"ftp base URL":      {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, BaseURL: "ftp://api.checkout.com"}, "not an absolute http(s) URL"},
		"base URL with credentials": {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, BaseURL: "ftp://user:pw@api.checkout.com"},
			"must not carry credentials"},
		"base URL with a query": {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, BaseURL: "https://api.checkout.com?x=1"}, "query"},
		"unparsable base URL":   {Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, BaseURL: "https://api.checkout.com/%zz"}, "not a URL"},
		// A live key crosses the network only over https, as at Tap and the
		// bank gateway; the loopback (a simulator) is allowed.
		"live key over remote http": {Config{SecretKey: qpay.NewSecret("sk_0123456789abcdef"), WebhookSecret: webhookSecret, BaseURL: "http://api.checkout.com"},
			"plain http"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := New(c.cfg)
			assert.Nil(t, p)
			require.ErrorContains(t, err, c.want)
			assert.NotContains(t, err.Error(), sandboxKey.Reveal())
			assert.NotContains(t, err.Error(), webhookSecret.Reveal())
			assert.NotContains(t, err.Error(), ":pw@")
		})
	}
}

// The key decides the host, the mode and how the key is sent.
func TestKeyDecidesHostModeAndAuthorization(t *testing.T) {
	cases := []struct {
		name     string
		key      qpay.Secret
		baseURL  string
		wantHost string
		wantAuth string
		wantMode qpay.Mode
	}{
		{"current sandbox key", sandboxKey, "", SandboxBaseURL, "Bearer " + sandboxKey.Reveal(), qpay.TestMode},
		{"current live key", liveKey, "", DefaultBaseURL, "Bearer " + liveKey.Reveal(), qpay.LiveMode},
		{"previous sandbox key is sent bare", previousKey, "", SandboxBaseURL, previousKey.Reveal(), qpay.TestMode},
		{"previous live key is sent bare", previousLive, "", DefaultBaseURL, previousLive.Reveal(), qpay.LiveMode},
		{"upper-case uuid is not a previous key", qpay.NewSecret("sk_test_FDE517A8-3F01-41EF-B4BD-4282384B0A64"), "", SandboxBaseURL,
			"Bearer sk_test_FDE517A8-3F01-41EF-B4BD-4282384B0A64", qpay.TestMode},
		{"base URL overrides the host, not the mode", sandboxKey, "https://vkuhvk4v.api.sandbox.checkout.com/", "https://vkuhvk4v.api.sandbox.checkout.com",
			"Bearer " + sandboxKey.Reveal(), qpay.TestMode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{SecretKey: c.key, BaseURL: c.baseURL})
			assert.Equal(t, c.wantMode, driver.Unwrap(p).Mode())

			var rec recorder
			gock.New(c.wantHost).Get("^/payments/"+fixturePaymentID+"$").
				MatchHeader("Authorization", "^"+c.wantAuth+"$").
				Reply(http.StatusOK).BodyString(string(fixture(t, "payment-captured.json"))).Map(rec.record)
			_, err := p.GetPayment(context.Background(), fixturePaymentID)
			require.NoError(t, err)
			requireGockDone(t)
			require.Len(t, rec.all(), 1)
			assert.Equal(t, c.wantAuth, rec.all()[0].Header.Get("Authorization"))
		})
	}
}

func TestCreatePaymentSendsTheDocumentedBody(t *testing.T) {
	arabic := strings.Repeat("ق", 100) // 2 bytes each, 6 once percent-encoded
	cases := []struct {
		name string
		cfg  Config
		edit func(*qpay.PaymentRequest)
		want string
	}{{
		name: "every field",
		edit: func(r *qpay.PaymentRequest) { r.Language = "ar" },
		want: `{
			"amount": 7910, "currency": "QAR", "reference": "ORD-10045", "description": "Order ORD-10045",
			"customer": {"email": "shopper@example.qa", "name": "Shopper Name"},
			"success_url": "https://shop.example/checkout/qpay/success",
			"failure_url": "https://shop.example/checkout/qpay/failure",
			"metadata": {"order_id": "ORD-10045"},
			"source": {"type": "qpay", "description": "Order ORD-10045", "quantity": 1, "language": "ar", "national_id": "070AYY010BU234M"}
		}`,
	}, {
		name: "defaults: source description, failure URL, language",
		edit: func(r *qpay.PaymentRequest) {
			r.Description, r.FailureURL, r.Language, r.NationalID, r.Metadata = "", "", "", "", nil
			r.Customer.Email, r.Customer.Phone = "", qpay.Phone{CountryCode: "974", Number: "55123456"}
		},
		want: `{
			"amount": 7910, "currency": "QAR", "reference": "ORD-10045",
			"customer": {"name": "Shopper Name"},
			"success_url": "https://shop.example/checkout/qpay/success",
			"failure_url": "https://shop.example/checkout/qpay/success",
			"source": {"type": "qpay", "description": "Order ORD-10045", "quantity": 1, "language": "en"}
		}`,
	}, {
		name: "processing channel and exact minor units",
		cfg:  Config{ProcessingChannelID: "pc_q4dbxom5jbgudnjzjpz7j2z6uq"},
		edit: func(r *qpay.PaymentRequest) { r.Amount = qar("0.01"); r.Metadata = nil },
		want: `{
			"amount": 1, "currency": "QAR", "reference": "ORD-10045", "description": "Order ORD-10045",
			"customer": {"email": "shopper@example.qa", "name": "Shopper Name"},
			"success_url": "https://shop.example/checkout/qpay/success",
			"failure_url": "https://shop.example/checkout/qpay/failure",
			"processing_channel_id": "pc_q4dbxom5jbgudnjzjpz7j2z6uq",
			"source": {"type": "qpay", "description": "Order ORD-10045", "quantity": 1, "language": "en", "national_id": "070AYY010BU234M"}
		}`,
	}, {
		name: "source description cut to 255 bytes once URL-encoded",
		edit: func(r *qpay.PaymentRequest) { r.Description = arabic; r.Metadata = nil },
		want: fmt.Sprintf(`{
			"amount": 7910, "currency": "QAR", "reference": "ORD-10045", "description": %q,
			"customer": {"email": "shopper@example.qa", "name": "Shopper Name"},
			"success_url": "https://shop.example/checkout/qpay/success",
			"failure_url": "https://shop.example/checkout/qpay/failure",
			"source": {"type": "qpay", "description": %q, "quantity": 1, "language": "en", "national_id": "070AYY010BU234M"}
		}`, arabic, strings.Repeat("ق", 42)),
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, c.cfg)
			var rec recorder
			accepted := patch(t, fixture(t, "payment-pending-202.json"), func(m map[string]any) { m["reference"] = "ORD-10045" })
			gock.New(SandboxBaseURL).Post("^/payments$").Reply(http.StatusAccepted).BodyString(string(accepted)).Map(rec.record)
			req := newPaymentReq()
			c.edit(&req)
			_, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			requireGockDone(t)
			reqs := rec.all()
			require.Len(t, reqs, 1)
			assert.JSONEq(t, c.want, string(reqs[0].Body))
		})
	}
}

// The body sent has exactly the fields of the schema-exact reference
// example, no more and no fewer.
func TestCreatePaymentSendsTheReferenceFields(t *testing.T) {
	p := newTestProvider(t, Config{})
	var rec recorder
	gock.New(SandboxBaseURL).Post("^/payments$").
		Reply(http.StatusAccepted).BodyString(string(fixture(t, "payment-pending-202.json"))).Map(rec.record)
	req := newPaymentReq()
	req.Reference = "ord_01"
	_, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, rec.all(), 1)
	assert.Equal(t, jsonPaths(t, fixture(t, "payment-qpay-request.json")), jsonPaths(t, rec.all()[0].Body))
}

// jsonPaths lists the paths of every value of a JSON object, e.g.
// "source.quantity".
func jsonPaths(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	var paths []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			paths = append(paths, prefix+k)
		}
	}
	walk("", m)
	sort.Strings(paths)
	return paths
}

func TestCreatePaymentHeaders(t *testing.T) {
	cases := map[string]struct {
		key     string
		wantKey string // "" means a generated UUID v4
	}{
		"caller's key":   {"ORD-10045-attempt-1", "ORD-10045-attempt-1"},
		"generated once": {"", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			var rec recorder
			gock.New(SandboxBaseURL).Post("^/payments$").
				Reply(http.StatusAccepted).BodyString(string(fixture(t, "payment-pending-202.json"))).Map(rec.record)
			req := newPaymentReq()
			req.Reference, req.IdempotencyKey = "ord_01", c.key
			_, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			requireGockDone(t)
			h := rec.all()[0].Header
			if c.wantKey != "" {
				assert.Equal(t, c.wantKey, h.Get("Cko-Idempotency-Key"))
			} else {
				assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, h.Get("Cko-Idempotency-Key"))
			}
			assert.Equal(t, "Bearer "+sandboxKey.Reveal(), h.Get("Authorization"))
			assert.Equal(t, "application/json", h.Get("Content-Type"))
			assert.Equal(t, "application/json", h.Get("Accept"))
			assert.NotEmpty(t, h.Get("User-Agent"))
		})
	}
}

func TestCreatePaymentReadsThe202(t *testing.T) {
	p := newTestProvider(t, Config{})
	body := fixture(t, "payment-pending-202.json")
	gock.New(SandboxBaseURL).Post("^/payments$").
		Reply(http.StatusAccepted).SetHeader("Cko-Request-Id", "req_1").BodyString(string(body))
	req := newPaymentReq()
	req.Reference = "ord_01"

	pay, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	requireGockDone(t)
	assert.Equal(t, "checkout", pay.Provider)
	assert.Equal(t, fixturePaymentID, pay.ID)
	assert.Equal(t, status.Pending, pay.Status)
	assert.Equal(t, "Pending", pay.RawStatus)
	assert.True(t, pay.Amount.Equal(qar("79.10")), "the 202 has no amount: the requested one is reported, got %s", pay.Amount)
	assert.Equal(t, "ord_01", pay.Reference)
	assert.Equal(t, "https://sbapi.ckotech.co/qpay-external/redirect-to-qpay?pun=52h7saoi5edthll6ceec", pay.RedirectURL)
	assert.JSONEq(t, string(body), string(pay.Raw))
	assert.True(t, pay.Refunded.IsZero())
	assert.Empty(t, pay.FailureCode)
}

// A synchronous 201 carries the whole payment, which is read in full and
// checked against the request.
func TestCreatePaymentReadsA201(t *testing.T) {
	cases := map[string]struct {
		amount string
		kind   qpay.Kind // 0: no error
	}{
		"same amount":    {"1.00", 0},
		"another amount": {"1.01", qpay.KindIntegrity},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			gock.New(SandboxBaseURL).Post("^/payments$").
				Reply(http.StatusCreated).BodyString(string(fixture(t, "payment-captured.json")))
			req := newPaymentReq()
			req.Reference, req.Amount = "ord_01", qar(c.amount)
			pay, err := p.CreatePayment(context.Background(), req)
			requireGockDone(t)
			if c.kind != 0 {
				requireKind(t, err, c.kind)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, status.Captured, pay.Status)
			assert.Equal(t, "Captured", pay.RawStatus)
			assert.True(t, pay.Amount.Equal(qar("1.00")))
			assert.Equal(t, time.Date(2019, 6, 20, 10, 3, 42, 0, time.UTC), pay.CreatedAt)
		})
	}
}

func TestCreatePaymentRefusesContradictoryAnswers(t *testing.T) {
	cases := map[string]struct {
		edit func(m map[string]any)
		raw  string
		kind qpay.Kind
	}{
		"another reference":     {edit: func(m map[string]any) { m["reference"] = "ord_02" }, kind: qpay.KindIntegrity},
		"no redirect":           {edit: func(m map[string]any) { delete(obj(m, "_links"), "redirect") }, kind: qpay.KindProtocol},
		"no payment ID":         {edit: func(m map[string]any) { delete(m, "id") }, kind: qpay.KindProtocol},
		"not JSON":              {raw: "<html>ok</html>", kind: qpay.KindProtocol},
		"an unexpected status":  {edit: func(m map[string]any) { m["status"] = "Authorized" }, kind: 0},
		"no status is a 202 ok": {edit: func(m map[string]any) { delete(m, "status") }, kind: 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			body := c.raw
			if c.edit != nil {
				body = string(patch(t, fixture(t, "payment-pending-202.json"), c.edit))
			}
			gock.New(SandboxBaseURL).Post("^/payments$").Reply(http.StatusAccepted).BodyString(body)
			req := newPaymentReq()
			req.Reference = "ord_01"
			pay, err := p.CreatePayment(context.Background(), req)
			requireGockDone(t)
			if c.kind == 0 {
				require.NoError(t, err)
				assert.NotEqual(t, status.Captured, pay.Status)
				return
			}
			e := requireKind(t, err, c.kind)
			assert.Equal(t, qpay.OpCreatePayment, e.Op)
		})
	}
}

// A retried create carries the same Cko-Idempotency-Key, so Checkout
// replays the first payment instead of making a second.
func TestCreatePaymentRetryReusesTheIdempotencyKey(t *testing.T) {
	for _, code := range []int{http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusTooManyRequests} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			p := newTestProvider(t, Config{})
			var rec recorder
			gock.New(SandboxBaseURL).Post("^/payments$").Reply(code).Map(rec.record)
			gock.New(SandboxBaseURL).Post("^/payments$").
				Reply(http.StatusAccepted).BodyString(string(fixture(t, "payment-pending-202.json"))).Map(rec.record)
			req := newPaymentReq()
			req.Reference = "ord_01"
			pay, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			requireGockDone(t)
			assert.Equal(t, fixturePaymentID, pay.ID)
			reqs := rec.all()
			require.Len(t, reqs, 2)
			key := reqs[0].Header.Get("Cko-Idempotency-Key")
			assert.NotEmpty(t, key)
			assert.Equal(t, key, reqs[1].Header.Get("Cko-Idempotency-Key"))
			assert.Equal(t, reqs[0].Body, reqs[1].Body)
		})
	}
}

func TestGetPaymentReadsTheFixtures(t *testing.T) {
	redirect := "https://sbapi.ckotech.co/qpay-external/redirect-to-qpay?pun=52h7saoi5edthll6ceec"
	cases := []struct {
		name                 string
		body                 []byte
		wantStatus           status.Status
		wantRaw              string
		wantRefunded         string // "" means not reported
		wantCode, wantReason string
		wantMetadata         map[string]string
	}{
		{name: "captured", body: fixture(t, "payment-captured.json"), wantStatus: status.Captured, wantRaw: "Captured"},
		{name: "declined", body: fixture(t, "payment-declined.json"), wantStatus: status.Failed, wantRaw: "Declined",
			wantCode: "0001", wantReason: "Transaction declined by issuer"},
		{name: "declined without QPay detail", wantStatus: status.Failed, wantRaw: "Declined", wantCode: "20005", wantReason: "Declined - Do Not Honour",
			body: patch(t, fixture(t, "payment-declined.json"), func(m map[string]any) {
				delete(obj(m, "source"), "qpay_status")
				delete(obj(m, "source"), "status_message")
				m["response_code"], m["response_summary"] = "20005", "Declined - Do Not Honour"
			})},
		{name: "partially refunded with balances", wantStatus: status.PartiallyRefunded, wantRaw: "Partially Refunded", wantRefunded: "0.40",
			wantMetadata: map[string]string{"order_id": "ord_01", "attempt": "2", "gift": "true"},
			body: patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
				m["status"] = "Partially Refunded"
				m["balances"] = map[string]any{"total_captured": 100, "total_refunded": 40, "available_to_refund": 60}
				m["metadata"] = map[string]any{"order_id": "ord_01", "attempt": 2, "gift": true}
			})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(http.StatusOK).BodyString(string(c.body))
			pay, err := p.GetPayment(context.Background(), fixturePaymentID)
			require.NoError(t, err)
			requireGockDone(t)

			assert.Equal(t, "checkout", pay.Provider)
			assert.Equal(t, fixturePaymentID, pay.ID)
			assert.Equal(t, c.wantStatus, pay.Status)
			assert.Equal(t, c.wantRaw, pay.RawStatus)
			assert.True(t, pay.Amount.Equal(qar("1.00")), "amount 100 minor units is QAR 1.00, got %s", pay.Amount)
			if c.wantRefunded == "" {
				assert.Empty(t, pay.Refunded.Currency())
			} else {
				assert.True(t, pay.Refunded.Equal(qar(c.wantRefunded)), "refunded %s", pay.Refunded)
			}
			assert.Equal(t, "ord_01", pay.Reference)
			assert.Equal(t, redirect, pay.RedirectURL)
			assert.Equal(t, c.wantCode, pay.FailureCode)
			assert.Equal(t, c.wantReason, pay.FailureMessage)
			assert.Equal(t, c.wantMetadata, pay.Metadata)
			assert.Equal(t, time.Date(2019, 6, 20, 10, 3, 42, 0, time.UTC), pay.CreatedAt)
			assert.JSONEq(t, string(c.body), string(pay.Raw))
		})
	}
}

// After the QPay page, Checkout appends cko-session-id=sid_... to the
// return URL; that ID reads the payment, which comes back under its pay_ ID.
func TestGetPaymentBySessionID(t *testing.T) {
	p := newTestProvider(t, Config{})
	const sid = "sid_y3oqhf46pyzuxjbcn2giaqnb44"
	gock.New(SandboxBaseURL).Get("^/payments/" + sid + "$").Reply(http.StatusOK).BodyString(string(fixture(t, "payment-captured.json")))
	pay, err := p.GetPayment(context.Background(), sid)
	require.NoError(t, err)
	requireGockDone(t)
	assert.Equal(t, fixturePaymentID, pay.ID)
	assert.Equal(t, status.Captured, pay.Status)
}

func TestGetPaymentRefusesContradictoryAnswers(t *testing.T) {
	cases := map[string]struct {
		edit func(m map[string]any)
		kind qpay.Kind
	}{
		"another payment":     {func(m map[string]any) { m["id"] = "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa" }, qpay.KindIntegrity},
		"another currency":    {func(m map[string]any) { m["currency"] = "USD" }, qpay.KindIntegrity},
		"unknown currency":    {func(m map[string]any) { m["currency"] = "QQQ" }, qpay.KindProtocol},
		"no amount":           {func(m map[string]any) { delete(m, "amount") }, qpay.KindProtocol},
		"negative amount":     {func(m map[string]any) { m["amount"] = -100 }, qpay.KindProtocol},
		"fractional amount":   {func(m map[string]any) { m["amount"] = json.Number("1.5") }, qpay.KindProtocol},
		"no payment ID":       {func(m map[string]any) { delete(m, "id") }, qpay.KindProtocol},
		"metadata not a map":  {func(m map[string]any) { m["metadata"] = []any{"x"} }, qpay.KindProtocol},
		"response code a num": {func(m map[string]any) { m["response_code"] = 10000 }, 0},
		"response code null":  {func(m map[string]any) { m["response_code"] = nil }, 0},
		"response code a map": {func(m map[string]any) { m["response_code"] = map[string]any{"x": 1} }, qpay.KindProtocol},
		"qpay status a bool":  {func(m map[string]any) { obj(m, "source")["qpay_status"] = true }, qpay.KindProtocol},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").
				Reply(http.StatusOK).BodyString(string(patch(t, fixture(t, "payment-captured.json"), c.edit)))
			pay, err := p.GetPayment(context.Background(), fixturePaymentID)
			requireGockDone(t)
			if c.kind == 0 {
				require.NoError(t, err)
				assert.Equal(t, status.Captured, pay.Status)
				return
			}
			e := requireKind(t, err, c.kind)
			assert.Equal(t, qpay.OpGetPayment, e.Op)
		})
	}
}

// A timestamp that cannot be read is "not said", not a failed read.
func TestGetPaymentWithAnUnreadableTime(t *testing.T) {
	p := newTestProvider(t, Config{})
	mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) { m["requested_on"] = "yesterday" }))
	pay, err := p.GetPayment(context.Background(), fixturePaymentID)
	require.NoError(t, err)
	requireGockDone(t)
	assert.True(t, pay.CreatedAt.IsZero())
	assert.Equal(t, status.Captured, pay.Status)
}

func TestGetPaymentRefusesAnUnsafeIDBeforeAnyRequest(t *testing.T) {
	p := newTestProvider(t, Config{})
	for _, id := range []string{"", "pay_x/../../webhooks", "pay_x?y=1", "pay x"} {
		_, err := p.GetPayment(context.Background(), id)
		requireKind(t, err, qpay.KindInvalidRequest)
	}
	requireGockDone(t)
}

// mockPayment answers one GET of the fixture payment with body.
func mockPayment(t *testing.T, body []byte) {
	t.Helper()
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(http.StatusOK).BodyString(string(body))
}

// mockActions answers one GET of the fixture payment's actions.
func mockActions(t *testing.T, acts ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(acts)
	require.NoError(t, err)
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Reply(http.StatusOK).BodyString(string(body))
}

// fixtureActions returns the reference example's refund and capture
// actions, for tests to edit.
func fixtureActions(t *testing.T) (refund, capture map[string]any) {
	t.Helper()
	var acts []map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "payment-actions.json"), &acts))
	require.Len(t, acts, 2)
	return acts[0], acts[1]
}

// A refund reads the payment, then its actions (even when the payment has
// balances: the actions are where a refund is found by its reference), then
// posts the refund.
func TestRefundSendsTheDocumentedBody(t *testing.T) {
	p := newTestProvider(t, Config{})
	_, capture := fixtureActions(t)
	captured := patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
		m["balances"] = map[string]any{"total_refunded": 0, "available_to_refund": 100}
	})
	actions, err := json.Marshal([]map[string]any{capture})
	require.NoError(t, err)
	var rec recorder
	accepted := fixture(t, "refund-accepted-202.json")
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").
		Reply(http.StatusOK).BodyString(string(captured)).Map(rec.record)
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").
		Reply(http.StatusOK).BodyString(string(actions)).Map(rec.record)
	gock.New(SandboxBaseURL).Post("^/payments/" + fixturePaymentID + "/refunds$").
		Reply(http.StatusAccepted).BodyString(string(accepted)).Map(rec.record)
	// The 202 carries no amount: the new refund's action is read back.
	refund, _ := fixtureActions(t)
	delete(refund, "approved")
	pending, err := json.Marshal([]map[string]any{refund, capture})
	require.NoError(t, err)
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").
		Reply(http.StatusOK).BodyString(string(pending)).Map(rec.record)

	r, err := p.Refund(context.Background(), qpay.RefundRequest{
		PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1",
		Reason: "requested_by_customer", IdempotencyKey: "rfd_ord_01_1-key",
	})
	require.NoError(t, err)
	requireGockDone(t)

	reqs := rec.all()
	require.Len(t, reqs, 4)
	var sequence []string
	for _, q := range reqs {
		sequence = append(sequence, q.Method+" "+q.Path)
	}
	assert.Equal(t, []string{
		"GET /payments/" + fixturePaymentID,
		"GET /payments/" + fixturePaymentID + "/actions",
		"POST /payments/" + fixturePaymentID + "/refunds",
		"GET /payments/" + fixturePaymentID + "/actions",
	}, sequence)
	post := reqs[2]
	assert.JSONEq(t, string(fixture(t, "refund-request.json")), string(post.Body))
	assert.Equal(t, driver.RefundKey("checkout", "", fixturePaymentID, "rfd_ord_01_1"), post.Header.Get("Cko-Idempotency-Key"),
		"the key derived from the payment and the reference, not the caller's")
	assert.Equal(t, "Bearer "+sandboxKey.Reveal(), post.Header.Get("Authorization"))
	assert.Empty(t, reqs[0].Header.Get("Cko-Idempotency-Key"), "reads carry no idempotency key")
	assert.Empty(t, reqs[1].Header.Get("Cko-Idempotency-Key"), "reads carry no idempotency key")

	assert.Equal(t, "checkout", r.Provider)
	assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID)
	assert.Equal(t, fixturePaymentID, r.PaymentID)
	assert.Equal(t, status.RefundPending, r.Status, "a 202 is accepted, not settled")
	assert.Equal(t, "Pending", r.RawStatus)
	assert.True(t, r.Amount.Equal(qar("0.50")))
	assert.Equal(t, "rfd_ord_01_1", r.Reference)
	assert.JSONEq(t, string(accepted), string(r.Raw))
}

func TestRefundMetadataKeepsTheCallersReason(t *testing.T) {
	cases := map[string]struct {
		req  qpay.RefundRequest
		want string
	}{
		"no reason, no metadata": {qpay.RefundRequest{}, `{"amount":50,"reference":"rfd_ord_01_1"}`},
		"metadata has a reason": {qpay.RefundRequest{Reason: "duplicate", Metadata: map[string]string{"reason": "fraud", "ticket": "T-1"}},
			`{"amount":50,"reference":"rfd_ord_01_1","metadata":{"reason":"fraud","ticket":"T-1"}}`},
		"reason joins the metadata": {qpay.RefundRequest{Reason: "duplicate", Metadata: map[string]string{"ticket": "T-1"}},
			`{"amount":50,"reference":"rfd_ord_01_1","metadata":{"reason":"duplicate","ticket":"T-1"}}`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.req.Amount, c.req.Reference = qar("0.50"), "rfd_ord_01_1"
			before := fmt.Sprint(c.req.Metadata)
			body, err := newRefundRequest(c.req)
			require.NoError(t, err)
			b, err := json.Marshal(body)
			require.NoError(t, err)
			assert.JSONEq(t, c.want, string(b))
			assert.Equal(t, before, fmt.Sprint(c.req.Metadata), "the caller's map is not changed")
		})
	}
}

// Without balances (previous platform), what is refunded is read from the
// payment's actions: approved and pending refunds count, declined ones not.
func TestRefundChecksWhatIsLeftFromTheActions(t *testing.T) {
	yes, no := true, false
	type earlier struct {
		approved *bool // nil: pending
		minor    int
	}
	cases := []struct {
		name     string
		refunds  []earlier // oldest first
		amount   string
		kind     qpay.Kind // 0: the refund is sent
		contains string
	}{
		{"nothing refunded yet, all of it", nil, "1.00", 0, ""},
		{"approved refund leaves 0.60", []earlier{{&yes, 40}}, "0.60", 0, ""},
		{"approved refund, 0.61 is too much", []earlier{{&yes, 40}}, "0.61", qpay.KindInvalidRequest, "exceeds the QAR 0.60 still refundable"},
		{"a pending refund counts", []earlier{{nil, 40}}, "0.61", qpay.KindInvalidRequest, "exceeds the QAR 0.60 still refundable"},
		{"a declined refund does not count", []earlier{{&no, 40}}, "1.00", 0, ""},
		{"two refunds leave 0.20", []earlier{{&yes, 40}, {nil, 40}}, "0.21", qpay.KindInvalidRequest, "exceeds the QAR 0.20 still refundable"},
		{"fully refunded", []earlier{{&yes, 50}, {&no, 50}, {nil, 50}}, "0.01", qpay.KindInvalidRequest, "already fully refunded"},
		{"more refunded than paid", []earlier{{&yes, 60}, {&yes, 60}}, "0.01", qpay.KindInvalidRequest, "already fully refunded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			mockPayment(t, fixture(t, "payment-captured.json"))
			refund, capture := fixtureActions(t)
			acts := []map[string]any{capture}
			for i, e := range c.refunds {
				a := map[string]any{}
				for k, v := range refund {
					a[k] = v
				}
				a["id"], a["amount"], a["reference"] = fmt.Sprintf("act_%026d", i), e.minor, fmt.Sprintf("rfd_%d", i)
				if e.approved == nil {
					delete(a, "approved")
				} else {
					a["approved"] = *e.approved
				}
				acts = append([]map[string]any{a}, acts...) // newest first
			}
			mockActions(t, acts...)
			if c.kind == 0 {
				gock.New(SandboxBaseURL).Post("^/payments/" + fixturePaymentID + "/refunds$").
					Reply(http.StatusAccepted).BodyString(`{"action_id":"act_new","reference":"rfd_new"}`)
				// The new refund's action, read back for its amount.
				minor, err := qar(c.amount).Minor()
				require.NoError(t, err)
				mockActions(t, append([]map[string]any{{"id": "act_new", "type": "Refund", "amount": minor, "reference": "rfd_new"}}, acts...)...)
			}

			_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar(c.amount), Reference: "rfd_new"})
			requireGockDone(t) // no refund request unless allowed
			if c.kind == 0 {
				require.NoError(t, err)
				return
			}
			e := requireKind(t, err, c.kind)
			assert.Contains(t, e.Message, c.contains)
		})
	}
}

// A payment that took no money is refused after reading it, without
// reading its actions or sending a refund.
func TestRefundOfAnUncapturedPaymentIsRefusedBeforeAnyRequest(t *testing.T) {
	for _, raw := range []string{"Pending", "Declined", "Authorized", "Card Verified"} {
		t.Run(raw, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			body := patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
				m["status"] = raw
				m["balances"] = map[string]any{"total_refunded": 0}
			})
			mockPayment(t, body)
			_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.10"), Reference: "rfd_1"})
			e := requireKind(t, err, qpay.KindInvalidRequest)
			assert.Contains(t, e.Message, "only a captured payment can be refunded")
			requireGockDone(t)
		})
	}
}

// A refunded payment took money: its actions are read (a retry of its
// refund is answered from them), and a new refund is refused without being
// sent.
func TestRefundOfARefundedPaymentIsRefusedAfterReadingItsActions(t *testing.T) {
	p := newTestProvider(t, Config{})
	mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
		m["status"] = "Refunded"
		m["balances"] = map[string]any{"total_refunded": 0}
	}))
	_, capture := fixtureActions(t)
	mockActions(t, capture)
	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.10"), Reference: "rfd_1"})
	e := requireKind(t, err, qpay.KindInvalidRequest)
	assert.Contains(t, e.Message, "already fully refunded")
	requireGockDone(t) // and no refund request
}

// A retried refund is found by its reference among the payment's actions,
// with or without balances, and nothing is posted. The same reference with
// another amount is the caller's mistake.
func TestRefundFoundByReferenceIsNotMadeAgain(t *testing.T) {
	cases := []struct {
		name     string
		payment  func(m map[string]any) // changes to the captured payment
		refund   func(m map[string]any) // changes to the refund action, reference rfd_ord_01_1
		amount   string                 // what the retry asks for
		wantErr  string                 // "": the refund action is returned
		wantRaw  string
		wantStat status.RefundStatus
	}{
		{
			name: "current platform: balances present",
			payment: func(m map[string]any) {
				m["balances"] = map[string]any{"total_refunded": 50, "available_to_refund": 50}
			},
			amount:   "0.50",
			wantRaw:  "Approved",
			wantStat: status.RefundSucceeded,
		},
		{
			name:     "previous platform: no balances, still pending",
			refund:   func(m map[string]any) { delete(m, "approved") },
			amount:   "0.50",
			wantRaw:  "Pending",
			wantStat: status.RefundPending,
		},
		{
			name: "the refund that fully refunded the payment",
			payment: func(m map[string]any) {
				m["status"] = "Refunded"
				m["balances"] = map[string]any{"total_refunded": 100, "available_to_refund": 0}
			},
			refund:   func(m map[string]any) { m["amount"] = 100 },
			amount:   "1.00",
			wantRaw:  "Approved",
			wantStat: status.RefundSucceeded,
		},
		{
			name: "the reference reused for another amount",
			payment: func(m map[string]any) {
				m["balances"] = map[string]any{"total_refunded": 50, "available_to_refund": 50}
			},
			amount:  "0.40",
			wantErr: "a new refund needs a new reference",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			body := fixture(t, "payment-captured.json")
			if c.payment != nil {
				body = patch(t, body, c.payment)
			}
			mockPayment(t, body)
			refund, capture := fixtureActions(t)
			if c.refund != nil {
				c.refund(refund)
			}
			mockActions(t, refund, capture)

			r, err := p.Refund(context.Background(), qpay.RefundRequest{
				PaymentID: fixturePaymentID, Amount: qar(c.amount), Reference: "rfd_ord_01_1",
			})
			requireGockDone(t) // one payment read, one actions read, no refund request
			if c.wantErr != "" {
				e := requireKind(t, err, qpay.KindInvalidRequest)
				assert.Equal(t, qpay.OpRefund, e.Op)
				assert.Contains(t, e.Message, c.wantErr)
				assert.Contains(t, e.Message, "act_y3oqhf46pyzuxjbcn2giaqnb44", "the error names the refund that has the reference")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "checkout", r.Provider)
			assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID)
			assert.Equal(t, fixturePaymentID, r.PaymentID)
			assert.Equal(t, "rfd_ord_01_1", r.Reference)
			assert.True(t, r.Amount.Equal(qar(c.amount)), "%s", r.Amount)
			assert.Equal(t, c.wantStat, r.Status)
			assert.Equal(t, c.wantRaw, r.RawStatus)
		})
	}
}

// After an ambiguous failure (a 5xx: the refund may have been made), the
// actions are read before any resend; a refund action with our reference
// settles the call with one POST only.
func TestRefundReconcilesAfterAnAmbiguousFailure(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name       string
		approved   *bool
		found      bool
		wantStatus status.RefundStatus
		wantRaw    string
	}{
		{"found, approved", &yes, true, status.RefundSucceeded, "Approved"},
		{"found, declined", &no, true, status.RefundFailed, "Declined"},
		{"found, pending", nil, true, status.RefundPending, "Pending"},
		{"not found: resent with the same key", nil, false, status.RefundPending, "Pending"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			refund, capture := fixtureActions(t)
			mockPayment(t, fixture(t, "payment-captured.json"))
			mockActions(t, capture) // the refundable check
			var rec recorder
			refunds := "^/payments/" + fixturePaymentID + "/refunds$"
			gock.New(SandboxBaseURL).Post(refunds).Reply(http.StatusBadGateway).BodyString("<html>Bad Gateway</html>").Map(rec.record)
			if c.found {
				if c.approved == nil {
					delete(refund, "approved")
				} else {
					refund["approved"] = *c.approved
				}
				refund["response_code"], refund["response_summary"] = "20006", "Error / Invalid Request Parameters"
				mockActions(t, refund, capture)
			} else {
				mockActions(t, capture)
				gock.New(SandboxBaseURL).Post(refunds).
					Reply(http.StatusAccepted).BodyString(string(fixture(t, "refund-accepted-202.json"))).Map(rec.record)
				// A 202 after a resend may be a replay: its action is read
				// back for the amount.
				delete(refund, "approved")
				mockActions(t, refund, capture)
			}

			r, err := p.Refund(context.Background(), qpay.RefundRequest{
				PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1",
			})
			require.NoError(t, err)
			requireGockDone(t)
			reqs := rec.all()
			if c.found {
				require.Len(t, reqs, 1, "found by reconciliation: not resent")
			} else {
				require.Len(t, reqs, 2)
				assert.Equal(t, reqs[0].Header.Get("Cko-Idempotency-Key"), reqs[1].Header.Get("Cko-Idempotency-Key"))
			}
			assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID)
			assert.Equal(t, fixturePaymentID, r.PaymentID)
			assert.Equal(t, c.wantStatus, r.Status)
			assert.Equal(t, c.wantRaw, r.RawStatus)
			assert.True(t, r.Amount.Equal(qar("0.50")))
			assert.Equal(t, "rfd_ord_01_1", r.Reference)
			if c.wantStatus == status.RefundFailed {
				assert.Equal(t, "20006", r.FailureCode)
				assert.Equal(t, "Error / Invalid Request Parameters", r.FailureMessage)
			} else {
				assert.Empty(t, r.FailureCode)
			}
		})
	}
}

// A refund action with our reference but another amount is not ours to
// report as done.
func TestRefundReconciledWithAnotherAmountIsAnIntegrityError(t *testing.T) {
	p := newTestProvider(t, Config{})
	refund, capture := fixtureActions(t)
	mockPayment(t, fixture(t, "payment-captured.json"))
	mockActions(t, capture)
	gock.New(SandboxBaseURL).Post("^/payments/" + fixturePaymentID + "/refunds$").Reply(http.StatusInternalServerError)
	refund["amount"] = 49
	mockActions(t, refund, capture)
	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1"})
	requireKind(t, err, qpay.KindIntegrity)
	requireGockDone(t)
}

// When the read-back itself fails, the refund is not resent blindly. The
// portable layer's last read-back (the payment, then its actions) fails too,
// so the refund's own failure is reported.
func TestRefundIsNotResentWhenReconciliationFails(t *testing.T) {
	p := newTestProvider(t, Config{HTTP: qpay.HTTPOptions{MaxAttempts: 2}})
	_, capture := fixtureActions(t)
	mockPayment(t, fixture(t, "payment-captured.json"))
	mockActions(t, capture)
	var rec recorder
	gock.New(SandboxBaseURL).Post("^/payments/" + fixturePaymentID + "/refunds$").Reply(http.StatusServiceUnavailable).Map(rec.record)
	// The transport's reconciliation: two attempts at the actions.
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Times(2).Reply(http.StatusServiceUnavailable)
	// The portable layer's read-back: the payment, then two attempts at
	// the actions.
	mockPayment(t, fixture(t, "payment-captured.json"))
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Times(2).Reply(http.StatusServiceUnavailable)

	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1"})
	e := requireKind(t, err, qpay.KindUnavailable)
	assert.Equal(t, http.StatusServiceUnavailable, e.HTTPStatus, "the refund's own failure is reported")
	assert.False(t, e.Retryable, "retrying blindly could refund twice")
	assert.Contains(t, e.Message, "not resent")
	assert.Len(t, rec.all(), 1)
	requireGockDone(t)
}

// When the refund call still ends ambiguously (its last attempt got no
// answer or a 5xx, or the reconciliation could not read), the portable layer
// reads the payment and its actions once more: a refund action with the
// reference is the answer, not the error.
func TestRefundIsReadBackAfterTheCallFailedAmbiguously(t *testing.T) {
	refundsPath := "^/payments/" + fixturePaymentID + "/refunds$"
	cases := []struct {
		name      string
		attempts  int
		post      func(*gock.Request) // the answer to the one POST
		reconcile int                 // failing actions reads by the transport's reconciliation
		found     bool                // the last read-back shows the refund
		wantKind  qpay.Kind           // 0: the refund is returned
		retryable bool
	}{
		{name: "the last attempt fails with 502, the actions show the refund", attempts: 1,
			post: func(r *gock.Request) { r.Reply(http.StatusBadGateway) }, found: true},
		{name: "the last attempt fails with 502, the actions do not show it", attempts: 1,
			post: func(r *gock.Request) { r.Reply(http.StatusBadGateway) }, wantKind: qpay.KindUnavailable, retryable: true},
		{name: "the last attempt gets no answer, the actions show the refund", attempts: 1,
			post: func(r *gock.Request) { r.ReplyError(errors.New("connection reset by peer")) }, found: true},
		{name: "the last attempt gets no answer, the actions do not show it", attempts: 1,
			post: func(r *gock.Request) { r.ReplyError(errors.New("connection reset by peer")) }, wantKind: qpay.KindNetwork, retryable: true},
		{name: "the reconciliation cannot read, the last read-back shows the refund", attempts: 2,
			post: func(r *gock.Request) { r.Reply(http.StatusServiceUnavailable) }, reconcile: 2, found: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{HTTP: qpay.HTTPOptions{MaxAttempts: c.attempts}})
			refund, capture := fixtureActions(t)
			mockPayment(t, fixture(t, "payment-captured.json"))
			mockActions(t, capture) // the refundable and reference checks
			post := gock.New(SandboxBaseURL).Post(refundsPath).Times(1)
			c.post(post)
			if c.reconcile > 0 {
				gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Times(c.reconcile).Reply(http.StatusServiceUnavailable)
			}
			mockPayment(t, fixture(t, "payment-captured.json")) // the read-back
			if c.found {
				mockActions(t, refund, capture)
			} else {
				mockActions(t, capture)
			}

			r, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1"})
			// Every mock once, nothing else: one POST, two payment reads.
			requireGockDone(t)
			assert.True(t, post.Mock.Done())
			if c.wantKind != 0 {
				e := requireKind(t, err, c.wantKind)
				assert.Equal(t, qpay.OpRefund, e.Op)
				assert.Equal(t, c.retryable, e.Retryable)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID)
			assert.Equal(t, fixturePaymentID, r.PaymentID)
			assert.Equal(t, "rfd_ord_01_1", r.Reference)
			assert.True(t, r.Amount.Equal(qar("0.50")))
			assert.Equal(t, status.RefundSucceeded, r.Status)
			assert.Equal(t, "Approved", r.RawStatus)
		})
	}
}

func TestRefundErrors(t *testing.T) {
	cases := map[string]struct {
		code     int
		body     string
		kind     qpay.Kind
		wantCode string
	}{
		"403 refund not allowed": {http.StatusForbidden, "", qpay.KindPermission, ""},
		"404 payment not found":  {http.StatusNotFound, "", qpay.KindNotFound, ""},
		"422 over the balance": {http.StatusUnprocessableEntity,
			`{"request_id":"0HL80RJLS76I7","error_type":"request_invalid","error_codes":["refund_amount_exceeds_balance"]}`,
			qpay.KindDeclined, "refund_amount_exceeds_balance"},
		"422 invalid": {http.StatusUnprocessableEntity, string(fixture(t, "error-422.json")), qpay.KindInvalidRequest, "payment_source_required"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
				m["balances"] = map[string]any{"total_refunded": 0}
			}))
			_, capture := fixtureActions(t)
			mockActions(t, capture)
			// A refusal is an answer: it is neither resent nor read back.
			gock.New(SandboxBaseURL).Post("^/payments/" + fixturePaymentID + "/refunds$").Reply(c.code).BodyString(c.body)
			_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_1"})
			e := requireKind(t, err, c.kind)
			assert.Equal(t, qpay.OpRefund, e.Op)
			assert.Equal(t, c.code, e.HTTPStatus)
			assert.Equal(t, c.wantCode, e.Code)
			assert.Equal(t, c.body, string(e.Body))
			requireGockDone(t)
		})
	}
}

// What the refund reads first fails: the refund is not sent.
func TestRefundReadBackErrors(t *testing.T) {
	cases := map[string]struct {
		mock func(t *testing.T)
		kind qpay.Kind
	}{
		"payment not found": {func(t *testing.T) {
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(http.StatusNotFound)
		}, qpay.KindNotFound},
		"actions not found": {func(t *testing.T) {
			mockPayment(t, fixture(t, "payment-captured.json"))
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Reply(http.StatusNotFound)
		}, qpay.KindNotFound},
		"actions not found, balances present": {func(t *testing.T) {
			mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
				m["balances"] = map[string]any{"total_refunded": 0, "available_to_refund": 100}
			}))
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Reply(http.StatusNotFound)
		}, qpay.KindNotFound},
		"actions not a list": {func(t *testing.T) {
			mockPayment(t, fixture(t, "payment-captured.json"))
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "/actions$").Reply(http.StatusOK).BodyString(`{"data":[]}`)
		}, qpay.KindProtocol},
		"a refund action below zero": {func(t *testing.T) {
			mockPayment(t, fixture(t, "payment-captured.json"))
			refund, capture := fixtureActions(t)
			refund["amount"] = -50
			mockActions(t, refund, capture)
		}, qpay.KindProtocol},
		"payment in another currency": {func(t *testing.T) {
			mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) { m["currency"] = "KWD" }))
			refund, capture := fixtureActions(t)
			mockActions(t, refund, capture)
		}, qpay.KindIntegrity},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			c.mock(t)
			_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_1"})
			e := requireKind(t, err, c.kind)
			assert.Equal(t, qpay.OpRefund, e.Op)
			requireGockDone(t) // and no refund request
		})
	}
}

// Printing a provider, its driver, its configuration or an error never
// shows a key.
func TestSecretsNeverPrinted(t *testing.T) {
	cfg := Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, WebhookAuthorization: qpay.NewSecret("Basic c2VjcmV0LWF1dGg=")}
	p := newTestProvider(t, cfg)
	cfg.HTTP = qpay.HTTPOptions{}
	// A broken proxy echoing the request back is the worst case.
	gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Times(4).
		Reply(http.StatusBadGateway).BodyString("upstream said: Authorization: Bearer " + sandboxKey.Reveal() + " " + webhookSecret.Reveal())
	_, err := p.GetPayment(context.Background(), fixturePaymentID)
	require.Error(t, err)
	requireGockDone(t)

	for _, s := range []string{
		fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p),
		fmt.Sprintf("%v", driver.Unwrap(p)), fmt.Sprintf("%+v", driver.Unwrap(p)), fmt.Sprintf("%#v", driver.Unwrap(p)),
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err),
	} {
		for _, secret := range []qpay.Secret{sandboxKey, webhookSecret, cfg.WebhookAuthorization} {
			assert.NotContains(t, s, secret.Reveal())
		}
	}
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, string(e.Body), "upstream said", "the body is kept, redacted")
}

// balances.total_refunded may leave out a refund still pending; its refund
// action does not, and the larger of the two is what cannot be refunded
// again.
func TestPendingRefundCountsEvenWhenBalancesDoNot(t *testing.T) {
	p := newTestProvider(t, Config{})
	mockPayment(t, patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
		m["balances"] = map[string]any{"total_refunded": 0, "available_to_refund": 100}
	}))
	refund, capture := fixtureActions(t)
	refund["amount"] = 100
	delete(refund, "approved") // pending
	mockActions(t, refund, capture)

	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("1.00"), Reference: "RFD-new"})
	e := requireKind(t, err, qpay.KindInvalidRequest)
	assert.Contains(t, e.Message, "already fully refunded")
	requireGockDone(t) // the payment and its actions read, no refund posted
}

// GetRefund reads the payment (for its currency) and then its actions, and
// finds the refund among them by its action ID.
func TestGetRefundReadsThePaymentsActions(t *testing.T) {
	ctx := context.Background()
	refund, capture := fixtureActions(t)
	id := refund["id"].(string)
	tests := []struct {
		name string
		acts []map[string]any
		ask  string
		want qpay.Kind // KindUnknown: found
	}{
		{"an approved refund", []map[string]any{refund, capture}, id, qpay.KindUnknown},
		{"no such action", []map[string]any{refund, capture}, "act_missingmissingmissingmiss", qpay.KindNotFound},
		{"an action that is not a refund", []map[string]any{refund, capture}, capture["id"].(string), qpay.KindIntegrity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			mockPayment(t, fixture(t, "payment-captured.json"))
			mockActions(t, tt.acts...)
			r, err := p.(qpay.RefundGetter).GetRefund(ctx, fixturePaymentID, tt.ask)
			if tt.want != qpay.KindUnknown {
				requireKind(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, id, r.ID)
			assert.Equal(t, fixturePaymentID, r.PaymentID)
			assert.Equal(t, status.RefundSucceeded, r.Status)
			assert.Equal(t, "QAR 0.50", r.Amount.String())
			assert.Equal(t, refund["reference"], r.Reference)
			requireGockDone(t)
		})
	}
}
