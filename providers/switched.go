package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/qpay-go/qpay"
)

// switched is the Provider of a merchant that holds older configurations
// beside its current one (see Registry): new payments go to the current
// configuration, and what concerns an existing payment goes to the
// configuration that made it.
type switched struct {
	all []qpay.Provider // the current configuration first, then the older ones, newest first
	// webhooks verify webhooks: the current configuration, then the older
	// ones whose webhook keys end with their window (Registry).
	webhooks []qpay.Provider
}

var (
	_ qpay.Provider       = (*switched)(nil)
	_ qpay.ReturnReader   = (*switched)(nil)
	_ qpay.RefundGetter   = (*switched)(nil)
	_ qpay.PaymentFinder  = (*switched)(nil)
	_ qpay.PaymentIDOwner = (*switched)(nil)
)

func (s *switched) current() qpay.Provider { return s.all[0] }

// Name is the current configuration's provider.
func (s *switched) Name() string { return s.current().Name() }

// String names the providers only, never a configuration.
func (s *switched) String() string {
	names := make([]string, len(s.all))
	for i, p := range s.all {
		names[i] = p.Name()
	}
	return fmt.Sprintf("qpay.Provider(%s, keeping %v)", names[0], names[1:])
}

// CreatePayment uses the current configuration only.
func (s *switched) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	return s.current().CreatePayment(ctx, req)
}

// GetPayment asks the configurations that may have made id.
func (s *switched) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	return route(s.owners(id), func(p qpay.Provider) (*qpay.Payment, error) { return p.GetPayment(ctx, id) })
}

// Refund goes to the configuration that made the payment. Trying the next
// one after KindNotFound is safe: a refund is only sent once the payment
// was read back from the provider, so a payment another account holds is
// found missing before any refund is asked for.
func (s *switched) Refund(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	return route(s.owners(req.PaymentID), func(p qpay.Provider) (*qpay.Refund, error) { return p.Refund(ctx, req) })
}

// GetRefund implements qpay.RefundGetter, by the refund's payment.
func (s *switched) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	getters := implementing[qpay.RefundGetter](s.owners(paymentID))
	if len(getters) == 0 {
		return nil, s.unsupported(qpay.OpGetRefund, "reading a refund back")
	}
	return route(getters, func(g qpay.RefundGetter) (*qpay.Refund, error) {
		return g.GetRefund(ctx, paymentID, refundID)
	})
}

// PaymentsByReference implements qpay.PaymentFinder: the payments of every
// configuration that can list them, newest first. A failure of any one is
// the answer, since a list that misses a payment would invite a second one.
func (s *switched) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	finders := implementing[qpay.PaymentFinder](s.all)
	var out []*qpay.Payment
	for _, f := range finders {
		ps, err := f.PaymentsByReference(ctx, reference)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	if len(finders) == 0 {
		return nil, s.unsupported(qpay.OpFindPayments, "listing payments by reference")
	}
	slices.SortStableFunc(out, func(a, b *qpay.Payment) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if out == nil {
		out = []*qpay.Payment{}
	}
	return out, nil
}

// ParseWebhook verifies with the current configuration and, when the
// signature does not verify there, with each older one that may still
// verify: a webhook of a payment made before the switch verifies with the
// key that payment was made with, within the older configuration's window,
// whose keyring then says SignedByPrevious. Any other failure (a verified
// but malformed body) is the answer. The current configuration's error is
// returned when none verifies.
func (s *switched) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	var first error
	for _, p := range s.webhooks {
		ev, err := p.ParseWebhook(ctx, header, body)
		if err == nil || !errors.Is(err, qpay.KindInvalidSignature) {
			return ev, err
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// ReturnID implements qpay.ReturnReader: the first configuration that
// recognises the return, the current one first.
func (s *switched) ReturnID(query url.Values) (string, error) {
	var first error
	for _, rr := range implementing[qpay.ReturnReader](s.all) {
		id, err := rr.ReturnID(query)
		if err == nil {
			return id, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = s.unsupported(qpay.OpGetPayment, "reading the shopper's return")
	}
	return "", first
}

// OwnsPaymentID implements qpay.PaymentIDOwner.
func (s *switched) OwnsPaymentID(id string) bool {
	for _, p := range s.all {
		if o, ok := p.(qpay.PaymentIDOwner); !ok || o.OwnsPaymentID(id) {
			return true
		}
	}
	return false
}

// owners returns the configurations that may have made payment id, the
// current one first: those whose provider makes IDs of its shape, and
// those that cannot tell. When none claims it, the current configuration
// answers, as it would without older ones.
func (s *switched) owners(id string) []qpay.Provider {
	var out []qpay.Provider
	for _, p := range s.all {
		if o, ok := p.(qpay.PaymentIDOwner); !ok || o.OwnsPaymentID(id) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return s.all[:1]
	}
	return out
}

func (s *switched) unsupported(op, what string) error {
	return &qpay.Error{Provider: s.Name(), Op: op, Kind: qpay.KindUnsupported,
		Message: "no configuration of this merchant supports " + what}
}

// implementing returns those of ps that implement I, in order.
func implementing[I any](ps []qpay.Provider) []I {
	var out []I
	for _, p := range ps {
		if x, ok := p.(I); ok {
			out = append(out, x)
		}
	}
	return out
}

// route calls fn with each provider in turn until one answers other than
// KindNotFound, and returns that answer, or the first provider's when all
// of them answer KindNotFound.
func route[P, T any](ps []P, fn func(P) (T, error)) (T, error) {
	var (
		zero  T
		first error
	)
	for _, p := range ps {
		v, err := fn(p)
		if err == nil || !errors.Is(err, qpay.KindNotFound) {
			return v, err
		}
		if first == nil {
			first = err
		}
	}
	return zero, first
}
