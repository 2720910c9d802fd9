package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/status"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" means New succeeds
		mode    qpay.Mode
	}{
		{name: "test key, default URL", cfg: Config{SecretKey: testKey}, mode: qpay.TestMode},
		{name: "live key", cfg: Config{SecretKey: qpay.NewSecret("sk_live_XKokBfNWv6FIYuTMg5sLPjhJ")}, mode: qpay.LiveMode},
		{name: "simulator under a path", cfg: Config{SecretKey: testKey, BaseURL: "http://sim.internal:8080/tap/"}, mode: qpay.TestMode},
		{name: "live key over loopback http", cfg: Config{SecretKey: qpay.NewSecret("sk_live_abc123"), BaseURL: "http://127.0.0.1:9999"}, mode: qpay.LiveMode},
		{name: "live key over localhost http", cfg: Config{SecretKey: qpay.NewSecret("sk_live_abc123"), BaseURL: "http://localhost:9999"}, mode: qpay.LiveMode},
		{name: "missing key", cfg: Config{}, wantErr: "SecretKey is required"},
		{name: "key with a newline", cfg: Config{SecretKey: qpay.NewSecret("sk_test_abc\n")}, wantErr: "spaces or control characters"},
		{name: "publishable key", cfg: Config{SecretKey: qpay.NewSecret("pk_test_XKokBfNWv6FIYuTMg5sLPjhJ")}, wantErr: "publishable key"},
		{name: "not a URL", cfg: Config{SecretKey: testKey, BaseURL: "api.tap.company"}, wantErr: "not an absolute http(s) URL"},
		{name: "other scheme", cfg: Config{SecretKey: testKey, BaseURL: "ftp://api.tap.company"}, wantErr: "not an absolute http(s) URL"},
		{name: "query", cfg: Config{SecretKey: testKey, BaseURL: "https://api.tap.company?x=1"}, wantErr: "query"},
		{name: "credentials", cfg: Config{SecretKey: testKey, BaseURL: "https://u:p@api.tap.company"}, wantErr: "credentials"},
		{name: "live key over remote http", cfg: Config{SecretKey: qpay.NewSecret("sk_live_abc123"), BaseURL: "http://api.tap.company"}, wantErr: "plain http"},
		{name: "merchant ID with a newline", cfg: Config{SecretKey: testKey, MerchantID: "599424\n"}, wantErr: "MerchantID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Nil(t, p)
				assert.Contains(t, err.Error(), tt.wantErr)
				if k := tt.cfg.SecretKey.Reveal(); len(k) > 8 {
					assert.NotContains(t, err.Error(), k[8:], "the key leaked into the error")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "tap", p.Name())
			assert.Equal(t, tt.mode, driver.Unwrap(p).Mode())
			assert.NotContains(t, fmt.Sprintf("%v %+v", p, p), tt.cfg.SecretKey.Reveal())
		})
	}
}

// merchantRequest is a typical order of the users qpay is for.
func merchantRequest() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      qar("79.1"),
		Reference:   "ORD-10045",
		Description: "Order ORD-10045",
		Customer: qpay.Customer{
			Name:  "Mariam Al-Kuwari",
			Email: "mariam@example.qa",
			Phone: qpay.Phone{CountryCode: "974", Number: "55123456"},
		},
		ReturnURL:      "https://shop.example/qpay/return",
		WebhookURL:     "https://shop.example/qpay/webhook",
		Metadata:       map[string]string{"order_id": "ORD-10045"},
		Expiry:         15 * time.Minute,
		IdempotencyKey: "idem-ORD-10045-1",
	}
}

func TestCreatePaymentSendsTapsChargeBody(t *testing.T) {
	tests := []struct {
		name       string
		req        func() qpay.PaymentRequest
		merchantID string
		wantAmount string // the literal JSON number in the raw body
		wantBody   string
	}{
		{
			name:       "everything set",
			req:        merchantRequest,
			merchantID: "599424",
			wantAmount: `"amount":79.10,`,
			wantBody: `{
				"amount": 79.10, "currency": "QAR",
				"customer_initiated": true, "threeDSecure": true, "save_card": false,
				"description": "Order ORD-10045",
				"metadata": {"order_id": "ORD-10045"},
				"reference": {"transaction": "ORD-10045", "order": "ORD-10045", "idempotent": "idem-ORD-10045-1"},
				"customer": {"first_name": "Mariam", "last_name": "Al-Kuwari", "email": "mariam@example.qa",
					"phone": {"country_code": "974", "number": "55123456"}},
				"source": {"id": "src_qa.qpay"},
				"redirect": {"url": "https://shop.example/qpay/return"},
				"post": {"url": "https://shop.example/qpay/webhook"},
				"transaction": {"expiry": {"period": 15, "type": "MINUTE"}},
				"merchant": {"id": "599424"}
			}`,
		},
		{
			name: "only what is required",
			req: func() qpay.PaymentRequest {
				return qpay.PaymentRequest{
					Amount:         qar("1000"),
					Reference:      "ORD-2",
					Customer:       qpay.Customer{Name: "  Mariam ", Email: "mariam@example.qa"},
					ReturnURL:      "https://shop.example/qpay/return",
					IdempotencyKey: "idem-2",
				}
			},
			wantAmount: `"amount":1000.00,`,
			wantBody: `{
				"amount": 1000.00, "currency": "QAR",
				"customer_initiated": true, "threeDSecure": true, "save_card": false,
				"reference": {"transaction": "ORD-2", "order": "ORD-2", "idempotent": "idem-2"},
				"customer": {"first_name": "Mariam", "email": "mariam@example.qa"},
				"source": {"id": "src_qa.qpay"},
				"redirect": {"url": "https://shop.example/qpay/return"}
			}`,
		},
		{
			name: "phone only, three-part name, one fils",
			req: func() qpay.PaymentRequest {
				return qpay.PaymentRequest{
					Amount:         qar("0.01"),
					Reference:      "ORD-3",
					Customer:       qpay.Customer{Name: "Mariam bint Ali", Phone: qpay.Phone{CountryCode: "974", Number: "05512345"}},
					ReturnURL:      "https://shop.example/qpay/return",
					Expiry:         time.Hour,
					IdempotencyKey: "idem-3",
				}
			},
			wantAmount: `"amount":0.01,`,
			wantBody: `{
				"amount": 0.01, "currency": "QAR",
				"customer_initiated": true, "threeDSecure": true, "save_card": false,
				"reference": {"transaction": "ORD-3", "order": "ORD-3", "idempotent": "idem-3"},
				"customer": {"first_name": "Mariam", "last_name": "bint Ali",
					"phone": {"country_code": "974", "number": "05512345"}},
				"source": {"id": "src_qa.qpay"},
				"redirect": {"url": "https://shop.example/qpay/return"},
				"transaction": {"expiry": {"period": 60, "type": "MINUTE"}}
			}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) { c.MerchantID = tt.merchantID })
			req := tt.req()
			answer := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
				"amount":                json.Number(req.Amount.Fixed()),
				"reference.transaction": req.Reference,
				"reference.order":       req.Reference,
			})
			var rec recorder
			tapAPI().Post("^/v2/charges$").
				MatchHeader("Authorization", "^Bearer "+testKey.Reveal()+"$").
				MatchHeader("Content-Type", "^application/json$").
				Reply(200).JSON(answer).Map(rec.record)

			pay, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, gock.IsDone())
			require.Equal(t, 1, rec.count())
			sent := rec.body(t, 0)
			assert.Contains(t, string(sent), tt.wantAmount, "the amount is a JSON number with the currency's decimals")
			assert.JSONEq(t, tt.wantBody, string(sent))
			assert.Equal(t, status.Pending, pay.Status)
			assert.True(t, pay.Amount.Equal(req.Amount))
		})
	}
}

// The seed example of the issue: Tap's documented QPay charge of QAR 1,
// created INITIATED and read back CAPTURED (or DECLINED).
func TestSeedChargeParsesExactly(t *testing.T) {
	p := newTestProvider(t)
	var rec recorder
	tapAPI().Post("^/v2/charges$").Reply(200).JSON(fixture(t, "charge-initiated.json")).Map(rec.record)

	pay, err := p.CreatePayment(context.Background(), seedRequest())
	require.NoError(t, err)

	// What was sent matches Tap's documented request on every field the two
	// share (Tap's example also sets receipt and middle_name, and numeric
	// phone parts, which qpay sends as strings).
	var sent, documented map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(rec.body(t, 0), &sent))
	require.NoError(t, json.Unmarshal(fixture(t, "charge-request.json"), &documented))
	for _, k := range []string{"currency", "customer_initiated", "threeDSecure", "save_card", "description", "metadata", "source", "post", "redirect"} {
		assert.JSONEq(t, string(documented[k]), string(sent[k]), k)
	}
	assert.Equal(t, `1.00`, string(sent["amount"]))

	assert.Equal(t, "tap", pay.Provider)
	assert.Equal(t, seedChargeID, pay.ID)
	assert.Equal(t, status.Pending, pay.Status)
	assert.Equal(t, "INITIATED", pay.RawStatus)
	assert.Equal(t, "QAR 1.00", pay.Amount.String())
	assert.Equal(t, "txn_01", pay.Reference)
	assert.Equal(t, "https://sandbox.payments.tap.company/test_gosell/v2/payment/tap_process.aspx?chg=8D9e9fdEo5N4mrraH0U7ZJbK9Bb0fB0OM2WX34QIF%2bg%3d", pay.RedirectURL)
	assert.Equal(t, time.UnixMilli(1718796783000).UTC(), pay.CreatedAt)
	assert.Equal(t, map[string]string{"udf1": "Metadata 1"}, pay.Metadata)
	assert.Empty(t, pay.FailureCode, "an initiated charge has no failure")
	assert.Empty(t, pay.FailureMessage)
	assert.JSONEq(t, string(fixture(t, "charge-initiated.json")), string(pay.Raw))
	assert.True(t, pay.Refunded.IsZero())

	t.Run("captured", func(t *testing.T) {
		tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Reply(200).JSON(fixture(t, "charge-captured.json"))
		got, err := p.GetPayment(context.Background(), seedChargeID)
		require.NoError(t, err)
		assert.Equal(t, status.Captured, got.Status)
		assert.Equal(t, "CAPTURED", got.RawStatus)
		assert.Equal(t, "QAR 1.00", got.Amount.String())
		assert.Equal(t, "txn_01", got.Reference)
		assert.Empty(t, got.FailureCode)
		assert.Empty(t, got.RedirectURL, "a captured charge has nowhere to send the shopper")
		assert.True(t, gock.IsDone())
	})
	t.Run("declined", func(t *testing.T) {
		tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Reply(200).JSON(fixture(t, "charge-declined.json"))
		got, err := p.GetPayment(context.Background(), seedChargeID)
		require.NoError(t, err)
		assert.Equal(t, status.Failed, got.Status)
		assert.Equal(t, "DECLINED", got.RawStatus)
		assert.Equal(t, "505", got.FailureCode)
		assert.Equal(t, "Declined, Insufficient Funds", got.FailureMessage)
		assert.True(t, gock.IsDone())
	})
}

func TestCreateRetriesWithTheSameIdempotencyKey(t *testing.T) {
	p := newTestProvider(t)
	req := seedRequest()
	var rec recorder
	tapAPI().Post("^/v2/charges$").Times(1).Reply(500).BodyString("<html>oops</html>").Map(rec.record)
	tapAPI().Post("^/v2/charges$").Times(1).Reply(200).JSON(fixture(t, "charge-initiated.json")).Map(rec.record)

	pay, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, seedChargeID, pay.ID)
	assert.True(t, gock.IsDone())
	require.Equal(t, 2, rec.count())

	var first, second chargeRequest
	require.NoError(t, json.Unmarshal(rec.body(t, 0), &first))
	require.NoError(t, json.Unmarshal(rec.body(t, 1), &second))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, first.Reference.Idempotent,
		"a key is made for the call when the caller gives none")
	assert.Equal(t, first.Reference.Idempotent, second.Reference.Idempotent)
	assert.Equal(t, rec.body(t, 0), rec.body(t, 1), "a retry resends the same bytes")
}

func TestChargeAmountsAreReadExactly(t *testing.T) {
	tests := []struct {
		amount   any // the JSON value of "amount"
		currency string
		want     string // Money.String(); "" when the answer is refused
	}{
		{json.Number("1"), "QAR", "QAR 1.00"},
		{json.Number("1.0"), "QAR", "QAR 1.00"},
		{json.Number("1.000"), "QAR", "QAR 1.00"},
		{json.Number("79.10"), "QAR", "QAR 79.10"},
		{"1.00", "QAR", "QAR 1.00"},
		{json.Number("1e2"), "QAR", "QAR 100.00"},
		{json.Number("1.001"), "QAR", ""}, // more decimals than QAR has: never rounded
		{json.Number("-1"), "QAR", ""},
		{json.Number("1"), "XXQ", ""},
		{nil, "QAR", ""}, // no amount at all
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %s", tt.amount, tt.currency), func(t *testing.T) {
			p := newTestProvider(t)
			body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"amount": tt.amount, "currency": tt.currency})
			tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).JSON(body)

			got, err := p.GetPayment(context.Background(), seedChargeID)
			if tt.want == "" {
				e := asError(t, err)
				assert.Equal(t, qpay.KindProtocol, e.Kind, "%v", err)
				assert.Equal(t, qpay.OpGetPayment, e.Op)
				assert.NotEmpty(t, e.Body, "the unreadable answer is kept")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Amount.String())
		})
	}
	t.Run("other currencies keep their own decimals", func(t *testing.T) {
		// The portable layer refuses a non-QAR payment; the adapter itself
		// reads any currency exactly.
		a, err := newAdapter(Config{SecretKey: testKey})
		require.NoError(t, err)
		body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"amount": json.Number("1.5"), "currency": "KWD"})
		p, _, err := a.decodeCharge(qpay.OpGetPayment, 200, body)
		require.NoError(t, err)
		assert.Equal(t, "KWD 1.500", p.Amount.String())
	})
	t.Run("too precise wraps money.ErrTooPrecise", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).
			JSON(patch(t, fixture(t, "charge-captured.json"), map[string]any{"amount": json.Number("0.005")}))
		_, err := p.GetPayment(context.Background(), seedChargeID)
		assert.ErrorIs(t, err, money.ErrTooPrecise)
	})
}

func TestUnreadableAnswersAreProtocolErrors(t *testing.T) {
	tests := map[string]string{
		"not JSON":         `<html>maintenance</html>`,
		"truncated":        `{"id":"chg_1","status":"CAPT`,
		"response no text": `{"id":"` + seedChargeID + `","amount":1,"currency":"QAR","status":"CAPTURED","response":"000"}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t)
			tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).BodyString(body)
			_, err := p.GetPayment(context.Background(), seedChargeID)
			e := asError(t, err)
			assert.Equal(t, qpay.KindProtocol, e.Kind)
			assert.Equal(t, "tap", e.Provider)
			assert.Equal(t, 200, e.HTTPStatus)
			assert.Equal(t, body, string(e.Body))
		})
	}
}

func TestGetPaymentRefusesIDsThatWouldChangeThePath(t *testing.T) {
	p := newTestProvider(t)
	_, err := p.GetPayment(context.Background(), "../v2/refunds")
	assert.ErrorIs(t, err, qpay.KindInvalidRequest, "an ID that would change the path never reaches Tap")
	assert.False(t, gock.HasUnmatchedRequest())
}

func TestReferenceFallsBackToTheOrder(t *testing.T) {
	p := newTestProvider(t)
	tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).
		JSON(patch(t, fixture(t, "charge-captured.json"), map[string]any{"reference.transaction": nil}))
	got, err := p.GetPayment(context.Background(), seedChargeID)
	require.NoError(t, err)
	assert.Equal(t, "ord_01", got.Reference)
}

func TestMetadataAndTimesAreReadLeniently(t *testing.T) {
	p := newTestProvider(t)
	body := patch(t, fixture(t, "charge-captured.json"), map[string]any{
		"metadata":            map[string]any{"udf1": "Metadata 1", "n": json.Number("7"), "o": map[string]any{"a": true}},
		"transaction.created": json.Number("1718796783000"),
	})
	tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).JSON(body)
	got, err := p.GetPayment(context.Background(), seedChargeID)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"udf1": "Metadata 1", "n": "7", "o": `{"a":true}`}, got.Metadata)
	assert.Equal(t, time.UnixMilli(1718796783000).UTC(), got.CreatedAt, "created as a number, as in activities[]")

	tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).
		JSON(patch(t, fixture(t, "charge-captured.json"), map[string]any{"transaction.created": "soon", "metadata": "x"}))
	got, err = p.GetPayment(context.Background(), seedChargeID)
	require.NoError(t, err, "an unreadable time or metadata does not make the charge unreadable")
	assert.True(t, got.CreatedAt.IsZero())
	assert.Nil(t, got.Metadata)
}
