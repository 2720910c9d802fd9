package checkout

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

func hostedReq() qpay.PaymentRequest {
	r := newPaymentReq()
	r.NationalID = "" // the hosted page has no field for it
	r.Page = qpay.PageHosted
	return r
}

func TestHostedPageSendsCheckoutsHostedPaymentsRequest(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*qpay.PaymentRequest)
		wantAllow string // the allow_payment_methods JSON, "" for absent
		wantMeta  string
	}{
		{"every method", func(*qpay.PaymentRequest) {}, "", `{"order_id":"ORD-10045","qpay_page":"hosted"}`},
		{"QPay required", func(r *qpay.PaymentRequest) { r.RequireQPay = true }, `["qpay"]`,
			`{"order_id":"ORD-10045","qpay_page":"hosted","qpay_require":"qpay"}`},
		{"cards only", func(r *qpay.PaymentRequest) { r.Page = qpay.PageHostedCards }, `["card"]`,
			`{"order_id":"ORD-10045","qpay_page":"hosted_cards"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			var rec recorder
			answer := patch(t, fixture(t, "hosted-payment-created.json"), func(m map[string]any) { m["reference"] = "ORD-10045" })
			gock.New(SandboxBaseURL).Post("^/hosted-payments$").
				MatchHeader("Cko-Idempotency-Key", ".+").
				Reply(http.StatusCreated).JSON(answer).Map(rec.record)
			req := hostedReq()
			tt.edit(&req)
			pay, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			requireGockDone(t)

			var sent map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(rec.all()[0].Body, &sent))
			assert.JSONEq(t, `7910`, string(sent["amount"]))
			assert.JSONEq(t, `"QAR"`, string(sent["currency"]))
			assert.JSONEq(t, `{"address":{"country":"QA"}}`, string(sent["billing"]), "billing is required")
			assert.JSONEq(t, `"https://shop.example/checkout/qpay/success"`, string(sent["success_url"]))
			assert.JSONEq(t, `"https://shop.example/checkout/qpay/failure"`, string(sent["failure_url"]))
			assert.JSONEq(t, `"https://shop.example/checkout/qpay/failure"`, string(sent["cancel_url"]))
			assert.JSONEq(t, tt.wantMeta, string(sent["metadata"]))
			if tt.wantAllow == "" {
				assert.NotContains(t, sent, "allow_payment_methods")
			} else {
				assert.JSONEq(t, tt.wantAllow, string(sent["allow_payment_methods"]))
			}
			assert.NotContains(t, sent, "source", "a hosted page has no payment source")

			assert.Equal(t, fixtureHostedID, pay.ID)
			assert.Equal(t, fixtureHostedID, pay.PageID)
			assert.Equal(t, status.Pending, pay.Status)
			assert.Equal(t, "https://pay.sandbox.checkout.com/page/hpp_kQhs_fI9b8oQ", pay.RedirectURL)
			assert.True(t, pay.Amount.Equal(qar("79.10")))
			assert.Equal(t, map[string]string{"order_id": "ORD-10045"}, pay.Metadata)
		})
	}
}

func TestHostedPageLeadsToItsPayment(t *testing.T) {
	t.Run("not paid yet", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		gock.New(SandboxBaseURL).Get("^/hosted-payments/" + fixtureHostedID + "$").Reply(200).
			JSON(fixture(t, "hosted-payment-details.json"))
		pay, err := p.GetPayment(context.Background(), fixtureHostedID)
		require.NoError(t, err)
		requireGockDone(t)
		assert.Equal(t, fixtureHostedID, pay.ID)
		assert.Equal(t, status.Pending, pay.Status)
		assert.Equal(t, "Payment Pending", pay.RawStatus)
		assert.True(t, pay.Amount.Equal(qar("10.00")))
		assert.False(t, pay.Method.Known())
	})
	t.Run("expired unpaid", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		gock.New(SandboxBaseURL).Get("^/hosted-payments/" + fixtureHostedID + "$").Reply(200).
			JSON(patch(t, fixture(t, "hosted-payment-details.json"), func(m map[string]any) { m["status"] = "Expired" }))
		pay, err := p.GetPayment(context.Background(), fixtureHostedID)
		require.NoError(t, err)
		assert.Equal(t, status.Expired, pay.Status)
		assert.Empty(t, pay.RedirectURL)
	})
	t.Run("paid by card", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		gock.New(SandboxBaseURL).Get("^/hosted-payments/" + fixtureHostedID + "$").Reply(200).
			JSON(patch(t, fixture(t, "hosted-payment-details.json"), func(m map[string]any) {
				m["status"], m["payment_id"] = "Payment Received", fixturePaymentID
				m["metadata"] = map[string]any{"qpay_page": "hosted", "qpay_require": "qpay"}
			}))
		gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(200).
			JSON(patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) {
				m["reference"], m["source"] = "ORD-5023-4E89", cardSource
				delete(m, "metadata") // Checkout may not copy the page's metadata (UNCONFIRMED)
			}))
		pay, err := p.GetPayment(context.Background(), fixtureHostedID)
		require.NoError(t, err)
		requireGockDone(t)
		assert.Equal(t, fixturePaymentID, pay.ID, "the hpp_ ID answers with the payment's own pay_ ID")
		assert.Equal(t, fixtureHostedID, pay.PageID)
		assert.Equal(t, status.Captured, pay.Status)
		assert.Equal(t, qpay.Method{Type: qpay.MethodCard, Scheme: "Visa", Raw: "card"}, pay.Method)
		assert.True(t, pay.RequireQPay, "read from the page's metadata")
		assert.ErrorIs(t, pay.MethodError(), qpay.KindMethodMismatch)
	})
	t.Run("another page answered", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		gock.New(SandboxBaseURL).Get("^/hosted-payments/" + fixtureHostedID + "$").Reply(200).
			JSON(patch(t, fixture(t, "hosted-payment-details.json"), func(m map[string]any) { m["id"] = "hpp_someoneelse" }))
		_, err := p.GetPayment(context.Background(), fixtureHostedID)
		requireKind(t, err, qpay.KindIntegrity)
	})
	t.Run("a payment of another order", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		gock.New(SandboxBaseURL).Get("^/hosted-payments/" + fixtureHostedID + "$").Reply(200).
			JSON(patch(t, fixture(t, "hosted-payment-details.json"), func(m map[string]any) { m["payment_id"] = fixturePaymentID }))
		gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(200).
			JSON(patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) { m["reference"] = "ORD-OTHER" }))
		_, err := p.GetPayment(context.Background(), fixtureHostedID)
		requireKind(t, err, qpay.KindIntegrity)
	})
}

func TestHostedCardPaymentWebhooks(t *testing.T) {
	p := newTestProvider(t, Config{})
	event := func(meta map[string]any) []byte {
		return patch(t, fixture(t, "webhook-payment-captured.json"), func(m map[string]any) {
			d := obj(m, "data")
			d["source"], d["metadata"] = cardSource, meta
		})
	}
	hosted := event(map[string]any{"qpay_page": "hosted", "qpay_require": "qpay"})
	ev, err := p.ParseWebhook(context.Background(), http.Header{SignatureHeader: {Signature(webhookSecret, hosted)}}, hosted)
	require.NoError(t, err, "a card payment qpay made on a hosted page is applied")
	assert.Equal(t, status.Captured, ev.Payment.Status)
	assert.Equal(t, qpay.MethodCard, ev.Payment.Method.Type)
	assert.ErrorIs(t, ev.Payment.MethodError(), qpay.KindMethodMismatch)

	other := event(map[string]any{"order_id": "1"})
	_, err = p.ParseWebhook(context.Background(), http.Header{SignatureHeader: {Signature(webhookSecret, other)}}, other)
	requireKind(t, err, qpay.KindUnsupported) // another card payment of the account
}

func TestWhatCheckoutCannotDoIsRefusedBeforeAnyRequest(t *testing.T) {
	p := newTestProvider(t, Config{})
	split := newPaymentReq()
	split.Splits = []qpay.Split{{Recipient: "ent_w4jelhppmfiufdnatam37wrfc4", Amount: qar("10.00")}}
	nationalID := hostedReq()
	nationalID.NationalID = "070AYY010BU234M"
	arabic := hostedReq()
	arabic.Language = "ar"
	for name, req := range map[string]qpay.PaymentRequest{"splits": split, "national ID on the hosted page": nationalID, "Arabic hosted page": arabic} {
		t.Run(name, func(t *testing.T) {
			_, err := p.CreatePayment(context.Background(), req)
			e := requireKind(t, err, qpay.KindUnsupported)
			assert.True(t, strings.HasPrefix(e.Message, "checkout: "), e.Message)
		})
	}
	require.False(t, gock.HasUnmatchedRequest(), "a refused request reached Checkout")
}

// An unusable page ID is quoted in the error, cut to 40 characters, never
// inside a UTF-8 character.
func TestHostedPageIDInAnErrorIsCutWhole(t *testing.T) {
	p := newTestProvider(t, Config{})
	id := strings.Repeat("a", 39) + "طلب"
	answer := patch(t, fixture(t, "hosted-payment-created.json"), func(m map[string]any) { m["reference"] = "ORD-10045"; m["id"] = id })
	gock.New(SandboxBaseURL).Post("^/hosted-payments$").Reply(http.StatusCreated).JSON(answer)
	_, err := p.CreatePayment(context.Background(), hostedReq())
	assert.ErrorIs(t, err, qpay.KindProtocol)
	assert.True(t, utf8.ValidString(err.Error()), "%q", err.Error())
	assert.Contains(t, err.Error(), `"`+strings.Repeat("a", 39)+`ط"`)
}
