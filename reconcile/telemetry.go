package reconcile

import (
	"context"

	"github.com/qpay-go/qpay/internal/telemetry"
	"github.com/qpay-go/qpay/store"
)

// The Reconciler's side of the OpenTelemetry instrumentation: a span per
// round (qpay.reconcile.RunOnce) and per item (qpay.reconcile.Item, whose
// read-back is a child span qpay.GetPayment or qpay.GetRefund when the
// Provider records telemetry), and the qpay.reconcile.items counter by
// action. Off, every call is a nil check.

func (r *Reconciler) startRound(ctx context.Context) (context.Context, *telemetry.Span) {
	return r.tel.Span(ctx, "qpay.reconcile.RunOnce", telemetry.KeyOperation.String(OpReconcile))
}

func roundAttrs(s Stats) []telemetry.KeyValue {
	return []telemetry.KeyValue{telemetry.KeyCount.Int(s.Leased)}
}

func (r *Reconciler) startItem(ctx context.Context, d store.Due) (context.Context, *telemetry.Span) {
	if r.tel == nil {
		return ctx, nil
	}
	return r.tel.Span(ctx, "qpay.reconcile.Item",
		telemetry.KeyProvider.String(d.Provider), telemetry.KeyAccount.String(d.Account),
		telemetry.KeyEventType.String(d.Type.String()), telemetry.KeyOperation.String(OpReconcile))
}

// endItem records what handle did with d; o.err, which may quote a
// provider, is recorded by its kind only.
func (r *Reconciler) endItem(ctx context.Context, span *telemetry.Span, d store.Due, o outcome) {
	if r.tel == nil {
		return
	}
	span.End(o.err, telemetry.KeyAction.String(o.action))
	r.tel.Reconciled(ctx, d.Provider, o.action)
}
