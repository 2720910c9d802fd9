package checkout

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/status"
)

// webhookProvider builds a provider for webhook tests, which make no HTTP
// request.
func webhookProvider(t *testing.T, auth qpay.Secret) qpay.Provider {
	t.Helper()
	p, err := New(Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, WebhookAuthorization: auth})
	require.NoError(t, err)
	return p
}

// signed returns the headers of a delivery of body as Checkout signs it.
func signed(body []byte) http.Header {
	h := http.Header{}
	h.Set(SignatureHeader, Signature(webhookSecret, body))
	return h
}

func TestParseWebhookReadsTheFixtures(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	t.Run("payment_captured", func(t *testing.T) {
		body := fixture(t, "webhook-payment-captured.json")
		ev, err := p.ParseWebhook(context.Background(), signed(body), body)
		require.NoError(t, err)
		assert.Equal(t, "evt_az5sblvku4ge3dwpztvyizgcau", ev.ID)
		assert.Equal(t, "checkout", ev.Provider)
		assert.Equal(t, qpay.EventPayment, ev.Type)
		assert.Equal(t, "payment_captured", ev.RawType)
		assert.Equal(t, fixturePaymentID, ev.PaymentID)
		assert.Equal(t, body, []byte(ev.Raw))
		assert.Nil(t, ev.Refund)
		require.NotNil(t, ev.Payment)
		pay := ev.Payment
		assert.Equal(t, "checkout", pay.Provider)
		assert.Equal(t, fixturePaymentID, pay.ID)
		assert.Equal(t, status.Captured, pay.Status)
		assert.Equal(t, "payment_captured", pay.RawStatus, "no data.status: the event type is the raw status")
		assert.True(t, pay.Amount.Equal(qar("1.00")))
		assert.Empty(t, pay.Refunded.Currency())
		assert.Equal(t, "ord_01", pay.Reference)
		assert.Equal(t, map[string]string{"order_id": "ord_01"}, pay.Metadata)
		assert.Empty(t, pay.FailureCode)
		assert.Empty(t, pay.FailureMessage)
	})
	t.Run("payment_refunded", func(t *testing.T) {
		body := fixture(t, "webhook-payment-refunded.json")
		ev, err := p.ParseWebhook(context.Background(), signed(body), body)
		require.NoError(t, err)
		assert.Equal(t, "evt_3nqpsgxbqwkurcfeyzcydxn6hy", ev.ID)
		assert.Equal(t, qpay.EventRefund, ev.Type)
		assert.Equal(t, "payment_refunded", ev.RawType)
		assert.Equal(t, fixturePaymentID, ev.PaymentID)
		assert.Nil(t, ev.Payment)
		require.NotNil(t, ev.Refund)
		r := ev.Refund
		assert.Equal(t, "checkout", r.Provider)
		assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID, "the refund action, as the refund's 202 named it")
		assert.Equal(t, fixturePaymentID, r.PaymentID)
		assert.Equal(t, status.RefundSucceeded, r.Status)
		assert.Equal(t, "payment_refunded", r.RawStatus)
		assert.True(t, r.Amount.Equal(qar("0.50")))
		assert.Equal(t, "rfd_ord_01_1", r.Reference)
		assert.Equal(t, time.Date(2019, 6, 21, 8, 0, 2, 0, time.UTC), r.CreatedAt)
		assert.Empty(t, r.FailureCode)
	})
	t.Run("payment_refund_declined, current platform", func(t *testing.T) {
		body := fixture(t, "webhook-payment-refund-declined.json")
		ev, err := p.ParseWebhook(context.Background(), signed(body), body)
		require.NoError(t, err)
		assert.Equal(t, "evt_y5kl22y4bqnupcuw46ztq2c56i", ev.ID)
		assert.Equal(t, qpay.EventRefund, ev.Type)
		require.NotNil(t, ev.Refund)
		r := ev.Refund
		assert.Equal(t, "act_rzy3fxofo3lufmjzaismfzjiae", r.ID)
		assert.Equal(t, fixturePaymentID, r.PaymentID)
		assert.Equal(t, status.RefundFailed, r.Status)
		assert.True(t, r.Amount.Equal(qar("0.50")))
		assert.Equal(t, "rfd_ord_01_2", r.Reference)
		assert.Equal(t, "20006", r.FailureCode)
		assert.Equal(t, "Error / Invalid Request Parameters", r.FailureMessage)
		assert.Equal(t, time.Date(2019, 6, 22, 9, 27, 47, 89119900, time.UTC), r.CreatedAt)
	})
}

// The event-type table, as the specification states it. Every entry of
// eventTypes is here and nothing else is.
var wantPaymentEvents = map[string]status.Status{
	"payment_pending":          status.Pending,
	"payment_approved":         status.Processing,
	"payment_capture_pending":  status.Processing,
	"payment_captured":         status.Captured,
	"payment_paid":             status.Captured,
	"payment_declined":         status.Failed,
	"payment_capture_declined": status.Failed,
	"payment_canceled":         status.Canceled,
	"payment_voided":           status.Canceled,
	"payment_expired":          status.Expired,
}

var wantRefundEvents = map[string]status.RefundStatus{
	"payment_refund_pending":  status.RefundPending,
	"payment_refunded":        status.RefundSucceeded,
	"payment_refund_declined": status.RefundFailed,
}

func TestParseWebhookMapsEveryPaymentEvent(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	require.Len(t, eventTypes, len(wantPaymentEvents)+len(wantRefundEvents))
	for typ, want := range wantPaymentEvents {
		t.Run(typ, func(t *testing.T) {
			body := patch(t, fixture(t, "webhook-payment-captured.json"), func(m map[string]any) {
				m["type"] = typ
				d := obj(m, "data")
				d["status"] = "Some Status"
				d["response_code"], d["response_summary"] = "20005", "Declined - Do Not Honour"
				d["balances"] = map[string]any{"total_refunded": 0}
			})
			ev, err := p.ParseWebhook(context.Background(), signed(body), body)
			require.NoError(t, err)
			assert.Equal(t, qpay.EventPayment, ev.Type)
			assert.Equal(t, typ, ev.RawType)
			require.NotNil(t, ev.Payment)
			assert.Equal(t, want, ev.Payment.Status)
			assert.Equal(t, "Some Status", ev.Payment.RawStatus, "data.status is kept raw when present")
			assert.True(t, ev.Payment.Refunded.Equal(qar("0.00")))
			if want.Failure() {
				assert.Equal(t, "20005", ev.Payment.FailureCode)
				assert.Equal(t, "Declined - Do Not Honour", ev.Payment.FailureMessage)
			} else {
				assert.Empty(t, ev.Payment.FailureCode)
			}
		})
	}
}

func TestParseWebhookMapsEveryRefundEvent(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	for typ, want := range wantRefundEvents {
		t.Run(typ, func(t *testing.T) {
			body := patch(t, fixture(t, "webhook-payment-refunded.json"), func(m map[string]any) { m["type"] = typ })
			ev, err := p.ParseWebhook(context.Background(), signed(body), body)
			require.NoError(t, err)
			assert.Equal(t, qpay.EventRefund, ev.Type)
			assert.Equal(t, typ, ev.RawType)
			require.NotNil(t, ev.Refund)
			assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", ev.Refund.ID)
			assert.Equal(t, want, ev.Refund.Status)
			assert.Equal(t, typ, ev.Refund.RawStatus)
			assert.True(t, ev.Refund.Amount.Equal(qar("0.50")))
		})
	}
}

// The QPay source's own reason wins over Checkout's response code.
func TestParseWebhookFailureReasonFromQPay(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := patch(t, fixture(t, "webhook-payment-captured.json"), func(m map[string]any) {
		m["type"] = "payment_declined"
		d := obj(m, "data")
		d["response_code"], d["response_summary"] = "20005", "Declined - Do Not Honour"
		obj(d, "source")["qpay_status"] = "0001"
		obj(d, "source")["status_message"] = "Transaction declined by issuer"
	})
	ev, err := p.ParseWebhook(context.Background(), signed(body), body)
	require.NoError(t, err)
	assert.Equal(t, status.Failed, ev.Payment.Status)
	assert.Equal(t, "0001", ev.Payment.FailureCode)
	assert.Equal(t, "Transaction declined by issuer", ev.Payment.FailureMessage)
}

// Event types with no bearing on QPay are an error the caller can tell
// apart and acknowledge; they never carry a status.
func TestParseWebhookUnknownTypesAreUnsupported(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	for _, typ := range []string{
		"payment_risk_matched", "payment_void_declined", "payment_chargeback", "payment_retrieval",
		"card_verified", "card_verification_declined", "dispute_received", "Payment_Captured", "payment_captured ",
	} {
		t.Run(typ, func(t *testing.T) {
			body := patch(t, fixture(t, "webhook-payment-captured.json"), func(m map[string]any) {
				m["type"] = typ
				m["data"] = map[string]any{"id": "dsp_x", "amount": "not what qpay reads", "metadata": []any{1}}
			})
			ev, err := p.ParseWebhook(context.Background(), signed(body), body)
			assert.Nil(t, ev)
			e := requireKind(t, err, qpay.KindUnsupported)
			assert.Equal(t, qpay.OpParseWebhook, e.Op)
			assert.Contains(t, e.Message, typ)
			assert.False(t, e.Retryable)
		})
	}
}

func TestParseWebhookVerifiesTheSignatureFirst(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := fixture(t, "webhook-payment-captured.json")
	sig := Signature(webhookSecret, body)
	altered := []byte(strings.Replace(string(body), `"amount": 100`, `"amount": 900`, 1))
	require.NotEqual(t, body, altered)
	notJSON := []byte("not json")
	unknown := patch(t, body, func(m map[string]any) { m["type"] = "dispute_received" })

	cases := []struct {
		name string
		sig  string // "-" means no header
		body []byte
		kind qpay.Kind // 0: accepted
	}{
		{"valid", sig, body, 0},
		{"upper-case hex", strings.ToUpper(sig), body, 0},
		{"surrounding spaces", " " + sig + " ", body, 0},
		{"missing", "-", body, qpay.KindInvalidSignature},
		{"empty", "", body, qpay.KindInvalidSignature},
		{"body altered", sig, altered, qpay.KindInvalidSignature},
		{"another secret", Signature(qpay.NewSecret("whsec_another"), body), body, qpay.KindInvalidSignature},
		{"signed with the API key", Signature(sandboxKey, body), body, qpay.KindInvalidSignature},
		{"not hex", "zz" + sig[2:], body, qpay.KindInvalidSignature},
		{"truncated", sig[:32], body, qpay.KindInvalidSignature},
		{"too long", sig + "00", body, qpay.KindInvalidSignature},
		{"sha1 length", sig[:40], body, qpay.KindInvalidSignature},
		{"base64 instead of hex", "dGhpcyBpcyBub3QgaGV4IGF0IGFsbCwgbm90IGF0IGFsbA==", body, qpay.KindInvalidSignature},
		{"bad signature beats bad JSON", sig, notJSON, qpay.KindInvalidSignature},
		{"bad signature beats unknown type", sig, unknown, qpay.KindInvalidSignature},
		{"empty body", sig, nil, qpay.KindInvalidSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.sig != "-" {
				h.Set(SignatureHeader, c.sig)
			}
			ev, err := p.ParseWebhook(context.Background(), h, c.body)
			if c.kind == 0 {
				require.NoError(t, err)
				assert.Equal(t, "evt_az5sblvku4ge3dwpztvyizgcau", ev.ID)
				return
			}
			assert.Nil(t, ev)
			e := requireKind(t, err, c.kind)
			assert.NotContains(t, e.Error(), webhookSecret.Reveal())
			assert.NotContains(t, e.Error(), Signature(webhookSecret, c.body), "the expected signature is never disclosed")
		})
	}
}

// The header name is matched the way net/http canonicalizes it.
func TestParseWebhookHeaderNameCase(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := fixture(t, "webhook-payment-captured.json")
	h := http.Header{"Cko-Signature": {Signature(webhookSecret, body)}}
	_, err := p.ParseWebhook(context.Background(), h, body)
	require.NoError(t, err)
	raw := http.Header{}
	raw.Add("cko-signature", Signature(webhookSecret, body)) // Add canonicalizes
	_, err = p.ParseWebhook(context.Background(), raw, body)
	require.NoError(t, err)
}

func TestParseWebhookEnforcesTheConfiguredAuthorization(t *testing.T) {
	auth := qpay.NewSecret("Basic d2ViaG9vazpzM2NyM3Q=")
	body := fixture(t, "webhook-payment-captured.json")
	cases := []struct {
		name       string
		configured qpay.Secret
		header     string // "-" means none
		sigOK      bool
		kind       qpay.Kind
	}{
		{"configured and sent", auth, auth.Reveal(), true, 0},
		{"configured, missing", auth, "-", true, qpay.KindInvalidSignature},
		{"configured, another value", auth, "Basic d2ViaG9vazp3cm9uZw==", true, qpay.KindInvalidSignature},
		{"configured, a prefix of it", auth, auth.Reveal()[:10], true, qpay.KindInvalidSignature},
		{"configured and sent, bad signature", auth, auth.Reveal(), false, qpay.KindInvalidSignature},
		{"not configured, anything sent", qpay.NewSecret(""), "whatever", true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := webhookProvider(t, c.configured)
			h := signed(body)
			if !c.sigOK {
				h.Set(SignatureHeader, Signature(qpay.NewSecret("whsec_another"), body))
			}
			if c.header != "-" {
				h.Set("Authorization", c.header)
			}
			ev, err := p.ParseWebhook(context.Background(), h, body)
			if c.kind == 0 {
				require.NoError(t, err)
				assert.NotNil(t, ev.Payment)
				return
			}
			e := requireKind(t, err, c.kind)
			assert.NotContains(t, e.Error(), auth.Reveal())
		})
	}
}

// A correctly signed body that cannot be read is the provider's fault:
// KindProtocol, never a guess.
func TestParseWebhookMalformedButSigned(t *testing.T) {
	captured := fixture(t, "webhook-payment-captured.json")
	refunded := fixture(t, "webhook-payment-refunded.json")
	cases := map[string][]byte{
		"not JSON":           []byte("<html>hello</html>"),
		"truncated JSON":     captured[:len(captured)/2],
		"a JSON array":       []byte(`[{"id":"evt_1","type":"payment_captured"}]`),
		"data not an object": []byte(`{"id":"evt_1","type":"payment_captured","data":"pay_1"}`),
		"no data":            []byte(`{"id":"evt_1","type":"payment_captured"}`),
		"no event id":        patch(t, captured, func(m map[string]any) { delete(m, "id") }),
		"no type":            patch(t, captured, func(m map[string]any) { delete(m, "type") }),
		"no amount":          patch(t, captured, func(m map[string]any) { delete(obj(m, "data"), "amount") }),
		"unknown currency":   patch(t, captured, func(m map[string]any) { obj(m, "data")["currency"] = "QQQ" }),
		"no currency":        patch(t, captured, func(m map[string]any) { delete(obj(m, "data"), "currency") }),
		"negative amount":    patch(t, captured, func(m map[string]any) { obj(m, "data")["amount"] = -1 }),
		"amount as a string": patch(t, captured, func(m map[string]any) { obj(m, "data")["amount"] = "100" }),
		"no payment id":      patch(t, captured, func(m map[string]any) { delete(obj(m, "data"), "id") }),
		"refund without action id": patch(t, refunded, func(m map[string]any) {
			delete(obj(m, "data"), "action_id")
		}),
		"balances unreadable": patch(t, captured, func(m map[string]any) {
			obj(m, "data")["balances"] = map[string]any{"total_refunded": -5}
		}),
	}
	p := webhookProvider(t, qpay.NewSecret(""))
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			ev, err := p.ParseWebhook(context.Background(), signed(body), body)
			assert.Nil(t, ev)
			e := requireKind(t, err, qpay.KindProtocol)
			assert.Equal(t, qpay.OpParseWebhook, e.Op)
		})
	}
}

func TestParseWebhookRefusesAHugeBody(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := make([]byte, driver.DefaultMaxWebhookBytes+1)
	_, err := p.ParseWebhook(context.Background(), signed(body), body)
	requireKind(t, err, qpay.KindInvalidRequest)
}

// A redelivery is the same event: same ID.
func TestParseWebhookRedeliveryKeepsTheEventID(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := fixture(t, "webhook-payment-captured.json")
	first, err := p.ParseWebhook(context.Background(), signed(body), body)
	require.NoError(t, err)
	again, err := p.ParseWebhook(context.Background(), signed(body), body)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
}

func TestSignatureMatchesAnIndependentComputation(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"),
	// the RFC 4231-style example every HMAC library documents.
	assert.Equal(t, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
		Signature(qpay.NewSecret("key"), []byte("The quick brown fox jumps over the lazy dog")))
}

func TestWebhookForAnotherPaymentMethodIsUnsupported(t *testing.T) {
	p := webhookProvider(t, qpay.NewSecret(""))
	body := []byte(`{"id":"evt_az5sblvku4ge3dwpztvyizgcau","type":"payment_captured","version":"2.0",` +
		`"data":{"id":"pay_7eil5osdlcdehe62et5aihec4q","action_id":"act_fd3h6evhpn3uxdoqbuu3lqnqbm","amount":100,"currency":"QAR","source":{"type":"card"}}}`)
	ev, err := p.ParseWebhook(context.Background(), signed(body), body)
	assert.Nil(t, ev)
	assert.ErrorIs(t, err, qpay.KindUnsupported)
	assert.ErrorContains(t, err, `"card" payment`)
}
