package store

import (
	"context"
	"errors"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/telemetry"
	"github.com/qpay-go/qpay/status"
)

// WithTelemetry returns s recording a span per call (qpay.store.Track,
// qpay.store.Process, qpay.store.Payment, and qpay.store.LeaseDue and
// qpay.store.ReleaseDue when s is a DueStore, which the returned Store then
// is too) and counting, in the
// qpay.webhook.events metric, what Process decided about each event:
// applied, duplicate, stale, illegal, unchanged, integrity, or the kind of
// the error (see qpay.Telemetry). With t's zero value it returns s itself,
// which costs nothing.
//
// The outcome is read from the Result and error Process returns, so it is
// the same for every Store implementation. Wrap the store once and give
// the wrapped one to your webhook handler.
func WithTelemetry(s Store, t qpay.Telemetry) Store {
	in := telemetry.New(t)
	if in == nil {
		return s
	}
	o := &observed{s: s, in: in}
	if ds, ok := s.(DueStore); ok {
		return &observedDue{observed: o, ds: ds}
	}
	return o
}

// observedDue is an observed Store that is also a DueStore, for a
// reconciler.
type observedDue struct {
	*observed
	ds DueStore
}

func (o *observedDue) LeaseDue(ctx context.Context, q DueQuery) ([]Due, error) {
	ctx, sp := o.in.Span(ctx, "qpay.store.LeaseDue", telemetry.KeyOperation.String(OpLeaseDue))
	items, err := o.ds.LeaseDue(ctx, q)
	sp.End(err, telemetry.KeyCount.Int(len(items)))
	return items, err
}

func (o *observedDue) ReleaseDue(ctx context.Context, d Due, owner string, next time.Time) (bool, error) {
	ctx, sp := o.in.Span(ctx, "qpay.store.ReleaseDue", o.attrs(OpReleaseDue, d.Provider, d.Account)...)
	kept, err := o.ds.ReleaseDue(ctx, d, owner, next)
	sp.End(err, telemetry.KeyLeaseKept.Bool(kept))
	return kept, err
}

type observed struct {
	s  Store
	in *telemetry.Instruments
}

func (o *observed) Track(ctx context.Context, p *qpay.Payment) error {
	ctx, sp := o.in.Span(ctx, "qpay.store.Track", o.attrs(OpTrack, p.Provider, p.Account)...)
	err := o.s.Track(ctx, p)
	sp.End(err)
	return err
}

func (o *observed) Process(ctx context.Context, ev *qpay.WebhookEvent, fn func(ctx context.Context, r Result) error) (Result, error) {
	ctx, sp := o.in.Span(ctx, "qpay.store.Process", append(o.attrs(OpProcess, ev.Provider, ev.Account),
		telemetry.KeyEventType.String(ev.Type.String()))...)
	r, err := o.s.Process(ctx, ev, fn)
	outcome := eventOutcome(r, err)
	sp.End(err, telemetry.KeyEventOutcome.String(outcome))
	o.in.Event(ctx, ev.Provider, outcome)
	return r, err
}

func (o *observed) Payment(ctx context.Context, account, provider, id string) (*Payment, error) {
	ctx, sp := o.in.Span(ctx, "qpay.store.Payment", o.attrs(OpPayment, provider, account)...)
	p, err := o.s.Payment(ctx, account, provider, id)
	sp.End(err)
	return p, err
}

func (o *observed) attrs(op, provider, account string) []telemetry.KeyValue {
	return []telemetry.KeyValue{
		telemetry.KeyProvider.String(provider), telemetry.KeyOperation.String(op), telemetry.KeyAccount.String(account),
	}
}

// eventOutcome names what Process did with an event, as the
// qpay.webhook.events metric counts it.
func eventOutcome(r Result, err error) string {
	switch {
	case err != nil:
		return telemetry.Kind(err) // "integrity" for a contradiction
	case r.Duplicate:
		return "duplicate"
	case r.Applied:
		return "applied"
	case errors.Is(r.Ignored, status.ErrStale):
		return "stale"
	case errors.Is(r.Ignored, status.ErrIllegal):
		return "illegal"
	case errors.Is(r.Ignored, status.ErrUnchanged):
		return "unchanged"
	}
	return "ignored"
}
