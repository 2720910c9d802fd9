package tap

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// seedDelivery is the reference's webhook for the captured seed charge: the
// body Tap posts and the hashstring header computed from Tap's recipe.
type seedDelivery struct {
	Headers      map[string]string `json:"headers"`
	SignedString string            `json:"signed_string"`
	Body         json.RawMessage   `json:"body"`
}

func loadSeedDelivery(t *testing.T) seedDelivery {
	t.Helper()
	var d seedDelivery
	require.NoError(t, json.Unmarshal(fixture(t, "webhook-charge-captured.json"), &d))
	return d
}

// signedHeader returns the header Tap would send with body.
func signedHeader(t *testing.T, key qpay.Secret, body []byte) http.Header {
	t.Helper()
	sig, err := Hashstring(key, body)
	require.NoError(t, err)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, sig)
	return h
}

// recipe is Tap's documented hashstring, written out independently of
// Hashstring: HMAC-SHA256 over the seven prefixed fields.
func recipe(key, id, amount, currency, gateway, payment, st, created string) string {
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "x_id%sx_amount%sx_currency%sx_gateway_reference%sx_payment_reference%sx_status%sx_created%s",
		id, amount, currency, gateway, payment, st, created)
	return hex.EncodeToString(mac.Sum(nil))
}

func TestSeedWebhookVerifiesAndParses(t *testing.T) {
	d := loadSeedDelivery(t)
	const want = "3a9cbda4e603f7be68832a9fe059043be58a7f7dd75986edc3e18aac825d7066"
	require.Equal(t, want, d.Headers["hashstring"], "the reference's worked vector")
	assert.Equal(t, want, recipe(testKey.Reveal(), seedChargeID, "1.00", "QAR", "00", "0519241133062344298", "CAPTURED", "1718796783000"))
	assert.Equal(t, "x_id"+seedChargeID+"x_amount1.00x_currencyQARx_gateway_reference00x_payment_reference0519241133062344298x_statusCAPTUREDx_created1718796783000",
		d.SignedString)

	sig, err := Hashstring(testKey, d.Body)
	require.NoError(t, err)
	assert.Equal(t, want, sig, "Hashstring reproduces the documented recipe")

	p := newTestProvider(t)
	header := http.Header{}
	for k, v := range d.Headers {
		header[k] = []string{v} // as received, lower-case names included
	}
	readBack(t, d.Body, 1)
	ev, err := p.ParseWebhook(context.Background(), header, d.Body)
	require.NoError(t, err)
	assert.Equal(t, "tap:"+seedChargeID+":CAPTURED", ev.ID)
	assert.Equal(t, "tap", ev.Provider)
	assert.Equal(t, qpay.EventPayment, ev.Type)
	assert.Equal(t, "charge", ev.RawType)
	assert.Equal(t, seedChargeID, ev.PaymentID)
	assert.Nil(t, ev.Refund)
	require.NotNil(t, ev.Payment)
	assert.Equal(t, status.Captured, ev.Payment.Status)
	assert.Equal(t, "QAR 1.00", ev.Payment.Amount.String())
	assert.Equal(t, "txn_01", ev.Payment.Reference)
	assert.Equal(t, []byte(d.Body), []byte(ev.Raw))
	assert.Equal(t, qpay.Verification{Method: qpay.VerifiedReadBack, SignedBy: qpay.SignedByCurrent,
		Signed:           qpay.FieldID | qpay.FieldPaymentID | qpay.FieldAmount | qpay.FieldStatus,
		ReadBack:         qpay.AllFields,
		DeliveredPayment: ev.Verification.DeliveredPayment,
	}, ev.Verification, "the facts were read back; the delivery agrees with them")
	assert.Equal(t, qpay.Fields(0), ev.Verification.Unverified())

	again, err := p.ParseWebhook(context.Background(), header, d.Body)
	require.NoError(t, err)
	assert.Equal(t, ev.ID, again.ID, "a redelivery keeps its event ID")
	assert.True(t, gock.IsDone(), "the charge was read back")
	assert.False(t, gock.HasUnmatchedRequest(), "once: the redelivery is answered from the recent read-back")
}

func TestWebhookSignatureCoversTheDocumentedFields(t *testing.T) {
	d := loadSeedDelivery(t)
	header := signedHeader(t, testKey, d.Body)
	tests := []struct {
		field    string
		value    any
		verifies bool
	}{
		{"id", "chg_TS07A0320241133g5RO1906001", false},
		{"amount", json.Number("2"), false},
		{"amount", json.Number("1.01"), false},
		{"currency", "KWD", false},
		{"reference.gateway", "01", false},
		{"reference.payment", "0519241133062344299", false},
		{"status", "DECLINED", false},
		{"transaction.created", "1718796783001", false},
		// The same values written another way sign the same string.
		{"amount", json.Number("1.000"), true},
		{"amount", "1.00", true},
		// Tap signs seven fields, not the body: others change unnoticed
		// by the signature, and the read-back's values are the facts.
		{"description", "Something else", true},
		{"metadata.udf1", "changed", true},
		{"reference.transaction", "txn_02", true},
		{"post.attempt", json.Number("3"), true},
	}
	p := newTestProvider(t)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.field, tt.value), func(t *testing.T) {
			body := patch(t, d.Body, map[string]any{tt.field: tt.value})
			if tt.verifies {
				readBack(t, d.Body, 1)
			}
			ev, err := p.ParseWebhook(context.Background(), header, body)
			if tt.verifies {
				require.NoError(t, err)
				assert.Equal(t, status.Captured, ev.Payment.Status)
				assert.Equal(t, "txn_01", ev.Payment.Reference, "the genuine reference, read back")
				assert.Equal(t, map[string]string{"udf1": "Metadata 1"}, ev.Payment.Metadata, "the genuine metadata, read back")
				assert.Equal(t, []byte(d.Body), []byte(ev.Payment.Raw), "the read-back's body")
				return
			}
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, qpay.KindInvalidSignature)
		})
	}
}

func TestWebhookSignatureFailures(t *testing.T) {
	d := loadSeedDelivery(t)
	good := signedHeader(t, testKey, d.Body).Get(SignatureHeader)
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   string
	}{
		{"no header", http.Header{}, d.Body, "no hashstring header"},
		{"nil header", nil, d.Body, "no hashstring header"},
		{"empty header", http.Header{"Hashstring": {""}}, d.Body, "no hashstring header"},
		{"not hex", http.Header{"Hashstring": {"zz" + good[2:]}}, d.Body, "not a hex HMAC-SHA256"},
		{"too short", http.Header{"Hashstring": {good[:62]}}, d.Body, "not a hex HMAC-SHA256"},
		{"signed with another key", signedHeader(t, qpay.NewSecret("sk_test_another_merchant_key_000"), d.Body), d.Body, "does not match"},
		{"Tap's hash header instead", http.Header{"Hash": {good}}, d.Body, "no hashstring header"},
		{"empty body", http.Header{"Hashstring": {good}}, nil, "cannot compute"},
		{"not JSON", http.Header{"Hashstring": {good}}, []byte("x_id=chg_1"), "cannot compute"},
		{"amount beyond QAR's decimals", http.Header{"Hashstring": {good}}, patch(t, d.Body, map[string]any{"amount": json.Number("1.001")}), "cannot compute"},
	}
	p := newTestProvider(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := p.ParseWebhook(context.Background(), tt.header, tt.body)
			assert.Nil(t, ev)
			e := asError(t, err)
			assert.Equal(t, qpay.KindInvalidSignature, e.Kind)
			assert.Equal(t, qpay.OpParseWebhook, e.Op)
			assert.Equal(t, "tap", e.Provider)
			assert.Contains(t, e.Message, tt.want)
			assert.NotContains(t, fmt.Sprintf("%v %+v", err, err), testKey.Reveal())
		})
	}
}

func TestWebhookHeaderIsFoundWhateverItsCase(t *testing.T) {
	d := loadSeedDelivery(t)
	sig := signedHeader(t, testKey, d.Body).Get(SignatureHeader)
	p := newTestProvider(t)
	readBack(t, d.Body, 1) // one event, read back once
	for _, h := range []http.Header{
		{"Hashstring": {sig}},
		{"hashstring": {sig}},
		{"HASHSTRING": {strings.ToUpper(sig)}}, // hex case does not matter either
	} {
		_, err := p.ParseWebhook(context.Background(), h, d.Body)
		assert.NoError(t, err, "%v", h)
	}
}

func TestRefundWebhookRoundTrip(t *testing.T) {
	body := fixture(t, "refund-refunded.json")
	p := newTestProvider(t)
	readBack(t, body, 1)
	ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
	require.NoError(t, err)
	assert.Equal(t, "tap:re_TS05A1120241150Xy7k1906512:REFUNDED", ev.ID)
	assert.Equal(t, qpay.EventRefund, ev.Type)
	assert.Equal(t, "refund", ev.RawType)
	assert.Equal(t, seedChargeID, ev.PaymentID)
	assert.Nil(t, ev.Payment)
	require.NotNil(t, ev.Refund)
	assert.Equal(t, "re_TS05A1120241150Xy7k1906512", ev.Refund.ID)
	assert.Equal(t, seedChargeID, ev.Refund.PaymentID)
	assert.Equal(t, status.RefundSucceeded, ev.Refund.Status)
	assert.Equal(t, "QAR 0.50", ev.Refund.Amount.String())
	assert.Equal(t, "rfd_ord_01_1", ev.Refund.Reference)

	t.Run("signed over the refund's own created and references", func(t *testing.T) {
		want := recipe(testKey.Reveal(), "re_TS05A1120241150Xy7k1906512", "0.50", "QAR", "00", "0519241150062344512", "REFUNDED", "1718797854000")
		got, err := Hashstring(testKey, body)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
	t.Run("a refund without gateway references signs empty strings", func(t *testing.T) {
		pending := fixture(t, "refund-pending.json")
		want := recipe(testKey.Reveal(), "re_TS05A1120241150Xy7k1906512", "0.50", "QAR", "", "", "PENDING", "1718797854000")
		got, err := Hashstring(testKey, pending)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})
	t.Run("a changed refund status fails", func(t *testing.T) {
		altered := patch(t, body, map[string]any{"status": "FAILED"})
		_, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), altered)
		assert.ErrorIs(t, err, qpay.KindInvalidSignature)
	})
}

func TestHashstringFormatsTheCurrencysDecimals(t *testing.T) {
	tests := []struct {
		amount   string // the JSON number in the body
		currency string
		signed   string // x_amount in the signed string
	}{
		{"1.5", "KWD", "1.500"},
		{"1.5", "BHD", "1.500"},
		{"1", "QAR", "1.00"},
		{"65.00", "QAR", "65.00"},
		{"1000", "QAR", "1000.00"}, // no thousands separator
		{"500", "JPY", "500"},
	}
	for _, tt := range tests {
		t.Run(tt.currency+" "+tt.amount, func(t *testing.T) {
			body := fmt.Appendf(nil, `{"id":"chg_1","object":"charge","amount":%s,"currency":%q,"status":"CAPTURED",`+
				`"reference":{"gateway":"00","payment":"123"},"transaction":{"created":"1718796783000"}}`, tt.amount, tt.currency)
			got, err := Hashstring(testKey, body)
			require.NoError(t, err)
			assert.Equal(t, recipe(testKey.Reveal(), "chg_1", tt.signed, tt.currency, "00", "123", "CAPTURED", "1718796783000"), got)
		})
	}
}

func TestWebhookStatusesAndObjects(t *testing.T) {
	p := newTestProvider(t)
	t.Run("a declined charge carries its reason", func(t *testing.T) {
		body := fixture(t, "charge-declined.json")
		readBack(t, body, 1)
		ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		require.NoError(t, err)
		assert.Equal(t, "tap:"+seedChargeID+":DECLINED", ev.ID, "distinct from the capture's event ID")
		assert.Equal(t, status.Failed, ev.Payment.Status)
		assert.Equal(t, "505", ev.Payment.FailureCode)
	})
	t.Run("an object without its name is known by its ID", func(t *testing.T) {
		body := patch(t, fixture(t, "refund-refunded.json"), map[string]any{"object": nil})
		readBack(t, fixture(t, "refund-refunded.json"), 1)
		ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		require.NoError(t, err)
		assert.Equal(t, qpay.EventRefund, ev.Type)
	})
	t.Run("a charge without its object name is known by its ID", func(t *testing.T) {
		body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"object": nil})
		readBack(t, fixture(t, "charge-captured.json"), 1)
		ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		require.NoError(t, err)
		assert.Equal(t, qpay.EventPayment, ev.Type)
	})
	t.Run("an object with neither name nor known ID is unsupported", func(t *testing.T) {
		body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"object": nil, "id": "inv_1"})
		_, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		assert.ErrorIs(t, err, qpay.KindUnsupported)
	})
	t.Run("an authorize object is signed but unsupported", func(t *testing.T) {
		body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"object": "authorize", "id": "auth_1", "status": "AUTHORIZED"})
		_, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		e := asError(t, err)
		assert.Equal(t, qpay.KindUnsupported, e.Kind)
		assert.Contains(t, e.Message, `"authorize"`)
	})
	t.Run("a signed body qpay cannot read is a protocol error", func(t *testing.T) {
		body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"response": "000"})
		_, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		e := asError(t, err)
		assert.Equal(t, qpay.KindProtocol, e.Kind)
		assert.Equal(t, qpay.OpParseWebhook, e.Op)
	})
	t.Run("a signed refund qpay cannot read is a protocol error", func(t *testing.T) {
		body := patch(t, fixture(t, "refund-refunded.json"), map[string]any{"response": []any{}})
		_, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
		assert.ErrorIs(t, err, qpay.KindProtocol)
	})
}

func TestObjectKindComesFromTheSignedID(t *testing.T) {
	tests := []struct{ object, id, want string }{
		{"charge", "chg_1", objectCharge},
		{"", "chg_1", objectCharge},
		{"refund", "re_1", objectRefund},
		{"", "re_1", objectRefund},
		{"refund", "chg_1", ""}, // relabelled
		{"charge", "re_1", ""},
		{"charge", "xyz_1", ""},
		{"invoice", "inv_1", "invoice"},
		{"", "xyz_1", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, objectType(tt.object, tt.id), "%q %q", tt.object, tt.id)
	}
}
