package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// HTTP records the attempts of one transport client, talking to one
// provider. A nil *HTTP records nothing.
type HTTP struct {
	in       *Instruments
	provider attribute.KeyValue
}

// HTTP returns the attempt recorder for provider, or nil on a nil receiver.
func (in *Instruments) HTTP(provider string) *HTTP {
	if in == nil {
		return nil
	}
	return &HTTP{in: in, provider: KeyProvider.String(provider)}
}

// httpCall is one logical HTTP call (one transport.Do) and the attempt
// span it has open.
type httpCall struct {
	op, method attribute.KeyValue
	account    attribute.KeyValue
	span       trace.Span // the open attempt's, or nil
}

type httpKey struct{}

// Begin marks the start of one logical HTTP call (all its attempts) in
// ctx. On a nil receiver it returns ctx.
func (h *HTTP) Begin(ctx context.Context, op, method string) context.Context {
	if h == nil {
		return ctx
	}
	hc := &httpCall{op: KeyOperation.String(op), method: KeyMethod.String(method), account: KeyAccount.String(Account(ctx))}
	return context.WithValue(ctx, httpKey{}, hc)
}

// AttemptStart opens the span of attempt n (1 for the first), a child of
// the span in ctx: the portable call's, so that every attempt of a call,
// retries included, hangs under the same parent.
func (h *HTTP) AttemptStart(ctx context.Context, n int) {
	if h == nil {
		return
	}
	hc, ok := ctx.Value(httpKey{}).(*httpCall)
	if !ok {
		return
	}
	if hc.span != nil { // an attempt whose end was never reported
		hc.span.End()
	}
	attrs := []attribute.KeyValue{h.provider, hc.op, hc.account, hc.method, KeyAttempt.Int(n)}
	if n > 1 {
		attrs = append(attrs, KeyResend.Int(n-1))
	}
	_, hc.span = h.in.tracer.Start(ctx, "qpay.http.attempt", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// AttemptEnd records attempt n's answer (status 0 when none came), the
// error kind ("" for a 2xx), and whether a retry follows after wait.
func (h *HTTP) AttemptEnd(ctx context.Context, n, status int, kind string, retry bool, wait time.Duration) {
	if h == nil {
		return
	}
	hc, ok := ctx.Value(httpKey{}).(*httpCall)
	if !ok {
		return
	}
	h.in.attempts.Add(ctx, 1, metric.WithAttributes(h.provider, hc.op, KeyStatus.Int(status)))
	if retry {
		h.in.retries.Add(ctx, 1, metric.WithAttributes(h.provider, hc.op, KeyErrorType.String(kind)))
		h.in.retryWait.Record(ctx, wait.Milliseconds(), metric.WithAttributes(h.provider, hc.op))
	}
	if hc.span == nil {
		return
	}
	s := hc.span
	hc.span = nil
	s.SetAttributes(KeyRetry.Bool(retry))
	if status != 0 {
		s.SetAttributes(KeyStatus.Int(status))
	}
	if retry {
		s.SetAttributes(KeyRetryWait.Int64(wait.Milliseconds()))
	}
	if kind != "" {
		s.SetAttributes(KeyErrorType.String(kind))
		s.SetStatus(codes.Error, kind)
	}
	s.End()
}

// Reconciled notes on the call's span that a retry was replaced by reading
// back what exists (done: it was found, nothing resent).
func (h *HTTP) Reconciled(ctx context.Context, done bool, err error) {
	if h == nil {
		return
	}
	attrs := []attribute.KeyValue{KeyReconciled.Bool(done)}
	if err != nil {
		attrs = append(attrs, KeyErrorType.String(Kind(err)))
	}
	trace.SpanFromContext(ctx).AddEvent("qpay.reconcile", trace.WithAttributes(attrs...))
}

// Finish ends an attempt span left open (a call that stopped between the
// start of an attempt and its report).
func (h *HTTP) Finish(ctx context.Context) {
	if h == nil {
		return
	}
	if hc, ok := ctx.Value(httpKey{}).(*httpCall); ok && hc.span != nil {
		hc.span.End()
		hc.span = nil
	}
}
