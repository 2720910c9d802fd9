package qpay

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Provider is one payment provider account (one merchant's keys at Tap or at
// Checkout.com) seen through qpay's portable types. Implementations are safe
// for concurrent use. Build one with providers.Open, or with qpaytest.NewFake
// in tests.
type Provider interface {
	// Name is the provider's short name: "tap", "checkout" or "mpgs".
	Name() string

	// CreatePayment asks the provider for a QPay payment and returns it with
	// the RedirectURL the shopper must be sent to, as a full-page redirect.
	// The request is validated before any network call. Retries reuse one
	// idempotency key, so a retried call never creates a second payment.
	CreatePayment(ctx context.Context, req PaymentRequest) (*Payment, error)

	// GetPayment reads a payment back from the provider. It is the source of
	// truth: use it after the shopper returns and whenever a webhook is in
	// doubt.
	GetPayment(ctx context.Context, id string) (*Payment, error)

	// Refund gives back all or part of a captured payment. The amount is
	// checked against what is still refundable before any request, and an
	// ambiguous failure is never resent blindly, so a refund is made at most
	// once per call.
	Refund(ctx context.Context, req RefundRequest) (*Refund, error)

	// ParseWebhook verifies the signature of a webhook delivery and only
	// then decodes it. A missing or wrong signature is an *Error of kind
	// KindInvalidSignature; there is no unverified path.
	ParseWebhook(ctx context.Context, header http.Header, body []byte) (*WebhookEvent, error)
}

// Mode says whether a provider account moves real money. It decides how
// strictly requests are validated: in TestMode a return URL may be plain
// http (a developer's laptop or the offline simulator); in LiveMode it must be
// https.
type Mode uint8

const (
	// LiveMode is the zero value so that a forgotten setting is the strict one.
	LiveMode Mode = iota
	// TestMode is a sandbox account or the offline simulator.
	TestMode
)

// String returns "live" or "test".
func (m Mode) String() string {
	if m == TestMode {
		return "test"
	}
	return "live"
}

// HTTPOptions tunes how an adapter talks to its provider. Zero fields take
// the defaults in brackets.
type HTTPOptions struct {
	// Client supplies the Transport (connection pool, proxy, TLS); nil means
	// a pooled client of qpay's own. Redirects are not followed either way.
	Client *http.Client
	// Logger gets one line per HTTP attempt (operation, status, attempt,
	// wait), never a key, a header or a body. Nil means no logging.
	Logger *slog.Logger
	// AttemptTimeout bounds one HTTP attempt, reading the body included [20s].
	AttemptTimeout time.Duration
	// CallTimeout bounds a whole call, retries and waits included [60s].
	CallTimeout time.Duration
	// MaxAttempts is the number of tries per call; 1 disables retries [4].
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the jittered exponential wait between
	// attempts [200ms, 5s].
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps how long a provider's Retry-After is obeyed [30s].
	MaxRetryAfter time.Duration
	// Telemetry sends spans and metrics of every call and HTTP attempt to
	// the caller's OpenTelemetry providers; the zero value sends none.
	Telemetry Telemetry
}
