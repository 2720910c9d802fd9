package providers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// A key rotation configured from the environment or from JSON, for each
// provider: the previous secret verifies deliveries until the end of its
// window, and the event says which secret verified it.
func TestKeyRotationFromConfiguration(t *testing.T) {
	until := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	tapBody := readWebhookBody(t, "tap-charge-captured.json")
	ckoBody := readWebhookBody(t, "checkout-payment-captured.json")
	tapAPI := tapReadBack(t, tapBody)

	tapOld, tapNew := qpay.NewSecret("sk_test_OldTapKeyBeforeRotation01"), qpay.NewSecret("sk_test_NewTapKeyAfterRotation001")
	ckoOld, ckoNew := qpay.NewSecret("whsec_old_before_rotation"), qpay.NewSecret("whsec_new_after_rotation")
	tapHeader := func(key qpay.Secret) http.Header {
		h, err := qpaytest.TapWebhook(key, tapBody)
		require.NoError(t, err)
		return h
	}

	sources := map[string]map[string]string{
		"tap": {"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": tapNew.Reveal(), "QPAY_BASE_URL": tapAPI,
			"QPAY_PREVIOUS_SECRET_KEY": tapOld.Reveal(), "QPAY_PREVIOUS_SECRET_KEY_UNTIL": until},
		"checkout": {"QPAY_PROVIDER": "checkout", "QPAY_SECRET_KEY": "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "QPAY_BASE_URL": "http://127.0.0.1:9",
			"QPAY_WEBHOOK_SECRET": ckoNew.Reveal(), "QPAY_PREVIOUS_WEBHOOK_SECRET": ckoOld.Reveal(), "QPAY_PREVIOUS_WEBHOOK_SECRET_UNTIL": until},
	}
	deliveries := map[string][]struct {
		header http.Header
		body   []byte
		want   qpay.SigningKey
	}{
		"tap": {
			{tapHeader(tapNew), tapBody, qpay.SignedByCurrent},
			{tapHeader(tapOld), tapBody, qpay.SignedByPrevious},
		},
		"checkout": {
			{qpaytest.CheckoutWebhook(ckoNew, ckoBody), ckoBody, qpay.SignedByCurrent},
			{qpaytest.CheckoutWebhook(ckoOld, ckoBody), ckoBody, qpay.SignedByPrevious},
		},
	}
	for name, env := range sources {
		fromEnv, err := providers.FromLookup("QPAY_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err)
		var js strings.Builder
		js.WriteString("{")
		first := true
		for k, v := range env {
			if !first {
				js.WriteString(",")
			}
			first = false
			js.WriteString(`"` + strings.ToLower(strings.TrimPrefix(k, "QPAY_")) + `":"` + v + `"`)
		}
		js.WriteString("}")
		fromJSON, err := providers.LoadJSON(strings.NewReader(js.String()))
		require.NoError(t, err, js.String())

		for source, cfg := range map[string]providers.Config{"env": fromEnv, "json": fromJSON} {
			t.Run(name+"/"+source, func(t *testing.T) {
				p, err := providers.Open(cfg)
				require.NoError(t, err)
				for _, d := range deliveries[name] {
					ev, err := p.ParseWebhook(context.Background(), d.header, d.body)
					require.NoError(t, err)
					assert.Equal(t, d.want, ev.Verification.SignedBy)
				}
				// After the window, the previous secret no longer verifies.
				ended := cfg
				ended.PreviousSecretKeyUntil = zeroIfZero(cfg.PreviousSecretKeyUntil, time.Now().Add(-time.Minute))
				ended.PreviousWebhookSecretUntil = zeroIfZero(cfg.PreviousWebhookSecretUntil, time.Now().Add(-time.Minute))
				p, err = providers.Open(ended)
				require.NoError(t, err)
				old := deliveries[name][1]
				_, err = p.ParseWebhook(context.Background(), old.header, old.body)
				require.ErrorIs(t, err, qpay.KindInvalidSignature)
			})
		}
	}
}

// zeroIfZero returns zero when t is zero, else v.
func zeroIfZero(t, v time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return v
}

func TestKeyRotationConfigProblems(t *testing.T) {
	later := time.Now().Add(time.Hour)
	old := qpay.NewSecret("sk_test_OldTapKeyBeforeRotation01")
	base := func(provider string) providers.Config {
		return providers.Config{Provider: provider, SecretKey: qpay.NewSecret("sk_test_NewTapKeyAfterRotation001"),
			WebhookSecret: qpay.NewSecret("whsec_new_after_rotation")}
	}
	cases := map[string]struct {
		cfg  providers.Config
		want string
	}{
		"tap, no end": {func() providers.Config { c := base("tap"); c.PreviousSecretKey = old; return c }(),
			"previous_secret_key needs previous_secret_key_until"},
		"tap, an end without a key": {func() providers.Config { c := base("tap"); c.PreviousSecretKeyUntil = later; return c }(),
			"previous_secret_key_until is set without previous_secret_key"},
		"tap, a previous webhook secret": {func() providers.Config {
			c := base("tap")
			c.PreviousWebhookSecret, c.PreviousWebhookSecretUntil = old, later
			return c
		}(), "previous_webhook_secret is for checkout and mpgs webhooks, not tap"},
		"checkout, a previous secret key": {func() providers.Config {
			c := base("checkout")
			c.PreviousSecretKey, c.PreviousSecretKeyUntil = old, later
			return c
		}(), "previous_secret_key is for tap webhooks, not checkout"},
		"saved from a printed config": {func() providers.Config {
			c := base("checkout")
			c.PreviousWebhookSecret, c.PreviousWebhookSecretUntil = qpay.NewSecret("[REDACTED]"), later
			return c
		}(), `previous_webhook_secret is "[REDACTED]"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := c.cfg.Validate()
			require.ErrorContains(t, err, c.want)
			assert.NotContains(t, err.Error(), old.Reveal())
		})
	}

	_, err := providers.FromLookup("QPAY_", func(k string) (string, bool) {
		v, ok := map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_x", "QPAY_PREVIOUS_SECRET_KEY": "sk_test_y",
			"QPAY_PREVIOUS_SECRET_KEY_UNTIL": "next tuesday"}[k]
		return v, ok
	})
	require.ErrorContains(t, err, "QPAY_PREVIOUS_SECRET_KEY_UNTIL: want an RFC 3339 time")
}

// readWebhookBody returns the delivered body of testdata/webhooks/name:
// the file itself for Checkout, its "body" member for Tap's annotated
// fixtures.
func readWebhookBody(t *testing.T, name string) []byte {
	t.Helper()
	b := readWebhookFixture(t, name)
	var annotated struct {
		Body json.RawMessage `json:"body"`
	}
	if json.Unmarshal(b, &annotated) == nil && len(annotated.Body) > 0 {
		return annotated.Body
	}
	return b
}

// Through a Registry that was given a merchant's new key, a delivery
// verified by the older configuration's key says so.
func TestRegistrySwitchSaysAnOlderKeySigned(t *testing.T) {
	body := readWebhookBody(t, "tap-charge-captured.json")
	api := tapReadBack(t, body)
	oldKey, newKey := qpay.NewSecret("sk_test_OldTapKeyBeforeRotation01"), qpay.NewSecret("sk_test_NewTapKeyAfterRotation001")
	reg := providers.NewRegistry()
	for _, k := range []qpay.Secret{oldKey, newKey} {
		require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: k, BaseURL: api}))
	}
	p, err := reg.Get("M")
	require.NoError(t, err)
	for key, want := range map[*qpay.Secret]qpay.SigningKey{&newKey: qpay.SignedByCurrent, &oldKey: qpay.SignedByPrevious} {
		h, err := qpaytest.TapWebhook(*key, body)
		require.NoError(t, err)
		ev, err := p.ParseWebhook(context.Background(), h, body)
		require.NoError(t, err)
		assert.Equal(t, want, ev.Verification.SignedBy)
	}
}

// tapReadBack serves object to every request, as Tap's API answers the
// read-back of a delivery's charge (Tap signs seven fields only), and
// returns its base URL.
func tapReadBack(t *testing.T, object []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(object)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A configuration the Registry has replaced verifies webhooks only within
// its window (DefaultOlderWebhookWindow, or OlderWebhookWindow) and never
// after, through the keyring that ends every previous secret, while
// GetPayment still reaches it for its own payments until Retire.
func TestRegistryOlderConfigurationVerifiesWithinItsWindowOnly(t *testing.T) {
	body := readWebhookBody(t, "tap-charge-captured.json")
	var charge struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &charge))
	api := tapReadBack(t, body)
	oldKey, newKey := qpay.NewSecret("sk_test_OldTapKeyBeforeRotation01"), qpay.NewSecret("sk_test_NewTapKeyAfterRotation001")
	header, err := qpaytest.TapWebhook(oldKey, body)
	require.NoError(t, err)

	cases := []struct {
		name       string
		opts       []providers.RegistryOption
		replacedAt time.Duration // before now
		verifies   bool
	}{
		{"default window, not over", nil, providers.DefaultOlderWebhookWindow - time.Hour, true},
		{"default window, over", nil, providers.DefaultOlderWebhookWindow + time.Hour, false},
		{"an hour's window, over", []providers.RegistryOption{providers.OlderWebhookWindow(time.Hour)}, 2 * time.Hour, false},
		{"an hour's window, not over", []providers.RegistryOption{providers.OlderWebhookWindow(time.Hour)}, 30 * time.Minute, true},
		{"no window", []providers.RegistryOption{providers.OlderWebhookWindow(0)}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := providers.NewRegistry(c.opts...)
			providers.SetRegistryClock(reg, func() time.Time { return time.Now().Add(-c.replacedAt) })
			for _, k := range []qpay.Secret{oldKey, newKey} {
				require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: k, BaseURL: api}))
			}
			p, err := reg.Get("M")
			require.NoError(t, err)
			ev, err := p.ParseWebhook(context.Background(), header, body)
			if c.verifies {
				require.NoError(t, err)
				assert.Equal(t, qpay.SignedByPrevious, ev.Verification.SignedBy)
			} else {
				require.ErrorIs(t, err, qpay.KindInvalidSignature)
			}
			// Reads of its payments are not bounded by the window.
			got, err := p.GetPayment(context.Background(), charge.ID)
			require.NoError(t, err)
			assert.Equal(t, charge.ID, got.ID)
		})
	}

	t.Run("a later switch does not lengthen the window", func(t *testing.T) {
		reg := providers.NewRegistry(providers.OlderWebhookWindow(time.Hour))
		at := time.Now().Add(-2 * time.Hour)
		providers.SetRegistryClock(reg, func() time.Time { return at })
		require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: oldKey, BaseURL: api}))
		require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: newKey, BaseURL: api}))
		at = time.Now()
		require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret("sk_test_ThirdTapKeyOfTheMerchant1"), BaseURL: api}))
		p, err := reg.Get("M")
		require.NoError(t, err)
		_, err = p.ParseWebhook(context.Background(), header, body)
		require.ErrorIs(t, err, qpay.KindInvalidSignature)
	})
}

// Get hands out the Provider built when the configuration was put.
func TestRegistryGetBuildsNothing(t *testing.T) {
	reg := providers.NewRegistry()
	for _, k := range []string{"sk_test_OldTapKeyBeforeRotation01", "sk_test_NewTapKeyAfterRotation001"} {
		require.NoError(t, reg.Configure("M", providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret(k), BaseURL: "http://127.0.0.1:9"}))
	}
	a, err := reg.Get("M")
	require.NoError(t, err)
	b, err := reg.Get("M")
	require.NoError(t, err)
	assert.Same(t, a, b)
}
