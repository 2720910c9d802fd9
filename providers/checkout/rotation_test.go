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
)

// oldWebhookSecret is the webhook's secret before a rotation to
// webhookSecret.
var oldWebhookSecret = qpay.NewSecret("whsec_rotated_out_9c1e7a2b")

// A rotation: webhookSecret is current, oldWebhookSecret still verifies
// deliveries until its window ends, and each event says which secret
// verified it. The adapter's clock is the real one, so the windows are set
// around time.Now.
func TestWebhookSecretRotation(t *testing.T) {
	body := fixture(t, "webhook-payment-captured.json")
	sign := func(secret qpay.Secret) http.Header {
		return http.Header{SignatureHeader: {Signature(secret, body)}}
	}
	now := time.Now()
	cases := []struct {
		name   string
		until  time.Time
		header http.Header
		want   qpay.SigningKey // "" means refused
	}{
		{"current secret", now.Add(time.Hour), sign(webhookSecret), qpay.SignedByCurrent},
		{"previous secret inside its window", now.Add(time.Hour), sign(oldWebhookSecret), qpay.SignedByPrevious},
		{"previous secret after its window", now.Add(-time.Second), sign(oldWebhookSecret), ""},
		{"current secret after the window", now.Add(-time.Second), sign(webhookSecret), qpay.SignedByCurrent},
		{"another secret", now.Add(time.Hour), sign(qpay.NewSecret("whsec_neither_one")), ""},
		{"the API key", now.Add(time.Hour), sign(sandboxKey), ""},
		{"forged", now.Add(time.Hour), http.Header{SignatureHeader: {strings.Repeat("ab", 32)}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{PreviousWebhookSecrets: []qpay.PreviousSecret{{Secret: oldWebhookSecret, Until: c.until}}})
			ev, err := p.ParseWebhook(context.Background(), c.header, body)
			if c.want == "" {
				require.Nil(t, ev)
				requireKind(t, err, qpay.KindInvalidSignature)
				assert.NotContains(t, err.Error(), oldWebhookSecret.Reveal())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, ev.Verification.SignedBy)
			assert.Equal(t, fixturePaymentID, ev.PaymentID)
		})
	}
}

func TestSignedByCurrentWithoutRotation(t *testing.T) {
	body := fixture(t, "webhook-payment-captured.json")
	ev, err := newTestProvider(t, Config{}).ParseWebhook(context.Background(), http.Header{SignatureHeader: {Signature(webhookSecret, body)}}, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.SignedByCurrent, ev.Verification.SignedBy)
}

func TestWebhookSecretRotationConfig(t *testing.T) {
	later := time.Now().Add(time.Hour)
	cases := map[string]struct {
		previous []qpay.PreviousSecret
		want     string
	}{
		"no end":             {[]qpay.PreviousSecret{{Secret: oldWebhookSecret}}, "PreviousWebhookSecrets[0] has no end"},
		"no secret":          {[]qpay.PreviousSecret{{Until: later}}, "PreviousWebhookSecrets[0] is required"},
		"the current secret": {[]qpay.PreviousSecret{{Secret: webhookSecret, Until: later}}, "PreviousWebhookSecrets[0] is the current secret"},
		"a trailing newline": {[]qpay.PreviousSecret{{Secret: qpay.NewSecret("whsec_old\n"), Until: later}}, "PreviousWebhookSecrets[0] has control characters"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, PreviousWebhookSecrets: c.previous})
			require.ErrorContains(t, err, c.want)
			assert.NotContains(t, err.Error(), webhookSecret.Reveal())
		})
	}
}
