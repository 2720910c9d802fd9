package transport

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkTelemetryOffHooks is everything telemetry adds to one attempt
// of a call when it is off: the hooks of Do and checkRetry on a client
// without telemetry. Compare it with the calls' own ns/op (tens of
// microseconds at least) in providers/internal/bench.
func BenchmarkTelemetryOffHooks(b *testing.B) {
	c, err := New(Config{Provider: "tap", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	if c.tel != nil {
		b.Fatal("telemetry is on without a Telemetry")
	}
	ctx := context.Background()
	st := &callState{attempt: 1}
	resp := &http.Response{StatusCode: http.StatusOK}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		hctx := c.tel.Begin(ctx, "get_payment", http.MethodGet)
		c.observeAttempt(hctx, st, resp, nil, false)
		c.tel.Reconciled(hctx, false, nil)
		c.tel.Finish(hctx)
	}
}
