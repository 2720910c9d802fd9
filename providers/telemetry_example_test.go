package providers_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// Telemetry goes to the TracerProvider and MeterProvider the service
// already has; here, an SDK TracerProvider recording in memory.
func ExampleConfig_telemetry() {
	sim, _ := qpaytest.NewServer(qpaytest.Options{})
	defer sim.Close()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	cfg := sim.Config(providers.Tap)
	cfg.Telemetry = qpay.Telemetry{TracerProvider: tp} // and MeterProvider for the metrics
	p, err := providers.Open(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	pay, err := p.CreatePayment(context.Background(), paymentRequest("ORD-OTEL-1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = p.GetPayment(context.Background(), pay.ID)
	for _, s := range spans.Ended() {
		fmt.Println(s.Name())
	}
	// Output:
	// qpay.http.attempt
	// qpay.CreatePayment
	// qpay.http.attempt
	// qpay.GetPayment
}
