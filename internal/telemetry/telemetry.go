// Package telemetry is qpay's OpenTelemetry instrumentation, in one place:
// the spans of portable calls and HTTP attempts, and the metrics of calls,
// attempts, retries, refunds and webhooks (see qpay.Telemetry for the list).
//
// Everything hangs off an *Instruments, built once per Provider, transport
// client or store from the caller's qpay.Telemetry. A nil *Instruments is
// the "off" state: every method is a nil check and returns, so the callers
// need no branches and pay nothing when telemetry is not configured.
//
// Only names, counters, durations, statuses and error kinds are recorded;
// never a key, a header value, a body or an error message.
package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/qpay-go/qpay"
)

// ScopeName is the instrumentation scope of every tracer and meter.
const ScopeName = "github.com/qpay-go/qpay"

// The attribute keys. OpenTelemetry's semantic conventions are used where
// they have a name (http.*, error.type); the rest are qpay's.
const (
	KeyProvider  = attribute.Key("qpay.provider")
	KeyOperation = attribute.Key("qpay.operation")
	KeyAccount   = attribute.Key("qpay.account")
	KeyOutcome   = attribute.Key("qpay.outcome")
	KeyAttempt   = attribute.Key("qpay.attempt")
	KeyRetry     = attribute.Key("qpay.retry")
	KeyRetryWait = attribute.Key("qpay.retry.wait_ms")
	KeyErrorType = attribute.Key("error.type")
	KeyMethod    = attribute.Key("http.request.method")
	KeyStatus    = attribute.Key("http.response.status_code")
	KeyResend    = attribute.Key("http.request.resend_count")
	KeyEventType = attribute.Key("qpay.webhook.event_type")
	// KeyVerification is a webhook's verification outcome.
	KeyVerification = attribute.Key("qpay.webhook.verification")
	// KeyRefundOutcome is a refund call's outcome.
	KeyRefundOutcome = attribute.Key("qpay.refund.outcome")
	// KeyCount is how many items a call returned (a reconciler's lease).
	KeyCount = attribute.Key("qpay.count")
	// KeyLeaseKept is whether a released lease was still the caller's.
	KeyLeaseKept = attribute.Key("qpay.lease.kept")
	// KeyAction is what a reconciler did with an item.
	KeyAction = attribute.Key("qpay.reconcile.action")
	// KeyEventOutcome is what a store did with a webhook event.
	KeyEventOutcome = attribute.Key("qpay.webhook.outcome")
	KeyReconciled   = attribute.Key("qpay.reconciled")
)

// KeyValue is attribute.KeyValue, so that callers need not import the
// attribute package for a list of them.
type KeyValue = attribute.KeyValue

// OutcomeOK is the outcome of a call that succeeded.
const OutcomeOK = "ok"

// Instruments are the tracer and the metric instruments of one component.
type Instruments struct {
	tracer trace.Tracer

	callDuration  metric.Int64Histogram
	attempts      metric.Int64Counter
	retries       metric.Int64Counter
	retryWait     metric.Int64Histogram
	refunds       metric.Int64Counter
	verifications metric.Int64Counter
	events        metric.Int64Counter
	reconciled    metric.Int64Counter
}

// New returns the instruments for t, or nil when t sends nothing. An
// instrument the MeterProvider refuses to create is replaced by a no-op
// one: telemetry must never stop a payment.
func New(t qpay.Telemetry) *Instruments {
	if !t.Enabled() {
		return nil
	}
	tp, mp := t.TracerProvider, t.MeterProvider
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	m := mp.Meter(ScopeName)
	noop := metricnoop.Meter{}
	// Integer histograms: the module has no floating point anywhere (a
	// test in package money enforces it), so durations are whole
	// microseconds and waits whole milliseconds, and the bucket bounds
	// are written as integers.
	hist := func(name, desc, unit string, bounds metric.HistogramOption) metric.Int64Histogram {
		h, err := m.Int64Histogram(name, metric.WithDescription(desc), metric.WithUnit(unit), bounds)
		if err != nil {
			h, _ = noop.Int64Histogram(name)
		}
		return h
	}
	counter := func(name, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("{"+unitOf(name)+"}"))
		if err != nil {
			c, _ = noop.Int64Counter(name)
		}
		return c
	}
	// A webhook parses in tens of microseconds, a call takes tens of
	// milliseconds to a minute (a call's default bound); retry waits
	// run from a few milliseconds to Retry-After's 30s cap.
	callBounds := metric.WithExplicitBucketBoundaries(100, 1000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000,
		500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000)
	waitBounds := metric.WithExplicitBucketBoundaries(10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000)
	return &Instruments{
		tracer:        tp.Tracer(ScopeName),
		callDuration:  hist("qpay.call.duration", "Duration of a portable qpay call, retries and waits included.", "us", callBounds),
		attempts:      counter("qpay.http.attempts", "HTTP attempts sent to a provider."),
		retries:       counter("qpay.http.retries", "HTTP attempts followed by a retry."),
		retryWait:     hist("qpay.http.retry.wait", "Wait before a retried HTTP attempt.", "ms", waitBounds),
		refunds:       counter("qpay.refunds", "Refund calls by outcome."),
		verifications: counter("qpay.webhook.verifications", "Webhook deliveries by verification outcome."),
		events:        counter("qpay.webhook.events", "Verified webhook events by what a store did with them."),
		reconciled:    counter("qpay.reconcile.items", "Payments and refunds a reconciler read back, by what it did."),
	}
}

func unitOf(name string) string {
	switch name {
	case "qpay.http.attempts", "qpay.http.retries":
		return "attempt"
	case "qpay.refunds":
		return "refund"
	case "qpay.webhook.verifications":
		return "delivery"
	case "qpay.reconcile.items":
		return "item"
	}
	return "event"
}

// Kind is the error kind of err as recorded: "" for nil, the *qpay.Error's
// Kind, "canceled" for a context error, else "unknown".
func Kind(err error) string {
	if err == nil {
		return ""
	}
	var e *qpay.Error
	switch {
	case errors.As(err, &e):
		return e.Kind.String()
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return qpay.KindCanceled.String()
	}
	return qpay.KindUnknown.String()
}

// Outcome is OutcomeOK for nil, else Kind(err).
func Outcome(err error) string {
	if err == nil {
		return OutcomeOK
	}
	return Kind(err)
}

// callKey carries the current *Call in a context, so that the HTTP attempts
// below it know the account they work for.
type callKey struct{}

// Call is one portable call being recorded.
type Call struct {
	in    *Instruments
	span  trace.Span
	start time.Time
	base  [3]attribute.KeyValue // provider, operation, account
}

// StartCall starts the span of a portable call named name ("qpay.Refund").
// On a nil receiver it returns ctx and a nil *Call, whose methods do
// nothing.
func (in *Instruments) StartCall(ctx context.Context, name, provider, op, account string) (context.Context, *Call) {
	if in == nil {
		return ctx, nil
	}
	c := &Call{in: in, start: time.Now(), base: [3]attribute.KeyValue{
		KeyProvider.String(provider), KeyOperation.String(op), KeyAccount.String(account),
	}}
	ctx, c.span = in.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(c.base[:]...))
	return context.WithValue(ctx, callKey{}, c), c
}

// Account returns the account of the call ctx is part of, or "".
func Account(ctx context.Context) string {
	if c, ok := ctx.Value(callKey{}).(*Call); ok {
		return c.base[2].Value.AsString()
	}
	return ""
}

// SetAttributes adds attributes to the call's span.
func (c *Call) SetAttributes(kv ...attribute.KeyValue) {
	if c != nil {
		c.span.SetAttributes(kv...)
	}
}

// End records the call's outcome and duration and ends its span.
func (c *Call) End(err error) {
	if c == nil {
		return
	}
	outcome := Outcome(err)
	c.span.SetAttributes(KeyOutcome.String(outcome))
	if err != nil {
		c.span.SetAttributes(KeyErrorType.String(outcome))
		// The kind, not the message: a message may quote the provider's body.
		c.span.SetStatus(codes.Error, outcome)
	}
	c.span.End()
	c.in.callDuration.Record(context.Background(), time.Since(c.start).Microseconds(),
		metric.WithAttributes(c.base[0], c.base[1], KeyOutcome.String(outcome)))
}

// Refund counts a refund call's outcome: "created", "existing", or the
// error kind.
func (in *Instruments) Refund(ctx context.Context, provider, outcome string) {
	if in == nil {
		return
	}
	in.refunds.Add(ctx, 1, metric.WithAttributes(KeyProvider.String(provider), KeyOutcome.String(outcome)))
}

// Verification counts a webhook delivery's verification outcome.
func (in *Instruments) Verification(ctx context.Context, provider, outcome string) {
	if in == nil {
		return
	}
	in.verifications.Add(ctx, 1, metric.WithAttributes(KeyProvider.String(provider), KeyOutcome.String(outcome)))
}

// Reconciled counts what a reconciler did with one item: applied,
// unchanged, failed or skipped.
func (in *Instruments) Reconciled(ctx context.Context, provider, action string) {
	if in == nil {
		return
	}
	in.reconciled.Add(ctx, 1, metric.WithAttributes(KeyProvider.String(provider), KeyAction.String(action)))
}

// Event counts what a store did with a verified webhook event.
func (in *Instruments) Event(ctx context.Context, provider, outcome string) {
	if in == nil {
		return
	}
	in.events.Add(ctx, 1, metric.WithAttributes(KeyProvider.String(provider), KeyOutcome.String(outcome)))
}

// Span starts a plain span (store operations) with attrs. On a nil
// receiver it returns ctx and a nil *Call.
func (in *Instruments) Span(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, *Span) {
	if in == nil {
		return ctx, nil
	}
	ctx, s := in.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return ctx, &Span{span: s}
}

// Span is a plain span being recorded.
type Span struct{ span trace.Span }

// End sets the span's outcome from err and ends it, with extra attributes.
func (s *Span) End(err error, attrs ...attribute.KeyValue) {
	if s == nil {
		return
	}
	outcome := Outcome(err)
	s.span.SetAttributes(attrs...)
	s.span.SetAttributes(KeyOutcome.String(outcome))
	if err != nil {
		s.span.SetAttributes(KeyErrorType.String(outcome))
		s.span.SetStatus(codes.Error, outcome)
	}
	s.span.End()
}
