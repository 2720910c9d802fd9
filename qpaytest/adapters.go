package qpaytest

import (
	"net/http"
	"testing"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/providers/tap"
)

// testHTTP is what the helpers give the adapters: retries in milliseconds,
// so that a test with injected 5xx or 429 faults stays fast.
func testHTTP(client *http.Client) qpay.HTTPOptions {
	return qpay.HTTPOptions{
		Client:         client,
		MinBackoff:     time.Millisecond,
		MaxBackoff:     5 * time.Millisecond,
		MaxRetryAfter:  50 * time.Millisecond,
		AttemptTimeout: 5 * time.Second,
		CallTimeout:    20 * time.Second,
	}
}

// TapConfig is the configuration of the real Tap adapter against s, with
// millisecond backoffs and Retry-After capped at 50ms; change what a test
// needs and pass it to tap.New.
func TapConfig(s *Server) tap.Config {
	return tap.Config{SecretKey: s.TapSecretKey(), BaseURL: s.TapBaseURL(), HTTP: testHTTP(nil)}
}

// CheckoutConfig is the configuration of the real Checkout adapter against
// s (its keys, webhook secret and Authorization), with millisecond backoffs
// and Retry-After capped at 50ms; change what a test needs and pass it to
// checkout.New.
func CheckoutConfig(s *Server) checkout.Config {
	return checkout.Config{
		SecretKey:            s.CheckoutSecretKey(),
		WebhookSecret:        s.CheckoutWebhookSecret(),
		WebhookAuthorization: s.CheckoutWebhookAuthorization(),
		BaseURL:              s.CheckoutBaseURL(),
		HTTP:                 testHTTP(nil),
	}
}

// MPGSConfig is the configuration of the real Mastercard Gateway adapter
// against s (its merchant, API password, notification secret and host),
// with millisecond backoffs and Retry-After capped at 50ms; change what a
// test needs and pass it to mpgs.New.
func MPGSConfig(s *Server) mpgs.Config {
	return mpgs.Config{
		MerchantID:    s.MPGSMerchantID(),
		APIPassword:   s.MPGSAPIPassword(),
		WebhookSecret: s.MPGSWebhookSecret(),
		Host:          s.MPGSHost(),
		HTTP:          testHTTP(nil),
	}
}

// Config is a merchant's configuration of provider (ProviderTap,
// ProviderCheckout or ProviderMPGS) against s, as providers.Open takes it: the simulator's
// keys, webhook secret and base URL, and the providers' own timeouts and
// retries. It is what a merchant's service, an example or a test opens to
// run its real code path offline.
func (s *Server) Config(provider string) providers.Config {
	switch provider {
	case ProviderTap:
		return providers.Config{Provider: providers.Tap, SecretKey: s.TapSecretKey(), BaseURL: s.TapBaseURL()}
	case ProviderMPGS:
		return providers.Config{
			Provider:      providers.MPGS,
			MerchantID:    s.MPGSMerchantID(),
			APIPassword:   s.MPGSAPIPassword(),
			WebhookSecret: s.MPGSWebhookSecret(),
			GatewayHost:   s.MPGSHost(),
		}
	}
	return providers.Config{
		Provider:             providers.Checkout,
		SecretKey:            s.CheckoutSecretKey(),
		WebhookSecret:        s.CheckoutWebhookSecret(),
		WebhookAuthorization: s.CheckoutWebhookAuthorization(),
		BaseURL:              s.CheckoutBaseURL(),
	}
}

// CheckoutMerchantConfig is the configuration of Options.CheckoutMerchants[i]
// against s, as Config(ProviderCheckout) is the first Checkout account's.
// It panics for an i out of range, as indexing the slice would.
func (s *Server) CheckoutMerchantConfig(i int) providers.Config {
	m := s.opts.CheckoutMerchants[i]
	return providers.Config{
		Provider:             providers.Checkout,
		SecretKey:            m.SecretKey,
		WebhookSecret:        m.WebhookSecret,
		WebhookAuthorization: m.WebhookAuthorization,
		BaseURL:              s.CheckoutBaseURL(),
	}
}

// NewTap returns the real Tap adapter talking to s (TapConfig). It fails
// the test if the adapter cannot be built.
func NewTap(t testing.TB, s *Server) qpay.Provider {
	t.Helper()
	p, err := tap.New(TapConfig(s))
	if err != nil {
		t.Fatalf("qpaytest: tap.New: %v", err)
	}
	return p
}

// NewMPGS returns the real Mastercard Gateway adapter talking to s
// (MPGSConfig). It fails the test if the adapter cannot be built.
func NewMPGS(t testing.TB, s *Server) qpay.Provider {
	t.Helper()
	p, err := mpgs.New(MPGSConfig(s))
	if err != nil {
		t.Fatalf("qpaytest: mpgs.New: %v", err)
	}
	return p
}

// NewCheckout returns the real Checkout adapter talking to s
// (CheckoutConfig). It fails the test if the adapter cannot be built.
func NewCheckout(t testing.TB, s *Server) qpay.Provider {
	t.Helper()
	p, err := checkout.New(CheckoutConfig(s))
	if err != nil {
		t.Fatalf("qpaytest: checkout.New: %v", err)
	}
	return p
}
