package qpaytest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/status"
)

var testWebhookSecret = qpay.NewSecret("whsec_builders_test")

// tapProvider returns a Tap provider whose read-back of a webhook's object
// (Tap signs seven fields only) is answered by a stand-in for Tap's API,
// with the object last given to set: the built object plays the one Tap
// holds.
func tapProvider(t *testing.T) (p qpay.Provider, set func(object []byte)) {
	t.Helper()
	var (
		mu  sync.Mutex
		obj []byte
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(obj)
	}))
	t.Cleanup(api.Close)
	p, err := tap.New(tap.Config{SecretKey: qpay.NewSecret(DefaultTapSecretKey), BaseURL: api.URL})
	require.NoError(t, err)
	return p, func(o []byte) {
		mu.Lock()
		defer mu.Unlock()
		obj = o
	}
}

func checkoutProvider(t *testing.T) qpay.Provider {
	t.Helper()
	p, err := checkout.New(checkout.Config{SecretKey: qpay.NewSecret(DefaultCheckoutSecretKey), WebhookSecret: testWebhookSecret})
	require.NoError(t, err)
	return p
}

func TestTapWebhookReproducesTheDocumentedVector(t *testing.T) {
	var fixture struct {
		Headers map[string]string
		Body    json.RawMessage
	}
	require.NoError(t, json.Unmarshal(readTestdata(t, "tap-webhook-charge-captured.json"), &fixture))
	h, err := TapWebhook(qpay.NewSecret(DefaultTapSecretKey), fixture.Body)
	require.NoError(t, err)
	assert.Equal(t, fixture.Headers["hashstring"], h.Get("hashstring"))
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	assert.Equal(t, fixture.Headers["user-agent"], h.Get("User-Agent"))

	_, err = TapWebhook(qpay.NewSecret(DefaultTapSecretKey), []byte(`not json`))
	assert.Error(t, err)
}

func TestTapBuildersAreAcceptedByTheAdapter(t *testing.T) {
	p, set := tapProvider(t)
	amount := money.MustParse("79.10", "QAR")
	cases := []struct {
		raw  string
		want status.Status
	}{
		{"CAPTURED", status.Captured},
		{"INITIATED", status.Pending},
		{"DECLINED", status.Failed},
		{"FAILED", status.Failed},
		{"RESTRICTED", status.Failed},
		{"CANCELLED", status.Canceled},
		{"VOID", status.Canceled},
		{"ABANDONED", status.Expired},
		{"TIMEDOUT", status.Unknown},
		{"UNKNOWN", status.Unknown},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			body, err := TapChargeJSON("chg_TS07A0320241133g5RO1906000", c.raw, amount, "ORD-1")
			require.NoError(t, err)
			h, err := TapWebhook(qpay.NewSecret(DefaultTapSecretKey), body)
			require.NoError(t, err)
			set(body)
			ev, err := p.ParseWebhook(context.Background(), h, body)
			require.NoError(t, err)
			assert.Equal(t, "tap:chg_TS07A0320241133g5RO1906000:"+c.raw, ev.ID)
			assert.Equal(t, qpay.EventPayment, ev.Type)
			assert.Equal(t, c.want, ev.Payment.Status)
			assert.Equal(t, c.raw, ev.Payment.RawStatus)
			assert.True(t, ev.Payment.Amount.Equal(amount))
			assert.Equal(t, "ORD-1", ev.Payment.Reference)
		})
	}

	refunds := []struct {
		raw  string
		want status.RefundStatus
	}{
		{"PENDING", status.RefundPending},
		{"REFUNDED", status.RefundSucceeded},
		{"DECLINED", status.RefundFailed},
	}
	for _, c := range refunds {
		t.Run("refund "+c.raw, func(t *testing.T) {
			body, err := TapRefundJSON("re_TS05A1120241150Xy7k1906512", "chg_TS07A0320241133g5RO1906000", c.raw, money.MustParse("0.50", "QAR"), "RFD-1")
			require.NoError(t, err)
			h, err := TapWebhook(qpay.NewSecret(DefaultTapSecretKey), body)
			require.NoError(t, err)
			set(body)
			ev, err := p.ParseWebhook(context.Background(), h, body)
			require.NoError(t, err)
			assert.Equal(t, qpay.EventRefund, ev.Type)
			assert.Equal(t, c.want, ev.Refund.Status)
			assert.Equal(t, "chg_TS07A0320241133g5RO1906000", ev.PaymentID)
			assert.Equal(t, "RFD-1", ev.Refund.Reference)
		})
	}
}

func TestCheckoutBuildersAreAcceptedByTheAdapter(t *testing.T) {
	p := checkoutProvider(t)
	amount := money.MustParse("79.10", "QAR")
	cases := []struct {
		typ  string
		want status.Status
	}{
		{"payment_pending", status.Pending},
		{"payment_captured", status.Captured},
		{"payment_paid", status.Captured},
		{"payment_declined", status.Failed},
		{"payment_canceled", status.Canceled},
		{"payment_expired", status.Expired},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			body, err := CheckoutEventJSON(c.typ, "pay_7eil5osdlcdehe62et5aihec4q", amount, "ORD-1")
			require.NoError(t, err)
			ev, err := p.ParseWebhook(context.Background(), CheckoutWebhook(testWebhookSecret, body), body)
			require.NoError(t, err)
			assert.Equal(t, qpay.EventPayment, ev.Type)
			assert.Equal(t, c.typ, ev.RawType)
			assert.Equal(t, c.want, ev.Payment.Status)
			assert.True(t, ev.Payment.Amount.Equal(amount))
			again, err := CheckoutEventJSON(c.typ, "pay_7eil5osdlcdehe62et5aihec4q", amount, "ORD-1")
			require.NoError(t, err)
			ev2, err := p.ParseWebhook(context.Background(), CheckoutWebhook(testWebhookSecret, again), again)
			require.NoError(t, err)
			assert.Equal(t, ev.ID, ev2.ID, "the same event, the same ID")
		})
	}
	refunds := []struct {
		typ  string
		want status.RefundStatus
	}{
		{"payment_refund_pending", status.RefundPending},
		{"payment_refunded", status.RefundSucceeded},
		{"payment_refund_declined", status.RefundFailed},
	}
	for _, c := range refunds {
		t.Run(c.typ, func(t *testing.T) {
			body, err := CheckoutRefundEventJSON(c.typ, "pay_7eil5osdlcdehe62et5aihec4q", "act_y3oqhf46pyzuxjbcn2giaqnb44", money.MustParse("0.50", "QAR"), "RFD-1")
			require.NoError(t, err)
			ev, err := p.ParseWebhook(context.Background(), CheckoutWebhook(testWebhookSecret, body), body)
			require.NoError(t, err)
			assert.Equal(t, qpay.EventRefund, ev.Type)
			assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", ev.Refund.ID)
			assert.Equal(t, c.want, ev.Refund.Status)
			assert.Equal(t, "pay_7eil5osdlcdehe62et5aihec4q", ev.PaymentID)
		})
	}
	t.Run("a type with no bearing on QPay", func(t *testing.T) {
		body, err := CheckoutEventJSON("dispute_received", "pay_7eil5osdlcdehe62et5aihec4q", amount, "ORD-1")
		require.NoError(t, err)
		_, err = p.ParseWebhook(context.Background(), CheckoutWebhook(testWebhookSecret, body), body)
		assert.ErrorIs(t, err, qpay.KindUnsupported)
	})
}

func TestCheckoutWebhookSignsTheDocumentedEnvelopes(t *testing.T) {
	p := checkoutProvider(t)
	cases := []struct {
		file string
		typ  qpay.EventType
		pay  status.Status
		ref  status.RefundStatus
	}{
		{"checkout-webhook-payment-captured.json", qpay.EventPayment, status.Captured, 0},
		{"checkout-webhook-payment-refunded.json", qpay.EventRefund, 0, status.RefundSucceeded},
		{"checkout-webhook-payment-refund-declined.json", qpay.EventRefund, 0, status.RefundFailed},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			body := readTestdata(t, c.file)
			h := CheckoutWebhook(testWebhookSecret, body)
			assert.Equal(t, checkout.Signature(testWebhookSecret, body), h.Get("Cko-Signature"))
			ev, err := p.ParseWebhook(context.Background(), h, body)
			require.NoError(t, err)
			assert.Equal(t, c.typ, ev.Type)
			if c.typ == qpay.EventPayment {
				assert.Equal(t, c.pay, ev.Payment.Status)
			} else {
				assert.Equal(t, c.ref, ev.Refund.Status)
			}
		})
	}
}

func TestBuiltWebhooksDoNotSignOtherBodies(t *testing.T) {
	ctx := context.Background()
	amount := money.MustParse("10.00", "QAR")
	captured, err := TapChargeJSON("chg_TSa", "CAPTURED", amount, "ORD-1")
	require.NoError(t, err)
	declined, err := TapChargeJSON("chg_TSa", "DECLINED", amount, "ORD-1")
	require.NoError(t, err)
	h, err := TapWebhook(qpay.NewSecret(DefaultTapSecretKey), declined)
	require.NoError(t, err)
	tp, _ := tapProvider(t)
	_, err = tp.ParseWebhook(ctx, h, captured)
	assert.ErrorIs(t, err, qpay.KindInvalidSignature, "a declined charge's signature does not make it captured")
	h, err = TapWebhook(qpay.NewSecret("sk_test_another_account_key_0000"), captured)
	require.NoError(t, err)
	_, err = tp.ParseWebhook(ctx, h, captured)
	assert.ErrorIs(t, err, qpay.KindInvalidSignature, "another account's key")

	ev, err := CheckoutEventJSON("payment_captured", "pay_x", amount, "ORD-1")
	require.NoError(t, err)
	_, err = checkoutProvider(t).ParseWebhook(ctx, CheckoutWebhook(testWebhookSecret, ev), append(ev, ' '))
	assert.ErrorIs(t, err, qpay.KindInvalidSignature)
}

func TestBuildersRefuseIncompleteInput(t *testing.T) {
	_, err := TapChargeJSON("chg_x", "CAPTURED", money.Money{}, "ORD-1")
	assert.Error(t, err)
	_, err = TapRefundJSON("re_x", "chg_x", "REFUNDED", money.Money{}, "RFD-1")
	assert.Error(t, err)
	_, err = CheckoutEventJSON("payment_captured", "", money.MustParse("1.00", "QAR"), "ORD-1")
	assert.Error(t, err)
	_, err = CheckoutRefundEventJSON("payment_refunded", "pay_x", "", money.MustParse("1.00", "QAR"), "RFD-1")
	assert.Error(t, err)
}

// A merchant's webhook handler, tested with NewWebhookRequest and a
// recorder: no server, no provider.
func TestNewWebhookRequestDrivesAMerchantHandler(t *testing.T) {
	p := checkoutProvider(t)
	var got *qpay.WebhookEvent
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := p.ParseWebhook(r.Context(), r.Header, body)
		switch {
		case errors.Is(err, qpay.KindInvalidSignature):
			w.WriteHeader(http.StatusUnauthorized)
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
		default:
			got = ev
		}
	})

	body, err := CheckoutEventJSON("payment_captured", "pay_7eil5osdlcdehe62et5aihec4q", money.MustParse("79.10", "QAR"), "ORD-1")
	require.NoError(t, err)
	h := CheckoutWebhook(testWebhookSecret, body)
	req, err := NewWebhookRequest(context.Background(), "https://shop.example/qpay/webhook", h, body)
	require.NoError(t, err)
	h.Set("Cko-Signature", "00") // the request holds its own copy
	assert.Equal(t, http.MethodPost, req.Method)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	require.NotNil(t, got)
	assert.Equal(t, status.Captured, got.Payment.Status)

	forged, err := NewWebhookRequest(context.Background(), "https://shop.example/qpay/webhook", h, body)
	require.NoError(t, err)
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, forged)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}
