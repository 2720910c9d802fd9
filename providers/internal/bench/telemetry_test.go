package bench

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
)

// BenchmarkTelemetry measures what OpenTelemetry costs when it is on: each
// call with a Provider whose HTTPOptions.Telemetry is set (the SDK's
// TracerProvider sampling every span into a batch processor whose exporter
// drops them, and a MeterProvider aggregating into a reader), beside the
// same call without telemetry, in the same run. x-off-ns and x-off-allocs
// are the ratios on/off. What telemetry off costs against the code before
// it existed is what the other benchmarks show.
func BenchmarkTelemetry(b *testing.B) {
	for _, op := range []struct {
		name string
		pick func(*env) ops
	}{{"CreatePayment", createOps}, {"GetPayment", getOps}, {"Refund", refundOps}, {"ParseWebhook", webhookOps}} {
		for _, be := range backends(b) {
			b.Run(op.name+"/"+be.name, func(b *testing.B) { runTelemetryPair(b, be, op.pick) })
		}
	}
}

func runTelemetryPair(b *testing.B, be *backend, pick func(*env) ops) {
	b.ReportAllocs()
	b.StopTimer()
	off := newEnv(b, be, false)
	defer off.finish(b)

	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	}()
	opts := httpOptions
	opts.Telemetry = qpay.Telemetry{TracerProvider: tp, MeterProvider: mp}
	lib, err := be.open(off.srv.URL(), opts)
	if err != nil {
		b.Fatal(err)
	}
	on := *off
	on.lib = lib

	offOp, onOp := pick(off).lib, pick(&on).lib
	ctx := context.Background()
	for _, op := range []func(context.Context) error{offOp, onOp} {
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The figures of the benchmark are the "on" side's; off is beside it.
	s := interleaved(b, onOp, offOp)
	b.ReportMetric(s[1].nsPerOp(), "off-ns/op")
	b.ReportMetric(s[1].allocsPerOp(), "off-allocs/op")
	b.ReportMetric(s[0].nsPerOp()/s[1].nsPerOp(), "x-off-ns")
	b.ReportMetric(s[0].allocsPerOp()/s[1].allocsPerOp(), "x-off-allocs")
}
