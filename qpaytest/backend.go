package qpaytest

import (
	"net/http"
	"testing"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/status"
)

// Backend is a Server seen as one provider's side of a test scenario. Its
// methods have the shape of the adapters' conformance suite
// (providers/internal/conformance.Backend), so the suite runs against the
// simulator over real HTTP with
//
//	conformance.Run(t, func(t *testing.T) conformance.Backend {
//		return qpaytest.NewBackend(t, qpaytest.ProviderTap)
//	})
//
// and a merchant's own scenario tests can use it the same way. Every method
// fails the test on a simulator error.
type Backend struct {
	s        *Server
	provider string
}

// NewBackend starts a Server for provider (ProviderTap, ProviderCheckout
// or ProviderMPGS) and closes it when the test ends.
func NewBackend(t *testing.T, provider string) *Backend {
	t.Helper()
	if provider != ProviderTap && provider != ProviderCheckout && provider != ProviderMPGS {
		t.Fatalf("qpaytest: unknown provider %q", provider)
	}
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatalf("qpaytest: %v", err)
	}
	t.Cleanup(s.Close)
	return &Backend{s: s, provider: provider}
}

// Server is the simulator behind the Backend.
func (b *Backend) Server() *Server { return b.s }

// Provider returns the real adapter talking to the simulator.
func (b *Backend) Provider(t *testing.T) qpay.Provider {
	t.Helper()
	switch b.provider {
	case ProviderTap:
		return NewTap(t, b.s)
	case ProviderMPGS:
		return NewMPGS(t, b.s)
	}
	return NewCheckout(t, b.s)
}

// Settle plays the shopper (see Server.Settle).
func (b *Backend) Settle(t *testing.T, id string, to status.Status) {
	t.Helper()
	if err := b.s.Settle(id, to); err != nil {
		t.Fatalf("qpaytest: settle %s as %s: %v", id, to, err)
	}
}

// PaymentWebhook returns the signed delivery of the payment's current state.
func (b *Backend) PaymentWebhook(t *testing.T, id string) (http.Header, []byte) {
	t.Helper()
	return b.webhook(t, id)
}

// RefundWebhook returns the signed delivery of the refund's current state;
// without Options.RefundDelay a refund has succeeded by the time Refund
// returns.
func (b *Backend) RefundWebhook(t *testing.T, r *qpay.Refund) (http.Header, []byte) {
	t.Helper()
	return b.webhook(t, r.ID)
}

func (b *Backend) webhook(t *testing.T, id string) (http.Header, []byte) {
	t.Helper()
	h, body, err := b.s.Webhook(id)
	if err != nil {
		t.Fatalf("qpaytest: webhook of %s: %v", id, err)
	}
	return h, body
}

// SignatureHeader names the header that carries the webhook signature
// (for the Mastercard Gateway, the notification secret itself).
func (b *Backend) SignatureHeader() string {
	switch b.provider {
	case ProviderTap:
		return tap.SignatureHeader
	case ProviderMPGS:
		return mpgs.SecretHeader
	}
	return checkout.SignatureHeader
}

// FailNext answers the next request of op with code and the provider's
// documented error body for it.
func (b *Backend) FailNext(t *testing.T, op string, code int) {
	t.Helper()
	if err := b.s.Inject(Fault{Provider: b.provider, Op: op, Status: code}); err != nil {
		t.Fatalf("qpaytest: %v", err)
	}
}

// MisreportNext makes the next answer to op contradict its request.
func (b *Backend) MisreportNext(t *testing.T, op string) {
	t.Helper()
	if err := b.s.Inject(Fault{Provider: b.provider, Op: op, Misreport: true}); err != nil {
		t.Fatalf("qpaytest: %v", err)
	}
}

// Requests counts the requests received for op.
func (b *Backend) Requests(op string) int { return b.s.Requests(b.provider, op) }
