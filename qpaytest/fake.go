package qpaytest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// fakeBase is the base URL of a Fake's simulator. Nothing resolves it: a
// Fake's requests never leave the process.
const fakeBase = "http://qpaytest.invalid"

// Fake is an in-memory qpay.Provider for unit tests of merchant code. It
// opens no socket: the real adapter (so real validation, integrity checks
// and errors) talks to a simulator through an http.Client whose transport
// calls the simulator's handler in-process.
//
// A Fake's webhooks are built, never delivered: get the signed delivery of
// a payment's or refund's current state with Webhook and hand it to the
// code under test. Fake is safe for concurrent use.
type Fake struct {
	srv *Server
	p   qpay.Provider

	mu   sync.Mutex
	fail map[string][]error
}

var (
	_ qpay.Provider     = (*Fake)(nil)
	_ qpay.RefundGetter = (*Fake)(nil)
)

// NewFake returns a Fake of provider ProviderTap or ProviderCheckout.
func NewFake(provider string) (*Fake, error) {
	s, err := newServer(Options{}, sim.Options{InProcess: true, Base: fakeBase})
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: s.core.Transport()}
	var p qpay.Provider
	switch provider {
	case ProviderTap:
		cfg := TapConfig(s)
		cfg.HTTP.Client = client
		p, err = tap.New(cfg)
	case ProviderCheckout:
		cfg := CheckoutConfig(s)
		cfg.HTTP.Client = client
		p, err = checkout.New(cfg)
	default:
		err = fmt.Errorf("qpaytest: unknown provider %q, want %q or %q", provider, ProviderTap, ProviderCheckout)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return &Fake{srv: s, p: p, fail: map[string][]error{}}, nil
}

// Name is the provider's name, "tap" or "checkout".
func (f *Fake) Name() string { return f.p.Name() }

// String names the Fake without any configuration.
func (f *Fake) String() string { return "qpaytest.Fake(" + f.p.Name() + ")" }

// CreatePayment creates a pending payment, as the real adapter does.
func (f *Fake) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	if err := f.next(qpay.OpCreatePayment); err != nil {
		return nil, err
	}
	return f.p.CreatePayment(ctx, req)
}

// GetPayment reads a payment back.
func (f *Fake) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	if err := f.next(qpay.OpGetPayment); err != nil {
		return nil, err
	}
	return f.p.GetPayment(ctx, id)
}

// Refund refunds a captured payment. The refund completes at once: the
// Refund returned is pending, and GetPayment and Webhook report it done.
func (f *Fake) Refund(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	if err := f.next(qpay.OpRefund); err != nil {
		return nil, err
	}
	return f.p.Refund(ctx, req)
}

// GetRefund reads a refund back (qpay.RefundGetter), as the real adapter
// does.
func (f *Fake) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	if err := f.next(qpay.OpGetRefund); err != nil {
		return nil, err
	}
	return f.p.(qpay.RefundGetter).GetRefund(ctx, paymentID, refundID)
}

// ParseWebhook verifies and decodes a webhook, as the real adapter does
// (for Tap, reading the charge or refund back from the simulator, since
// Tap signs seven fields only); Webhook builds ones it accepts.
func (f *Fake) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	if err := f.next(qpay.OpParseWebhook); err != nil {
		return nil, err
	}
	return f.p.ParseWebhook(ctx, header, body)
}

// Settle finishes a pending payment as the shopper would: to is
// status.Captured, status.Failed, status.Canceled or status.Expired (see
// Server.Settle).
func (f *Fake) Settle(ctx context.Context, id string, to status.Status) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.srv.Settle(id, to)
}

// FailNext makes the next call of op (qpay.OpCreatePayment, OpGetPayment,
// OpRefund, OpGetRefund or OpParseWebhook) return err without reaching the
// simulator. Calls queue: two FailNext for one op fail its next two calls.
func (f *Fake) FailNext(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = append(f.fail[op], err)
}

func (f *Fake) next(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.fail[op]
	if len(q) == 0 {
		return nil
	}
	f.fail[op] = q[1:]
	return q[0]
}

// Webhook returns the signed webhook (headers and body) that reports the
// current state of payment or refund id, as the provider would deliver it
// (see Server.Webhook).
func (f *Fake) Webhook(id string) (http.Header, []byte, error) { return f.srv.Webhook(id) }

// ReturnID implements qpay.ReturnReader, as the real adapter does.
func (f *Fake) ReturnID(query url.Values) (string, error) {
	return f.p.(qpay.ReturnReader).ReturnID(query)
}

// Server is the simulator behind the Fake, for its other controls
// (Lookup, ForceDecline, Inject, Requests...). Its webhooks are not sent
// and it has no network address.
func (f *Fake) Server() *Server { return f.srv }

// Close releases the Fake.
func (f *Fake) Close() { f.srv.Close() }
