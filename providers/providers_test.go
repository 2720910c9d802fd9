package providers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
)

const (
	tapKey        = "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"
	ckoKey        = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"
	webhookSecret = "whsec_0f8e2a9c7b6d5e4f3a2b1c0d"
)

func TestLoadJSON(t *testing.T) {
	cfg, err := providers.LoadJSON(strings.NewReader(`{
		"provider": "checkout",
		"secret_key": "` + ckoKey + `",
		"webhook_secret": "` + webhookSecret + `",
		"base_url": "http://127.0.0.1:9999/checkout",
		"call_timeout": "30s",
		"max_attempts": 3
	}`))
	require.NoError(t, err)
	assert.Equal(t, "checkout", cfg.Provider)
	assert.Equal(t, ckoKey, cfg.SecretKey.Reveal())
	assert.Equal(t, webhookSecret, cfg.WebhookSecret.Reveal())
	assert.Equal(t, 30*time.Second, cfg.HTTPOptions().CallTimeout)
	assert.Equal(t, 3, cfg.HTTPOptions().MaxAttempts)
}

func TestLoadJSONRejects(t *testing.T) {
	tests := map[string]string{
		"unknown field":          `{"provider":"tap","secret_key":"k","secrte":"x"}`,
		"unknown provider":       `{"provider":"stripe","secret_key":"k"}`,
		"missing key":            `{"provider":"tap"}`,
		"checkout without hook":  `{"provider":"checkout","secret_key":"k"}`,
		"bad duration":           `{"provider":"tap","secret_key":"k","call_timeout":"soon"}`,
		"negative duration":      `{"provider":"tap","secret_key":"k","call_timeout":"-1s"}`,
		"not json":               `provider=tap`,
		"no provider":            `{"secret_key":"k"}`,
		"negative max attempts":  `{"provider":"tap","secret_key":"k","max_attempts":-1}`,
		"secret in wrong format": `{"provider":"tap","secret_key":42}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := providers.LoadJSON(strings.NewReader(in))
			assert.Error(t, err)
		})
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"SHOP1_PROVIDER":     "tap",
		"SHOP1_SECRET_KEY":   tapKey,
		"SHOP1_BASE_URL":     "http://127.0.0.1:1/tap",
		"SHOP1_MAX_ATTEMPTS": "2",
		"SHOP1_MIN_BACKOFF":  "10ms",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := providers.FromLookup("SHOP1_", lookup)
	require.NoError(t, err)
	assert.Equal(t, "tap", cfg.Provider)
	assert.Equal(t, tapKey, cfg.SecretKey.Reveal())
	assert.Equal(t, 2, cfg.MaxAttempts)
	assert.Equal(t, 10*time.Millisecond, cfg.HTTPOptions().MinBackoff)

	env["SHOP1_MAX_ATTEMPTS"] = "two"
	_, err = providers.FromLookup("SHOP1_", lookup)
	assert.ErrorContains(t, err, "SHOP1_MAX_ATTEMPTS")

	t.Setenv("QPAYTEST_PROVIDER", "tap")
	t.Setenv("QPAYTEST_SECRET_KEY", tapKey)
	cfg, err = providers.FromEnv("QPAYTEST_")
	require.NoError(t, err)
	assert.Equal(t, "tap", cfg.Provider)
}

func TestOpen(t *testing.T) {
	for _, cfg := range []providers.Config{
		{Provider: "tap", SecretKey: qpay.NewSecret(tapKey)},
		{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret)},
	} {
		p, err := providers.Open(cfg)
		require.NoError(t, err)
		assert.Equal(t, cfg.Provider, p.Name())
	}
	_, err := providers.Open(providers.Config{Provider: "tap"})
	assert.ErrorContains(t, err, "secret_key is required")
}

func TestConfigNeverPrintsSecrets(t *testing.T) {
	cfg := providers.Config{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret), WebhookAuthorization: qpay.NewSecret("Basic c2hvcDpwYXNzd29yZA==")}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	j, err := json.Marshal(cfg)
	require.NoError(t, err)
	p, err := providers.Open(cfg)
	require.NoError(t, err)
	outs := []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg),
		string(j), logs.String(), fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)}
	for _, o := range outs {
		assert.NotContains(t, o, ckoKey)
		assert.NotContains(t, o, webhookSecret)
		assert.NotContains(t, o, "c2hvcDpwYXNzd29yZA")
	}
	assert.Contains(t, outs[0], "[REDACTED]")
}

func TestRegistry(t *testing.T) {
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("shop-1", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey)}))
	require.NoError(t, reg.Configure("shop-2", providers.Config{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret)}))
	assert.Equal(t, []string{"shop-1", "shop-2"}, reg.Merchants())

	p, err := reg.Get("shop-1")
	require.NoError(t, err)
	assert.Equal(t, "tap", p.Name())

	_, err = reg.Get("shop-3")
	assert.True(t, errors.Is(err, providers.ErrUnknownMerchant))

	// A bad new configuration leaves the working one in place.
	assert.Error(t, reg.Configure("shop-1", providers.Config{Provider: "tap"}))
	p, _ = reg.Get("shop-1")
	assert.Equal(t, "tap", p.Name())

	// Switching a merchant's provider is a configuration change.
	require.NoError(t, reg.Configure("shop-1", providers.Config{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret)}))
	p, _ = reg.Get("shop-1")
	assert.Equal(t, "checkout", p.Name())

	reg.Remove("shop-2")
	assert.Equal(t, []string{"shop-1"}, reg.Merchants())

	resolve := reg.Resolver(func(r *http.Request) string { return r.URL.Query().Get("merchant") })
	p, err = resolve(httptest.NewRequest("POST", "/webhooks?merchant=shop-1", nil))
	require.NoError(t, err)
	assert.Equal(t, "checkout", p.Name())
	_, err = resolve(httptest.NewRequest("POST", "/webhooks?merchant=shop-9", nil))
	assert.ErrorIs(t, err, providers.ErrUnknownMerchant)
}

func TestRegistryIsSafeForConcurrentUse(t *testing.T) {
	reg := providers.NewRegistry()
	cfgs := []providers.Config{
		{Provider: "tap", SecretKey: qpay.NewSecret(tapKey)},
		{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret)},
	}
	require.NoError(t, reg.Configure("shop", cfgs[0]))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 50 {
				assert.NoError(t, reg.Configure("shop", cfgs[(i+j)%2]))
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				p, err := reg.Get("shop")
				if assert.NoError(t, err) {
					assert.Contains(t, []string{"tap", "checkout"}, p.Name())
				}
				_ = reg.Merchants()
			}
		}()
	}
	wg.Wait()
}

func TestRegistryStampsTheMerchantOnEverything(t *testing.T) {
	api := newTapTruth(t) // Tap's API, for the read-back of the charge
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("shop-1", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey), BaseURL: api.URL()}))
	require.NoError(t, reg.Configure("shop-2", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey), Account: "explicit", BaseURL: api.URL()}))
	for merchant, want := range map[string]string{"shop-1": "shop-1", "shop-2": "explicit"} {
		p, err := reg.Get(merchant)
		require.NoError(t, err)
		body, err := os.ReadFile("tap/testdata/webhook-charge-captured.json")
		require.NoError(t, err)
		var delivery struct {
			Headers map[string]string `json:"headers"`
			Body    json.RawMessage   `json:"body"`
		}
		require.NoError(t, json.Unmarshal(body, &delivery))
		h := http.Header{}
		h.Set("hashstring", delivery.Headers["hashstring"])
		api.set(delivery.Body)
		ev, err := p.ParseWebhook(context.Background(), h, delivery.Body)
		require.NoError(t, err)
		assert.Equal(t, want, ev.Account)
		assert.Equal(t, want, ev.Payment.Account)
	}
}

func TestAConfigSavedFromItsPrintedFormIsRefused(t *testing.T) {
	saved, err := json.Marshal(providers.Config{Provider: "checkout", SecretKey: qpay.NewSecret(ckoKey), WebhookSecret: qpay.NewSecret(webhookSecret)})
	require.NoError(t, err)
	_, err = providers.LoadJSON(bytes.NewReader(saved))
	assert.ErrorContains(t, err, `secret_key is "[REDACTED]"`)
	assert.ErrorContains(t, err, `webhook_secret is "[REDACTED]"`)
}
