package providers_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// This file is the harness shared by the reliability tests (fault matrix,
// cancellation, secrets): a simulator with keys of its own, the real
// adapters opened the way a merchant opens them, and the calls they make.

// Keys nobody else uses, so that a leak is found by a plain substring search
// and cannot be confused with the simulator's default keys.
var (
	secretTapKey         = qpay.NewSecret("sk_test_ReliabilityTapKey7Q2w9Zx4")
	secretCheckoutKey    = qpay.NewSecret("sk_sbox_reliabilitycheckoutkeyq2w3e4r5t=")
	secretWebhookKey     = qpay.NewSecret("whsec_ReliabilityCheckoutHook_8Hd2Lp")
	secretWebhookAuthKey = qpay.NewSecret("Basic UmVsaWFiaWxpdHk6SG9vazc3")
	secretMPGSPassword   = qpay.NewSecret("ReliabilityMPGSApiPassword7Q2w9Zx4")
	secretMPGSHook       = qpay.NewSecret("RELIABILITYMPGSNOTIFICATIONSECRET")
)

// allSecrets are the values no output may contain.
var allSecrets = []qpay.Secret{secretTapKey, secretCheckoutKey, secretWebhookKey, secretWebhookAuthKey, secretMPGSPassword, secretMPGSHook}

// allRoutes lists the adapters every reliability test runs against: Tap,
// Checkout.com and the bank's Mastercard Gateway.
var allRoutes = []string{providers.Tap, providers.Checkout, providers.MPGS}

// bothProviders lists the two PSPs, for the tests of what only they offer
// (a search of payments by reference, qpay.PaymentFinder).
var bothProviders = []string{providers.Tap, providers.Checkout}

// readBackOp is the operation by which provider's adapter reads a
// payment's refunds back before it resends or reports a refund: Tap's
// refund list and Checkout's actions, the gateway's Retrieve Order.
func readBackOp(provider string) string {
	if provider == providers.MPGS {
		return qpaytest.OpGetPayment
	}
	return qpaytest.OpListRefunds
}

// The three operations of the Provider that talk to the provider, as the
// simulator names the endpoint each one's fault must hit.
const (
	opCreate = qpaytest.OpCreatePayment
	opGet    = qpaytest.OpGetPayment
	opRefund = qpaytest.OpRefund
)

var allOps = []string{opCreate, opGet, opRefund}

// newSimulator starts a simulator with the distinctive keys, logging to
// logger (nil for none), and closes it when the test ends.
func newSimulator(t *testing.T, logger *slog.Logger) *qpaytest.Server {
	t.Helper()
	sim, err := qpaytest.NewServer(qpaytest.Options{
		TapSecretKey:                 secretTapKey,
		CheckoutSecretKey:            secretCheckoutKey,
		CheckoutWebhookSecret:        secretWebhookKey,
		CheckoutWebhookAuthorization: secretWebhookAuthKey,
		MPGSAPIPassword:              secretMPGSPassword,
		MPGSWebhookSecret:            secretMPGSHook,
		Logger:                       logger,
	})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	return sim
}

// simulatorConfig is the merchant's configuration of provider against sim,
// with millisecond backoffs; tune changes what a test needs.
func simulatorConfig(sim *qpaytest.Server, provider string, tune func(*providers.Config)) providers.Config {
	cfg := sim.Config(provider)
	cfg.MinBackoff = providers.Duration(time.Millisecond)
	cfg.MaxBackoff = providers.Duration(5 * time.Millisecond)
	if tune != nil {
		tune(&cfg)
	}
	return cfg
}

// openProvider opens the configuration with providers.Open, as a merchant
// does.
func openProvider(t *testing.T, cfg providers.Config) qpay.Provider {
	t.Helper()
	p, err := providers.Open(cfg)
	require.NoError(t, err)
	return p
}

// paymentRequest is a valid QAR 100.00 request. The merchant owns the
// idempotency key, as PaymentRequest.IdempotencyKey advises for a create
// that may be retried after the call returned an error: a key made up by
// the call itself dies with the call.
func paymentRequest(ref string) qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:         money.MustParse("100.00", qpay.Currency),
		Reference:      ref,
		Customer:       qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL:      "http://shop.test/qpay/return",
		IdempotencyKey: "idem-" + ref,
	}
}

// refundRequest is a partial refund of QAR 25.00 of payment id.
func refundRequest(id, ref string) qpay.RefundRequest {
	return qpay.RefundRequest{PaymentID: id, Amount: money.MustParse("25.00", qpay.Currency), Reference: ref}
}

// capturedPayment creates a payment without faults and has the shopper pay
// it, for the operations that need an existing one.
func capturedPayment(t *testing.T, sim *qpaytest.Server, p qpay.Provider, ref string) *qpay.Payment {
	t.Helper()
	pay, err := p.CreatePayment(context.Background(), paymentRequest(ref))
	require.NoError(t, err)
	require.NoError(t, sim.Settle(pay.ID, status.Captured))
	return pay
}

// logSink collects the lines of every logger a test hands out, in both of
// slog's built-in formats, for the secrets check.
type logSink struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	line int
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.line++
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// lines counts the records written so far.
func (s *logSink) lines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.line
}

// logger returns a logger that writes every record twice into the sink,
// once as JSON and once as text, at debug level, so a secret leaking
// through either handler's way of rendering a value is caught.
func (s *logSink) logger(name string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	return slog.New(fanout{slog.NewJSONHandler(s, opts), slog.NewTextHandler(s, opts)}).With("source", name)
}

// fanout is an slog.Handler that hands every record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// printedForms are the ways a value ends up in a log or a message.
func printedForms(v any) []string {
	return []string{fmt.Sprint(v), fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v), fmt.Sprintf("%q", v)}
}
