package driver

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/telemetry"
)

// The portable layer's side of the OpenTelemetry instrumentation: a
// Provider around the portable one that records a span and the call
// metrics of every call. Wrap returns it only when Options.Telemetry is
// set, so a Provider without telemetry is exactly the portable one and
// pays nothing.
//
// observed has every exported method of portable, so that it implements
// exactly the optional capabilities the portable Provider does (a test
// compares the two method sets): a capability lost here would silently
// change what callers find by type assertion, such as providers.Registry's
// routing by PaymentIDOwner.

// Span names of the portable calls.
const (
	spanCreatePayment       = "qpay.CreatePayment"
	spanGetPayment          = "qpay.GetPayment"
	spanRefund              = "qpay.Refund"
	spanRefundRemaining     = "qpay.RefundRemaining"
	spanParseWebhook        = "qpay.ParseWebhook"
	spanGetRefund           = "qpay.GetRefund"
	spanPaymentsByReference = "qpay.PaymentsByReference"
	spanPaymentWithRefunds  = "qpay.PaymentWithRefunds"
)

// Outcomes of a refund call that succeeded.
const (
	refundCreated  = "created"
	refundExisting = "existing"
)

// instrument returns p itself when t is off, else p observed.
func instrument(p *portable, t qpay.Telemetry) qpay.Provider {
	in := telemetry.New(t)
	if in == nil {
		return p
	}
	return &observed{p: p, in: in, name: p.Name(), account: p.opts.Account}
}

// unobserve returns the portable Provider inside an observed one, else p.
func unobserve(p qpay.Provider) qpay.Provider {
	if o, ok := p.(*observed); ok {
		return o.p
	}
	return p
}

type observed struct {
	p       *portable
	in      *telemetry.Instruments
	name    string
	account string
}

var (
	_ qpay.ReturnReader      = (*observed)(nil)
	_ qpay.RefundGetter      = (*observed)(nil)
	_ qpay.PaymentFinder     = (*observed)(nil)
	_ qpay.PaymentIDOwner    = (*observed)(nil)
	_ qpay.RefundLister      = (*observed)(nil)
	_ qpay.RemainderRefunder = (*observed)(nil)
)

func (o *observed) Name() string   { return o.p.Name() }
func (o *observed) String() string { return o.p.String() }

func (o *observed) start(ctx context.Context, span, op string) (context.Context, *telemetry.Call) {
	return o.in.StartCall(ctx, span, o.name, op, o.account)
}

func (o *observed) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	ctx, c := o.start(ctx, spanCreatePayment, qpay.OpCreatePayment)
	p, err := o.p.CreatePayment(ctx, req)
	c.End(err)
	return p, err
}

func (o *observed) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	ctx, c := o.start(ctx, spanGetPayment, qpay.OpGetPayment)
	p, err := o.p.GetPayment(ctx, id)
	c.End(err)
	return p, err
}

func (o *observed) Refund(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	ctx, c := o.start(ctx, spanRefund, qpay.OpRefund)
	r, err := o.p.Refund(ctx, req)
	o.endRefund(ctx, c, r, err)
	return r, err
}

func (o *observed) RefundRemaining(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	ctx, c := o.start(ctx, spanRefundRemaining, qpay.OpRefund)
	r, err := o.p.RefundRemaining(ctx, req)
	o.endRefund(ctx, c, r, err)
	return r, err
}

// endRefund records a refund call's outcome: created, existing (found
// under its reference, nothing new made), or the error kind.
func (o *observed) endRefund(ctx context.Context, c *telemetry.Call, r *qpay.Refund, err error) {
	outcome := telemetry.Outcome(err)
	switch {
	case err != nil:
	case r.Existing:
		outcome = refundExisting
	default:
		outcome = refundCreated
	}
	c.SetAttributes(telemetry.KeyRefundOutcome.String(outcome))
	c.End(err)
	o.in.Refund(ctx, o.name, outcome)
}

func (o *observed) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	ctx, c := o.start(ctx, spanParseWebhook, qpay.OpParseWebhook)
	ev, err := o.p.ParseWebhook(ctx, header, body)
	outcome := "verified"
	switch {
	case err == nil:
		c.SetAttributes(telemetry.KeyEventType.String(ev.Type.String()))
	case errors.Is(err, qpay.KindInvalidSignature):
		outcome = qpay.KindInvalidSignature.String()
	default:
		outcome = telemetry.Kind(err)
	}
	c.SetAttributes(telemetry.KeyVerification.String(outcome))
	c.End(err)
	o.in.Verification(ctx, o.name, outcome)
	return ev, err
}

func (o *observed) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	ctx, c := o.start(ctx, spanGetRefund, qpay.OpGetRefund)
	r, err := o.p.GetRefund(ctx, paymentID, refundID)
	c.End(err)
	return r, err
}

func (o *observed) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	ctx, c := o.start(ctx, spanPaymentsByReference, qpay.OpFindPayments)
	ps, err := o.p.PaymentsByReference(ctx, reference)
	c.End(err)
	return ps, err
}

func (o *observed) PaymentWithRefunds(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	ctx, c := o.start(ctx, spanPaymentWithRefunds, qpay.OpGetPayment)
	p, rs, err := o.p.PaymentWithRefunds(ctx, id)
	c.End(err)
	return p, rs, err
}

// ReturnID implements qpay.ReturnReader; it makes no call, so no span.
func (o *observed) ReturnID(query url.Values) (string, error) { return o.p.ReturnID(query) }

// OwnsPaymentID implements qpay.PaymentIDOwner; no call, no span.
func (o *observed) OwnsPaymentID(id string) bool { return o.p.OwnsPaymentID(id) }
