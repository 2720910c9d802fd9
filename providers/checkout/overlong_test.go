package checkout

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// Checkout sends amounts as integer minor units, read by money.MinorUnits:
// a literal longer than any int64 is refused by its length, and the error
// does not carry it. A forged body never gets that far (the raw body's
// HMAC comes first); a signed one, or an API answer, is a protocol error.
func TestOverlongMinorUnitsAreRefused(t *testing.T) {
	long := json.Number("1" + strings.Repeat("0", 250_000))
	t.Run("webhook", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		body := patch(t, fixture(t, "webhook-payment-captured.json"), func(m map[string]any) { obj(m, "data")["amount"] = long })
		h := http.Header{SignatureHeader: {Signature(webhookSecret, body)}}
		ev, err := p.ParseWebhook(context.Background(), h, body)
		require.Nil(t, ev)
		requireKind(t, err, qpay.KindProtocol)
		require.ErrorIs(t, err, money.ErrInvalidAmount)
		require.Less(t, len(err.Error()), 500, "the error must not carry the number")

		h.Set(SignatureHeader, strings.Repeat("ab", 32))
		_, err = p.ParseWebhook(context.Background(), h, body)
		requireKind(t, err, qpay.KindInvalidSignature)
	})
	t.Run("answer", func(t *testing.T) {
		p := newTestProvider(t, Config{})
		body := patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) { m["amount"] = long })
		gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(http.StatusOK).BodyString(string(body))
		pay, err := p.GetPayment(context.Background(), fixturePaymentID)
		require.Nil(t, pay)
		requireKind(t, err, qpay.KindProtocol)
		require.ErrorIs(t, err, money.ErrInvalidAmount)
		require.Less(t, len(err.Error()), 500)
	})
}
