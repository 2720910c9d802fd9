// Package providers builds a qpay.Provider from one merchant's
// configuration, so that switching a merchant between Tap, Checkout.com and
// its acquiring bank's Mastercard Gateway is a configuration change, not a
// code change.
//
//	cfg, err := providers.FromEnv("QPAY_")   // or providers.LoadJSON(file)
//	if err != nil { ... }
//	p, err := providers.Open(cfg)
//
// A Registry holds one Provider per merchant for marketplace and agency
// setups, and lets a merchant's configuration be replaced at run time.
//
// A Config prints and logs without its secrets: they are qpay.Secret values,
// which always render as "[REDACTED]".
package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/text"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/providers/tap"
)

// The provider names a Config accepts.
const (
	Tap      = "tap"
	Checkout = "checkout"
	// MPGS is the acquiring bank's Mastercard Gateway (QPAY browser
	// payments), package mpgs.
	MPGS = "mpgs"
)

// Config is one merchant's provider configuration. It can be read from JSON
// (LoadJSON) or from environment variables (FromEnv).
type Config struct {
	// Provider is "tap", "checkout" or "mpgs".
	Provider string `json:"provider"`
	// Account names the merchant (see tap.Config.Account); a Registry sets
	// it to the merchant ID when empty.
	Account string `json:"account,omitempty"`
	// SecretKey is the secret API key (Tap sk_test_/sk_live_, Checkout
	// sk_... ). Tap also signs its webhooks with it. The Mastercard Gateway
	// takes APIPassword instead.
	SecretKey qpay.Secret `json:"secret_key"`
	// WebhookSecret is the key Checkout signs webhooks with, or the
	// Mastercard Gateway's notification secret (required for both, unused
	// for Tap).
	WebhookSecret qpay.Secret `json:"webhook_secret,omitempty"`
	// PreviousSecretKey, for Tap, is the secret key being rotated out: it
	// verifies webhook hashstrings (never API calls) until
	// PreviousSecretKeyUntil, which it requires, and never after.
	PreviousSecretKey      qpay.Secret `json:"previous_secret_key,omitempty"`
	PreviousSecretKeyUntil time.Time   `json:"previous_secret_key_until,omitempty"`
	// PreviousWebhookSecret, for Checkout and the Mastercard Gateway, is the webhook secret being
	// rotated out: it verifies deliveries until PreviousWebhookSecretUntil,
	// which it requires, and never after.
	PreviousWebhookSecret      qpay.Secret `json:"previous_webhook_secret,omitempty"`
	PreviousWebhookSecretUntil time.Time   `json:"previous_webhook_secret_until,omitempty"`
	// WebhookAuthorization, for Checkout, is the Authorization header value
	// configured on the webhook; when set, deliveries must carry it.
	WebhookAuthorization qpay.Secret `json:"webhook_authorization,omitempty"`
	// BaseURL overrides the provider's API address (the simulator's, or
	// Checkout's per-merchant host).
	BaseURL string `json:"base_url,omitempty"`
	// MerchantID is Tap's merchant.id for platform accounts, or the
	// Mastercard Gateway's merchant ID (required for mpgs).
	MerchantID string `json:"merchant_id,omitempty"`
	// APIPassword is the Mastercard Gateway merchant's API password
	// (required for mpgs).
	APIPassword qpay.Secret `json:"api_password,omitempty"`
	// GatewayHost is the Mastercard Gateway host the acquiring bank gave
	// (required for mpgs; see mpgs.Config.Host). BaseURL is not used by
	// mpgs.
	GatewayHost string `json:"gateway_host,omitempty"`
	// APIVersion is the Mastercard Gateway's REST API version; zero means
	// mpgs.DefaultAPIVersion.
	APIVersion int `json:"api_version,omitempty"`
	// ProcessingChannelID is Checkout's processing channel, on current
	// accounts that require one.
	ProcessingChannelID string `json:"processing_channel_id,omitempty"`

	// Timeouts and retries; zero values take qpay.HTTPOptions' defaults.
	AttemptTimeout Duration `json:"attempt_timeout,omitempty"`
	CallTimeout    Duration `json:"call_timeout,omitempty"`
	MaxAttempts    int      `json:"max_attempts,omitempty"`
	MinBackoff     Duration `json:"min_backoff,omitempty"`
	MaxBackoff     Duration `json:"max_backoff,omitempty"`
	MaxRetryAfter  Duration `json:"max_retry_after,omitempty"`

	// HTTPClient and Logger are set in code, not read from JSON or the
	// environment.
	HTTPClient *http.Client `json:"-"`
	Logger     *slog.Logger `json:"-"`
	// Telemetry, set in code too, sends spans and metrics to the caller's
	// OpenTelemetry providers (see qpay.Telemetry).
	Telemetry qpay.Telemetry `json:"-"`
}

// redactedMask is what a qpay.Secret prints as.
const redactedMask = "[REDACTED]"

// Duration is a time.Duration that reads and writes JSON as "20s".
type Duration time.Duration

// MarshalText writes d as time.Duration's String form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "20s", "1m30s" and the like.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		// time's own message ("time: missing unit in duration") does not say
		// what would have worked.
		return fmt.Errorf("%q is not a duration: write a number with a unit, such as \"20s\", \"1m30s\" or \"500ms\"", b)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative: a duration here is zero (the default) or more, such as \"20s\"", b)
	}
	*d = Duration(v)
	return nil
}

// Validate reports what is missing or wrong, all at once, naming the JSON
// fields.
func (c Config) Validate() error {
	return c.validate(func(field string) string { return field })
}

// validate is Validate with the names of the settings given by name, so
// that FromLookup's errors name the variables that were (not) set:
// QPAY_SECRET_KEY, not secret_key.
func (c Config) validate(name func(field string) string) error {
	var problems []string
	switch c.Provider {
	case Tap:
	case Checkout:
		if c.WebhookSecret.IsZero() {
			problems = append(problems, name("webhook_secret")+" is required for checkout")
		}
	case MPGS:
		problems = append(problems, c.mpgsProblems(name)...)
	case "":
		problems = append(problems, name("provider")+` is required ("tap", "checkout" or "mpgs")`)
	default:
		problems = append(problems, fmt.Sprintf(`%s %q is not "tap", "checkout" or "mpgs"`, name("provider"), c.Provider))
	}
	if c.SecretKey.IsZero() && c.Provider != MPGS {
		problems = append(problems, name("secret_key")+" is required")
	}
	if c.Provider != MPGS && (!c.APIPassword.IsZero() || c.GatewayHost != "" || c.APIVersion != 0) {
		problems = append(problems, name("api_password")+", "+name("gateway_host")+" and "+name("api_version")+" are for mpgs only")
	}
	// The account is a key of every stored row: one a store would refuse
	// (package store's rule, text.IsHidden) would fail every webhook.
	if len(c.Account) > 255 || !utf8.ValidString(c.Account) || strings.ContainsFunc(c.Account, text.IsHidden) {
		problems = append(problems, name("account")+" must be at most 255 bytes of UTF-8 without control or invisible format characters")
	}
	problems = append(problems, rotationProblems(c, name)...)
	// A configuration saved with json.Marshal holds the mask, not the keys
	// (qpay.Secret never writes them out): say so now, not with a 401 later.
	for _, s := range []struct {
		name  string
		value qpay.Secret
	}{{"secret_key", c.SecretKey}, {"webhook_secret", c.WebhookSecret}, {"webhook_authorization", c.WebhookAuthorization},
		{"previous_secret_key", c.PreviousSecretKey}, {"previous_webhook_secret", c.PreviousWebhookSecret}, {"api_password", c.APIPassword}} {
		if s.value.Reveal() == redactedMask {
			problems = append(problems, name(s.name)+` is "[REDACTED]": the configuration was saved from a printed or marshalled Config, which never holds keys`)
		}
	}
	if c.MaxAttempts < 0 {
		problems = append(problems, name("max_attempts")+" must not be negative")
	}
	if len(problems) > 0 {
		return errors.New("providers: invalid config: " + strings.Join(problems, "; "))
	}
	return nil
}

// rotationProblems checks a key rotation: each previous secret needs the
// end of its window, and belongs to a provider that verifies with it (Tap
// with its secret key, Checkout and the Mastercard Gateway with their
// webhook secret).
func rotationProblems(c Config, name func(string) string) []string {
	var problems []string
	for _, r := range []struct {
		name      string
		providers []string
		secret    qpay.Secret
		until     time.Time
	}{
		{"previous_secret_key", []string{Tap}, c.PreviousSecretKey, c.PreviousSecretKeyUntil},
		{"previous_webhook_secret", []string{Checkout, MPGS}, c.PreviousWebhookSecret, c.PreviousWebhookSecretUntil},
	} {
		switch {
		case r.secret.IsZero() && !r.until.IsZero():
			problems = append(problems, name(r.name+"_until")+" is set without "+name(r.name))
		case r.secret.IsZero():
		case r.until.IsZero():
			problems = append(problems, name(r.name)+" needs "+name(r.name+"_until")+", the end of the rotation window")
		case c.Provider != "" && !slices.Contains(r.providers, c.Provider):
			problems = append(problems, fmt.Sprintf("%s is for %s webhooks, not %s", name(r.name), strings.Join(r.providers, " and "), c.Provider))
		}
	}
	return problems
}

// previous returns secret as the one previous secret of a rotation, or none.
func previous(secret qpay.Secret, until time.Time) []qpay.PreviousSecret {
	if secret.IsZero() {
		return nil
	}
	return []qpay.PreviousSecret{{Secret: secret, Until: until}}
}

// mpgsProblems are what a Mastercard Gateway configuration lacks or holds
// that belongs to another provider.
func (c Config) mpgsProblems(name func(string) string) []string {
	var problems []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"merchant_id", c.MerchantID != ""}, {"api_password", !c.APIPassword.IsZero()}, {"gateway_host", c.GatewayHost != ""}, {"webhook_secret", !c.WebhookSecret.IsZero()}} {
		if !f.set {
			problems = append(problems, name(f.name)+" is required for mpgs")
		}
	}
	if !c.SecretKey.IsZero() || c.BaseURL != "" || !c.WebhookAuthorization.IsZero() || c.ProcessingChannelID != "" {
		problems = append(problems, name("secret_key")+", "+name("base_url")+", "+name("webhook_authorization")+" and "+name("processing_channel_id")+
			" are not used by mpgs (its key is "+name("api_password")+", its address "+name("gateway_host")+")")
	}
	if c.APIVersion < 0 {
		problems = append(problems, name("api_version")+" must not be negative")
	}
	return problems
}

// HTTPOptions returns the transport settings of c.
func (c Config) HTTPOptions() qpay.HTTPOptions {
	return qpay.HTTPOptions{
		Client:         c.HTTPClient,
		Logger:         c.Logger,
		AttemptTimeout: time.Duration(c.AttemptTimeout),
		CallTimeout:    time.Duration(c.CallTimeout),
		MaxAttempts:    c.MaxAttempts,
		MinBackoff:     time.Duration(c.MinBackoff),
		MaxBackoff:     time.Duration(c.MaxBackoff),
		MaxRetryAfter:  time.Duration(c.MaxRetryAfter),
		Telemetry:      c.Telemetry,
	}
}

// Open builds the Provider c names.
func Open(c Config) (qpay.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Provider {
	case MPGS:
		return mpgs.New(mpgs.Config{
			MerchantID:             c.MerchantID,
			APIPassword:            c.APIPassword,
			Host:                   c.GatewayHost,
			APIVersion:             c.APIVersion,
			WebhookSecret:          c.WebhookSecret,
			PreviousWebhookSecrets: previous(c.PreviousWebhookSecret, c.PreviousWebhookSecretUntil),
			HTTP:                   c.HTTPOptions(),
			Account:                c.Account,
		})
	case Tap:
		return tap.New(tap.Config{
			SecretKey:          c.SecretKey,
			PreviousSecretKeys: previous(c.PreviousSecretKey, c.PreviousSecretKeyUntil),
			BaseURL:            c.BaseURL,
			MerchantID:         c.MerchantID,
			HTTP:               c.HTTPOptions(),
			Account:            c.Account,
		})
	default:
		return checkout.New(checkout.Config{
			SecretKey:              c.SecretKey,
			WebhookSecret:          c.WebhookSecret,
			PreviousWebhookSecrets: previous(c.PreviousWebhookSecret, c.PreviousWebhookSecretUntil),
			WebhookAuthorization:   c.WebhookAuthorization,
			ProcessingChannelID:    c.ProcessingChannelID,
			BaseURL:                c.BaseURL,
			HTTP:                   c.HTTPOptions(),
			Account:                c.Account,
		})
	}
}

// LoadJSON reads a Config from JSON. Unknown fields are an error, so that a
// misspelt key is not silently ignored.
func LoadJSON(r io.Reader) (Config, error) {
	var c Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("providers: reading config: %w", err)
	}
	return c, c.Validate()
}

// FromEnv reads a Config from environment variables named prefix + the JSON
// field name in upper case: with prefix "QPAY_", QPAY_PROVIDER,
// QPAY_SECRET_KEY, QPAY_WEBHOOK_SECRET, QPAY_BASE_URL, QPAY_CALL_TIMEOUT
// ("60s"), QPAY_MAX_ATTEMPTS and so on. A key rotation adds
// QPAY_PREVIOUS_SECRET_KEY (Tap) or QPAY_PREVIOUS_WEBHOOK_SECRET (Checkout,
// the Mastercard Gateway), each with its _UNTIL time in RFC 3339
// ("2026-12-31T00:00:00Z"). For the Mastercard Gateway: QPAY_MERCHANT_ID,
// QPAY_API_PASSWORD, QPAY_GATEWAY_HOST, QPAY_WEBHOOK_SECRET and
// QPAY_API_VERSION.
func FromEnv(prefix string) (Config, error) {
	return FromLookup(prefix, os.LookupEnv)
}

// FromLookup is FromEnv with another source of variables, for tests and for
// secret managers.
func FromLookup(prefix string, lookup func(string) (string, bool)) (Config, error) {
	var (
		c    Config
		errs []error
	)
	str := func(name string, dst *string) {
		if v, ok := lookup(prefix + name); ok {
			*dst = v
		}
	}
	secret := func(name string, dst *qpay.Secret) {
		if v, ok := lookup(prefix + name); ok {
			*dst = qpay.NewSecret(v)
		}
	}
	instant := func(name string, dst *time.Time) {
		if v, ok := lookup(prefix + name); ok {
			if err := dst.UnmarshalText([]byte(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s%s: want an RFC 3339 time such as 2026-12-31T00:00:00Z: %w", prefix, name, err))
			}
		}
	}
	dur := func(name string, dst *Duration) {
		if v, ok := lookup(prefix + name); ok {
			if err := dst.UnmarshalText([]byte(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s%s: %w", prefix, name, err))
			}
		}
	}
	str("PROVIDER", &c.Provider)
	str("ACCOUNT", &c.Account)
	secret("SECRET_KEY", &c.SecretKey)
	secret("WEBHOOK_SECRET", &c.WebhookSecret)
	secret("WEBHOOK_AUTHORIZATION", &c.WebhookAuthorization)
	secret("PREVIOUS_SECRET_KEY", &c.PreviousSecretKey)
	instant("PREVIOUS_SECRET_KEY_UNTIL", &c.PreviousSecretKeyUntil)
	secret("PREVIOUS_WEBHOOK_SECRET", &c.PreviousWebhookSecret)
	instant("PREVIOUS_WEBHOOK_SECRET_UNTIL", &c.PreviousWebhookSecretUntil)
	str("BASE_URL", &c.BaseURL)
	str("MERCHANT_ID", &c.MerchantID)
	str("PROCESSING_CHANNEL_ID", &c.ProcessingChannelID)
	secret("API_PASSWORD", &c.APIPassword)
	str("GATEWAY_HOST", &c.GatewayHost)
	dur("ATTEMPT_TIMEOUT", &c.AttemptTimeout)
	dur("CALL_TIMEOUT", &c.CallTimeout)
	dur("MIN_BACKOFF", &c.MinBackoff)
	dur("MAX_BACKOFF", &c.MaxBackoff)
	dur("MAX_RETRY_AFTER", &c.MaxRetryAfter)
	integer := func(name string, dst *int) {
		if v, ok := lookup(prefix + name); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s%s: %q is not a whole number, such as \"4\"", prefix, name, v))
			}
			*dst = n
		}
	}
	integer("MAX_ATTEMPTS", &c.MaxAttempts)
	integer("API_VERSION", &c.APIVersion)
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("providers: reading config from the environment: %w", err)
	}
	return c, c.validate(func(field string) string { return prefix + strings.ToUpper(field) })
}
