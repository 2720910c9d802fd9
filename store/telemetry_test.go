package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// TestWithTelemetryCountsWhatProcessDecided delivers the same events as
// ExampleStore and checks the qpay.webhook.events metric and the spans.
func TestWithTelemetryCountsWhatProcessDecided(t *testing.T) {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = tp.Shutdown(ctx); _ = mp.Shutdown(ctx) }()

	plain := store.NewMemory()
	assert.Same(t, plain, store.WithTelemetry(plain, qpay.Telemetry{}), "off: the store itself")
	s := store.WithTelemetry(plain, qpay.Telemetry{TracerProvider: tp, MeterProvider: mp})

	amount := money.MustParse("79.10", "QAR")
	require.NoError(t, s.Track(ctx, &qpay.Payment{Provider: "tap", Account: "m1", ID: "chg_1", Status: status.Pending, RawStatus: "INITIATED", Amount: amount}))
	event := func(st status.Status, raw string, amt money.Money) *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: "tap:chg_1:" + raw, Provider: "tap", Account: "m1", Type: qpay.EventPayment,
			Payment: &qpay.Payment{ID: "chg_1", Account: "m1", Status: st, RawStatus: raw, Amount: amt}}
	}
	for _, ev := range []*qpay.WebhookEvent{
		event(status.Captured, "CAPTURED", amount),                       // applied
		event(status.Captured, "CAPTURED", amount),                       // duplicate
		event(status.Pending, "INITIATED", amount),                       // stale
		event(status.Failed, "DECLINED", amount),                         // illegal after a capture
		event(status.Captured, "FORGED", money.MustParse("1.00", "QAR")), // integrity
	} {
		_, _ = s.Process(ctx, ev, nil)
	}
	_, err := s.Payment(ctx, "m1", "tap", "chg_1")
	require.NoError(t, err)

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(ctx, &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "qpay.webhook.events" {
				for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
					o, _ := p.Attributes.Value(attribute.Key("qpay.outcome"))
					got[o.AsString()] += p.Value
				}
			}
		}
	}
	assert.Equal(t, map[string]int64{"applied": 1, "duplicate": 1, "stale": 1, "illegal": 1, "integrity": 1}, got)

	var names []string
	for _, sp := range spans.Ended() {
		names = append(names, sp.Name())
		for _, kv := range sp.Attributes() {
			if kv.Key == "qpay.account" {
				assert.Equal(t, "m1", kv.Value.AsString())
			}
		}
	}
	assert.Equal(t, "qpay.store.Track qpay.store.Process qpay.store.Process qpay.store.Process qpay.store.Process qpay.store.Process qpay.store.Payment",
		strings.Join(names, " "))
}
