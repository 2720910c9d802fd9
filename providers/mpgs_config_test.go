package providers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
)

// A Mastercard Gateway test merchant's credentials; none is real.
const (
	mpgsMerchant = "TESTQPAYMID01"
	mpgsPassword = "5e1c0b7a9f2d4e3c8b6a0f1e2d3c4b5a"
	mpgsHook     = "9F3E2D1C0B4A5968778695A4B3C2D1E0"
	mpgsHost     = "test-gateway.mastercard.com"
)

func TestMPGSConfigFromJSONAndEnv(t *testing.T) {
	cfg, err := providers.LoadJSON(strings.NewReader(`{
		"provider": "mpgs",
		"merchant_id": "` + mpgsMerchant + `",
		"api_password": "` + mpgsPassword + `",
		"gateway_host": "` + mpgsHost + `",
		"webhook_secret": "` + mpgsHook + `",
		"api_version": 100
	}`))
	require.NoError(t, err)
	p, err := providers.Open(cfg)
	require.NoError(t, err)
	assert.Equal(t, "mpgs", p.Name())

	env := map[string]string{
		"BANK_PROVIDER":       "mpgs",
		"BANK_MERCHANT_ID":    mpgsMerchant,
		"BANK_API_PASSWORD":   mpgsPassword,
		"BANK_GATEWAY_HOST":   mpgsHost,
		"BANK_WEBHOOK_SECRET": mpgsHook,
		"BANK_API_VERSION":    "100",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	fromEnv, err := providers.FromLookup("BANK_", lookup)
	require.NoError(t, err)
	assert.Equal(t, cfg.MerchantID, fromEnv.MerchantID)
	assert.Equal(t, mpgsPassword, fromEnv.APIPassword.Reveal())
	assert.Equal(t, mpgsHost, fromEnv.GatewayHost)
	assert.Equal(t, mpgsHook, fromEnv.WebhookSecret.Reveal())
	assert.Equal(t, 100, fromEnv.APIVersion)

	env["BANK_API_VERSION"] = "v100"
	_, err = providers.FromLookup("BANK_", lookup)
	assert.ErrorContains(t, err, "BANK_API_VERSION")
}

func TestMPGSConfigProblems(t *testing.T) {
	full := providers.Config{Provider: "mpgs", MerchantID: mpgsMerchant, APIPassword: qpay.NewSecret(mpgsPassword), GatewayHost: mpgsHost, WebhookSecret: qpay.NewSecret(mpgsHook)}
	tests := []struct {
		name string
		edit func(*providers.Config)
		want string
	}{
		{"no merchant", func(c *providers.Config) { c.MerchantID = "" }, "merchant_id is required for mpgs"},
		{"no password", func(c *providers.Config) { c.APIPassword = qpay.Secret{} }, "api_password is required for mpgs"},
		{"no host", func(c *providers.Config) { c.GatewayHost = "" }, "gateway_host is required for mpgs"},
		{"no webhook secret", func(c *providers.Config) { c.WebhookSecret = qpay.Secret{} }, "webhook_secret is required for mpgs"},
		{"a Tap key too", func(c *providers.Config) { c.SecretKey = qpay.NewSecret("sk_test_x") }, "not used by mpgs"},
		{"base_url instead of gateway_host", func(c *providers.Config) { c.BaseURL = "https://" + mpgsHost }, "not used by mpgs"},
		{"saved from a printed config", func(c *providers.Config) { c.APIPassword = qpay.NewSecret("[REDACTED]") }, `api_password is "[REDACTED]"`},
		{"version before QPay", func(c *providers.Config) { c.APIVersion = 78 }, "has no QPay"},
		{"live merchant over http", func(c *providers.Config) {
			c.MerchantID, c.GatewayHost = "QPAYMID01", "http://gateway.bank.example"
		}, "plain http"},
		{"merchant ID that is not a path segment", func(c *providers.Config) { c.MerchantID = "TEST/../x" }, "MerchantID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := full
			tt.edit(&c)
			_, err := providers.Open(c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), mpgsPassword)
		})
	}
	_, err := providers.Open(providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey), APIPassword: qpay.NewSecret(mpgsPassword)})
	assert.ErrorContains(t, err, "for mpgs only")
}

func TestMPGSConfigNeverPrintsSecrets(t *testing.T) {
	cfg := providers.Config{Provider: "mpgs", MerchantID: mpgsMerchant, APIPassword: qpay.NewSecret(mpgsPassword), GatewayHost: mpgsHost, WebhookSecret: qpay.NewSecret(mpgsHook)}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	j, err := json.Marshal(cfg)
	require.NoError(t, err)
	p, err := providers.Open(cfg)
	require.NoError(t, err)
	for _, o := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(j), logs.String(),
		fmt.Sprintf("%v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p)} {
		assert.NotContains(t, o, mpgsPassword)
		assert.NotContains(t, o, mpgsHook)
	}
}

// A merchant moves from Tap to its bank's gateway by configuration: the
// merchant's Provider is the gateway's from then on (the Registry keeps the
// Tap configuration for the payments it made, by their chg_ IDs).
func TestRegistrySwitchesAMerchantToMPGS(t *testing.T) {
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("shop-1", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey)}))
	p, err := reg.Get("shop-1")
	require.NoError(t, err)
	assert.Equal(t, "tap", p.Name())

	require.NoError(t, reg.Configure("shop-1", providers.Config{Provider: "mpgs", MerchantID: mpgsMerchant,
		APIPassword: qpay.NewSecret(mpgsPassword), GatewayHost: mpgsHost, WebhookSecret: qpay.NewSecret(mpgsHook)}))
	p, err = reg.Get("shop-1")
	require.NoError(t, err)
	assert.Equal(t, "mpgs", p.Name())
}
