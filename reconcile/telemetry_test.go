package reconcile_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/reconcile"
	"github.com/qpay-go/qpay/store"
)

// TestTelemetryOfARound: a round is a span, each item a child with the
// read-back and the store's work under it, and items are counted by action.
func TestTelemetryOfARound(t *testing.T) {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = tp.Shutdown(ctx); _ = mp.Shutdown(ctx) }()
	tel := qpay.Telemetry{TracerProvider: tp, MeterProvider: mp}

	s := newShop(t, providers.Tap)
	cfg := s.sim.Config(providers.Tap)
	cfg.Telemetry = tel
	require.NoError(t, s.reg.Configure(merchant, cfg))
	observed, ok := store.WithTelemetry(s.st, tel).(reconcile.Store)
	require.True(t, ok, "a store wrapped for telemetry is still a DueStore")
	s.rec.Store, s.rec.Telemetry = observed, tel

	pay := s.create(t, "79.10")
	require.NoError(t, s.sim.Expire(pay.ID))
	stats, err := s.rec.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, stats.Applied)

	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, sp := range spans.Ended() {
		byName[sp.Name()] = append(byName[sp.Name()], sp)
	}
	require.Len(t, byName["qpay.reconcile.RunOnce"], 1)
	round := byName["qpay.reconcile.RunOnce"][0]
	require.Len(t, byName["qpay.reconcile.Item"], 1)
	item := byName["qpay.reconcile.Item"][0]
	parentOf := func(sp sdktrace.ReadOnlySpan) string {
		for name, list := range byName {
			for _, p := range list {
				if p.SpanContext().SpanID() == sp.Parent().SpanID() {
					return name
				}
			}
		}
		return ""
	}
	assert.Equal(t, "qpay.reconcile.RunOnce", parentOf(item))
	assert.Equal(t, "qpay.reconcile.RunOnce", parentOf(byName["qpay.store.LeaseDue"][0]))
	assert.Equal(t, "qpay.reconcile.Item", parentOf(byName["qpay.GetPayment"][0]), "the read-back is the item's child")
	assert.Equal(t, "qpay.reconcile.Item", parentOf(byName["qpay.store.Process"][0]))
	assert.Equal(t, "qpay.reconcile.Item", parentOf(byName["qpay.store.ReleaseDue"][0]))
	attrs := map[string]string{}
	for _, kv := range item.Attributes() {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	assert.Equal(t, "applied", attrs["qpay.reconcile.action"])
	assert.Equal(t, merchant, attrs["qpay.account"])
	assert.Equal(t, "tap", attrs["qpay.provider"])
	for _, kv := range round.Attributes() {
		if kv.Key == "qpay.count" {
			assert.Equal(t, int64(1), kv.Value.AsInt64())
		}
	}

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "qpay.reconcile.items" {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					a, _ := p.Attributes.Value("qpay.reconcile.action")
					got[a.AsString()] += p.Value
				}
			}
		}
	}
	assert.Equal(t, map[string]int64{"applied": 1}, got)
}
