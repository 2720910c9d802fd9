package checkout

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// The previous webhook secret's window is judged by the adapter's clock,
// as Tap's is, not by the machine's: its expiry is then exact to the
// nanosecond and testable without waiting. The window is far from the real
// time in both directions, so a test that read time.Now would fail.
func TestWebhookSecretRotationFollowsTheAdaptersClock(t *testing.T) {
	body := fixture(t, "webhook-payment-captured.json")
	old := http.Header{SignatureHeader: {Signature(oldWebhookSecret, body)}}
	until := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC) // years ahead of the real clock
	cases := []struct {
		name string
		now  time.Time
		want qpay.SigningKey // "" means refused
	}{
		{"long before the end", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), qpay.SignedByPrevious},
		{"a nanosecond before the end", until.Add(-time.Nanosecond), qpay.SignedByPrevious},
		{"when the window ends", until, ""},
		{"after the end", until.Add(time.Hour), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := newAdapter(Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, HTTP: testHTTP(t),
				PreviousWebhookSecrets: []qpay.PreviousSecret{{Secret: oldWebhookSecret, Until: until}}})
			require.NoError(t, err)
			a.now = func() time.Time { return c.now }
			ev, err := driver.Wrap(a, driver.Options{}).ParseWebhook(context.Background(), old, body)
			if c.want == "" {
				require.Nil(t, ev)
				requireKind(t, err, qpay.KindInvalidSignature)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, ev.Verification.SignedBy)
		})
	}
}
