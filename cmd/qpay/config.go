package main

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// envPrefix is where get, refund and verify-webhook read their settings:
// QPAY_PROVIDER, QPAY_SECRET_KEY and the rest of providers.FromEnv's names.
const envPrefix = "QPAY_"

// The variables whose absence is a usage error, named in its message.
const (
	envProvider      = envPrefix + "PROVIDER"
	envSecretKey     = envPrefix + "SECRET_KEY"
	envWebhookSecret = envPrefix + "WEBHOOK_SECRET"
	envWebhookAuth   = envPrefix + "WEBHOOK_AUTHORIZATION"
	envBaseURL       = envPrefix + "BASE_URL"
)

// webhookOnlyKey stands in for Checkout's API key when only webhooks are
// verified: checkout.New insists on a key, but ParseWebhook makes no API
// call, and a merchant checking a delivery should need only the webhook
// secret that signed it.
var webhookOnlyKey = qpay.NewSecret("sk_unused_by_verify_webhook")

const envHelp = `
Environment:
  QPAY_PROVIDER               tap or checkout (or -provider)
  QPAY_SECRET_KEY             the secret API key (sk_...)
  QPAY_WEBHOOK_SECRET         Checkout only: the webhook signing key (required)
  QPAY_WEBHOOK_AUTHORIZATION  Checkout only: the Authorization value configured on the webhook
  QPAY_PREVIOUS_SECRET_KEY, QPAY_PREVIOUS_SECRET_KEY_UNTIL          Tap key rotation: the old key
                              still verifies webhooks until the RFC 3339 time
  QPAY_PREVIOUS_WEBHOOK_SECRET, QPAY_PREVIOUS_WEBHOOK_SECRET_UNTIL  Checkout: the same for the
                              webhook secret
  QPAY_BASE_URL               another API address, e.g. a 'qpay sandbox' URL
  QPAY_MERCHANT_ID            Tap platform accounts: merchant.id
  QPAY_PROCESSING_CHANNEL_ID  Checkout: the processing channel
  QPAY_ATTEMPT_TIMEOUT, QPAY_CALL_TIMEOUT, QPAY_MAX_ATTEMPTS, QPAY_MIN_BACKOFF,
  QPAY_MAX_BACKOFF, QPAY_MAX_RETRY_AFTER  retries and timeouts ("20s", "4")
`

// session is a Provider built from the environment and what it needs
// released afterwards.
type session struct {
	provider  qpay.Provider
	transport func() http.RoundTripper
	cfg       providers.Config
	close     func()
	// providerFrom names where the provider's name came from, for messages:
	// "-provider tap" or "QPAY_PROVIDER=tap".
	providerFrom string
}

// openProvider builds the Provider the environment describes. flagProvider
// is the -provider flag ("" when not given). webhookOnly relaxes what
// Checkout needs to its webhook secret. logger, when not nil, gets one line
// per HTTP attempt (never a key, a header or a body). Every problem is a
// usage error naming the variables, never showing a value.
func openProvider(e *env, flagProvider string, webhookOnly bool, logger *slog.Logger) (*session, error) {
	return openProviderAt(e, flagProvider, "", webhookOnly, logger)
}

// openProviderAt is openProvider, or, when sandbox is a 'qpay sandbox' URL,
// a Provider for that simulator with its public test keys: nothing but
// QPAY_PROVIDER (or -provider) is read from the environment then.
func openProviderAt(e *env, flagProvider, sandbox string, webhookOnly bool, logger *slog.Logger) (*session, error) {
	if sandbox != "" {
		lookup, err := sandboxLookup(e, flagProvider, sandbox)
		if err != nil {
			return nil, err
		}
		e = &env{stdin: e.stdin, stdout: e.stdout, stderr: e.stderr, lookup: lookup}
	}
	get := func(name string) string {
		v, _ := e.lookup(name)
		return v
	}
	name, from := flagProvider, "-provider "+flagProvider
	switch fromEnv := get(envProvider); {
	case name == "" && fromEnv == "":
		return nil, usagef("no provider: set %s to tap or checkout, or pass -provider", envProvider)
	case name == "":
		name, from = fromEnv, envProvider+"="+fromEnv
	case fromEnv != "" && fromEnv != name:
		// The keys in the environment belong to QPAY_PROVIDER's account;
		// sending them to the other provider would be a leak.
		return nil, usagef("-provider %s contradicts %s=%s", name, envProvider, fromEnv)
	}
	if name != providers.Tap && name != providers.Checkout {
		return nil, usagef("provider %q is not tap or checkout", name)
	}

	var missing []string
	needKey := name == providers.Tap || !webhookOnly
	if needKey && get(envSecretKey) == "" {
		missing = append(missing, envSecretKey)
	}
	if name == providers.Checkout && get(envWebhookSecret) == "" {
		missing = append(missing, envWebhookSecret)
	}
	if len(missing) > 0 {
		return nil, usagef("missing environment variable(s) for %s: %s (keys are read from the environment only)",
			name, strings.Join(missing, ", "))
	}

	lookup := func(v string) (string, bool) {
		switch {
		case v == envProvider:
			return name, true
		case v == envSecretKey && !needKey && get(envSecretKey) == "":
			return webhookOnlyKey.Reveal(), true
		}
		return e.lookup(v)
	}
	cfg, err := providers.FromLookup(envPrefix, lookup)
	if err != nil {
		return nil, usagef("%v", err)
	}
	// A transport of the command's own, so that its connections are closed
	// when the command ends rather than left to the process exit.
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	}
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.Logger = logger
	p, err := providers.Open(cfg)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, usagef("the configuration in the environment is invalid: %v", err)
	}
	return &session{provider: p, cfg: cfg, close: tr.CloseIdleConnections, providerFrom: from,
		transport: func() http.RoundTripper { return tr }}, nil
}

// describeTarget says where calls go and whether real money can move,
// without the key: "tap (test key) at http://127.0.0.1:8089/tap".
func describeTarget(cfg providers.Config) string {
	kind := describeKey(cfg.SecretKey.Reveal())
	where := cfg.BaseURL
	if where == "" {
		where = "the provider's default address"
	}
	return cfg.Provider + " (" + kind + ") at " + where
}

// sandboxLookup is the environment of a 'qpay sandbox' at base: its public
// test keys and its URL for the provider named by -provider or
// QPAY_PROVIDER. Keys in the environment are ignored, never sent to it.
func sandboxLookup(e *env, flagProvider, base string) (func(string) (string, bool), error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("-sandbox %q is not the http URL 'qpay sandbox' printed, such as http://127.0.0.1:8089", base)
	}
	base = strings.TrimRight(base, "/")
	name := flagProvider
	if name == "" {
		name, _ = e.lookup(envProvider)
	}
	vars := map[string]string{envProvider: name}
	switch name {
	case providers.Tap:
		vars[envSecretKey] = qpaytest.DefaultTapSecretKey
		vars[envBaseURL] = base + "/tap"
	case providers.Checkout:
		vars[envSecretKey] = qpaytest.DefaultCheckoutSecretKey
		vars[envWebhookSecret] = qpaytest.DefaultCheckoutWebhookSecret
		vars[envBaseURL] = base + "/checkout"
	case "":
		return nil, usagef("no provider: pass -provider tap or -provider checkout (or set %s) with -sandbox", envProvider)
	default:
		return nil, usagef("provider %q is not tap or checkout", name)
	}
	return func(k string) (string, bool) {
		if v, ok := vars[k]; ok {
			return v, true
		}
		// Timeouts and retries may still come from the environment; keys,
		// addresses and account settings may not.
		switch k {
		case envPrefix + "ATTEMPT_TIMEOUT", envPrefix + "CALL_TIMEOUT", envPrefix + "MAX_ATTEMPTS",
			envPrefix + "MIN_BACKOFF", envPrefix + "MAX_BACKOFF", envPrefix + "MAX_RETRY_AFTER":
			return e.lookup(k)
		}
		return "", false
	}, nil
}

// describeKey says "test key" or "live key". The adapters decide the same
// way (tap: sk_test_; checkout: sk_sbox_ and the previous platform's
// sk_test_); this is only a label, and what trigger refuses live keys by.
func describeKey(key string) string {
	if strings.HasPrefix(key, "sk_test_") || strings.HasPrefix(key, "sk_sbox_") {
		return "test key"
	}
	return "live key"
}
