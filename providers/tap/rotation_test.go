package tap

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// oldKey is the account's key before a rotation to testKey.
var oldKey = qpay.NewSecret("sk_test_RotatedOutKey0000000000a")

// A rotation: testKey is current, oldKey still verifies webhooks until its
// window ends (the tests' clock is testNow), and each event says which key
// verified it.
func TestKeyRotation(t *testing.T) {
	d := loadSeedDelivery(t)
	sign := func(key qpay.Secret) http.Header {
		sig, err := Hashstring(key, d.Body)
		require.NoError(t, err)
		return http.Header{SignatureHeader: {sig}}
	}
	cases := []struct {
		name   string
		until  time.Time // of oldKey's window
		header http.Header
		want   qpay.SigningKey // "" means refused
	}{
		{"current key", testNow.Add(time.Hour), sign(testKey), qpay.SignedByCurrent},
		{"previous key inside its window", testNow.Add(time.Hour), sign(oldKey), qpay.SignedByPrevious},
		{"previous key, a nanosecond before the end", testNow.Add(time.Nanosecond), sign(oldKey), qpay.SignedByPrevious},
		{"previous key when its window ends", testNow, sign(oldKey), ""},
		{"previous key after its window", testNow.Add(-time.Hour), sign(oldKey), ""},
		{"current key after the window", testNow.Add(-time.Hour), sign(testKey), qpay.SignedByCurrent},
		{"another key", testNow.Add(time.Hour), sign(qpay.NewSecret("sk_test_neither_current_nor_old0")), ""},
		{"forged", testNow.Add(time.Hour), http.Header{SignatureHeader: {strings.Repeat("ab", 32)}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, func(cfg *Config) {
				cfg.PreviousSecretKeys = []qpay.PreviousSecret{{Secret: oldKey, Until: c.until}}
			})
			if c.want != "" {
				readBack(t, d.Body, 1) // Tap signs seven fields: the charge is read back
			}
			ev, err := p.ParseWebhook(context.Background(), c.header, d.Body)
			if c.want == "" {
				require.Nil(t, ev)
				require.ErrorIs(t, err, qpay.KindInvalidSignature)
				assert.NotContains(t, err.Error(), oldKey.Reveal())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, ev.Verification.SignedBy)
			assert.Equal(t, "QAR 1.00", ev.Payment.Amount.String())
		})
	}
}

// Without a rotation, every event is verified by the current key.
func TestSignedByCurrentWithoutRotation(t *testing.T) {
	d := loadSeedDelivery(t)
	p := newTestProvider(t)
	readBack(t, d.Body, 1)
	ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, d.Body), d.Body)
	require.NoError(t, err)
	assert.Equal(t, qpay.SignedByCurrent, ev.Verification.SignedBy)
}

// Bounded cost holds with two keys to try: an over-long amount is refused
// before any key is used.
func TestRotationKeepsTheLengthBound(t *testing.T) {
	d := loadSeedDelivery(t)
	p := newTestProvider(t, func(cfg *Config) {
		cfg.PreviousSecretKeys = []qpay.PreviousSecret{{Secret: oldKey, Until: testNow.Add(time.Hour)}}
	})
	body := patch(t, d.Body, map[string]any{"amount": overlongAmounts["1. and 250,000 zeros"]})
	_, err := p.ParseWebhook(context.Background(), http.Header{SignatureHeader: {strings.Repeat("ab", 32)}}, body)
	require.ErrorIs(t, err, qpay.KindInvalidSignature)
	require.ErrorIs(t, err, money.ErrInvalidAmount)
}

func TestKeyRotationConfig(t *testing.T) {
	later := testNow.Add(time.Hour)
	cases := map[string]struct {
		previous []qpay.PreviousSecret
		want     string
	}{
		"no end":          {[]qpay.PreviousSecret{{Secret: oldKey}}, "PreviousSecretKeys[0] has no end"},
		"no secret":       {[]qpay.PreviousSecret{{Until: later}}, "PreviousSecretKeys[0] has no secret"},
		"the current key": {[]qpay.PreviousSecret{{Secret: testKey, Until: later}}, "PreviousSecretKeys[0] is the current secret"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(Config{SecretKey: testKey, PreviousSecretKeys: c.previous})
			require.ErrorContains(t, err, c.want)
			assert.NotContains(t, err.Error(), testKey.Reveal())
		})
	}
}
