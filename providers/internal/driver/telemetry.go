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

// Span names of the portable calls.
const (
	spanCreatePayment       = "qpay.CreatePayment"
	spanGetPayment          = "qpay.GetPayment"
	spanRefund              = "qpay.Refund"
	spanParseWebhook        = "qpay.ParseWebhook"
	spanGetRefund           = "qpay.GetRefund"
	spanPaymentsByReference = "qpay.PaymentsByReference"
)

// Outcomes of a refund call that succeeded.
const (
	refundCreated  = "created"
	refundExisting = "existing"
)

// inner is what instrument observes: the portable Provider (an interface
// so that the capability cases can be tested on their own).
type inner interface {
	qpay.Provider
	qpay.ReturnReader
	String() string
}

// instrument returns p itself when t is off, else p observed; the observed
// Provider has the optional capabilities p has, and no others.
func instrument(p inner, account string, t qpay.Telemetry) qpay.Provider {
	in := telemetry.New(t)
	if in == nil {
		return p
	}
	o := &observed{p: p, in: in, name: p.Name(), account: account}
	rg, hasRG := p.(qpay.RefundGetter)
	pf, hasPF := p.(qpay.PaymentFinder)
	switch {
	case hasRG && hasPF:
		return &observedBoth{o, rg, pf}
	case hasRG:
		return &observedRefunds{o, rg}
	case hasPF:
		return &observedFinder{o, pf}
	}
	return o
}

// unobserve returns the portable Provider inside an observed one, else p.
func unobserve(p qpay.Provider) qpay.Provider {
	switch o := p.(type) {
	case *observed:
		return o.p
	case *observedRefunds:
		return o.p
	case *observedFinder:
		return o.p
	case *observedBoth:
		return o.p
	}
	return p
}

type observed struct {
	p       inner
	in      *telemetry.Instruments
	name    string
	account string
}

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
	return r, err
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

// ReturnID implements qpay.ReturnReader; it makes no call, so no span.
func (o *observed) ReturnID(query url.Values) (string, error) { return o.p.ReturnID(query) }

func (o *observed) getRefund(ctx context.Context, rg qpay.RefundGetter, paymentID, refundID string) (*qpay.Refund, error) {
	ctx, c := o.start(ctx, spanGetRefund, qpay.OpGetRefund)
	r, err := rg.GetRefund(ctx, paymentID, refundID)
	c.End(err)
	return r, err
}

func (o *observed) paymentsByReference(ctx context.Context, pf qpay.PaymentFinder, reference string) ([]*qpay.Payment, error) {
	ctx, c := o.start(ctx, spanPaymentsByReference, qpay.OpFindPayments)
	ps, err := pf.PaymentsByReference(ctx, reference)
	c.End(err)
	return ps, err
}

// The observed Provider with one or both optional capabilities.
type (
	observedRefunds struct {
		*observed
		rg qpay.RefundGetter
	}
	observedFinder struct {
		*observed
		pf qpay.PaymentFinder
	}
	observedBoth struct {
		*observed
		rg qpay.RefundGetter
		pf qpay.PaymentFinder
	}
)

func (o *observedRefunds) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	return o.getRefund(ctx, o.rg, paymentID, refundID)
}

func (o *observedFinder) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	return o.paymentsByReference(ctx, o.pf, reference)
}

func (o *observedBoth) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	return o.getRefund(ctx, o.rg, paymentID, refundID)
}

func (o *observedBoth) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	return o.paymentsByReference(ctx, o.pf, reference)
}
