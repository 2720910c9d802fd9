package providers_test

import (
	"context"
	"fmt"
	"net/http"
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
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// recorder is an in-memory OpenTelemetry pipeline: every ended span, and
// the metrics on demand.
type recorder struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tel    qpay.Telemetry
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	r.tel = qpay.Telemetry{TracerProvider: tp, MeterProvider: mp}
	return r
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func (r *recorder) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// children are the ended spans whose parent is s, in the order they ended.
func (r *recorder) children(s sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, c := range r.spans.Ended() {
		if c.Parent().SpanID() == s.SpanContext().SpanID() && c.Parent().IsValid() {
			out = append(out, c)
		}
	}
	return out
}

// counts returns, for the Int64 sum or the histogram called name, the
// value (histogram: the count) of each data point keyed by its attributes
// printed as "k=v,k=v" (sorted).
func (r *recorder) counts(t *testing.T, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	key := func(set attribute.Set) string {
		var parts []string
		for _, kv := range set.ToSlice() {
			parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
		}
		return strings.Join(parts, ",")
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += p.Value
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += int64(p.Count)
				}
			default:
				t.Fatalf("metric %s has data of type %T", name, m.Data)
			}
		}
	}
	return out
}

// signedWebhook is a genuine delivery of payment pay captured, and the same
// body with a signature made with another key.
func signedWebhook(t *testing.T, provider string, pay *qpay.Payment) (good, forged http.Header, body []byte) {
	t.Helper()
	var err error
	switch provider {
	case providers.Tap:
		body, err = qpaytest.TapChargeJSON(pay.ID, "CAPTURED", pay.Amount, pay.Reference)
		require.NoError(t, err)
		good, err = qpaytest.TapWebhook(secretTapKey, body)
		require.NoError(t, err)
		forged, err = qpaytest.TapWebhook(qpay.NewSecret("sk_test_SomeoneElsesKey00000000"), body)
		require.NoError(t, err)
	default:
		body, err = qpaytest.CheckoutEventJSON("payment_captured", pay.ID, pay.Amount, pay.Reference)
		require.NoError(t, err)
		good = qpaytest.CheckoutWebhook(secretWebhookKey, body)
		forged = qpaytest.CheckoutWebhook(qpay.NewSecret("whsec_SomeoneElsesSecret"), body)
		for _, h := range []http.Header{good, forged} {
			h.Set("Authorization", secretWebhookAuthKey.Reveal())
		}
	}
	return good, forged, body
}

// TestTelemetry runs each portable call with telemetry on and checks what
// the caller's TracerProvider and MeterProvider received.
func TestTelemetry(t *testing.T) {
	for _, provider := range bothProviders {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			sim := newSimulator(t, nil)
			rec := newRecorder(t)
			p := openProvider(t, simulatorConfig(sim, provider, func(c *providers.Config) {
				c.Account = "merchant-7"
				c.Telemetry = rec.tel
			}))

			pay := capturedPayment(t, sim, p, "ORD-TEL-1")

			// A GetPayment that succeeds on its second attempt.
			require.NoError(t, sim.Inject(qpaytest.Fault{Provider: provider, Op: opGet, Status: http.StatusServiceUnavailable}))
			_, err := p.GetPayment(ctx, pay.ID)
			require.NoError(t, err)

			gets := rec.named("qpay.GetPayment")
			require.Len(t, gets, 1)
			get := gets[0]
			assert.Equal(t, map[string]string{
				"qpay.provider": provider, "qpay.operation": "get_payment", "qpay.account": "merchant-7", "qpay.outcome": "ok",
			}, attrMap(get.Attributes()))
			attempts := rec.children(get)
			require.Len(t, attempts, 2, "one span per attempt, both children of the call's span")
			first, second := attrMap(attempts[0].Attributes()), attrMap(attempts[1].Attributes())
			for _, a := range attempts {
				assert.Equal(t, "qpay.http.attempt", a.Name())
				assert.Equal(t, get.SpanContext().TraceID(), a.SpanContext().TraceID())
			}
			assert.Equal(t, "1", first["qpay.attempt"])
			assert.Equal(t, "503", first["http.response.status_code"])
			assert.Equal(t, "unavailable", first["error.type"])
			assert.Equal(t, "true", first["qpay.retry"])
			assert.Contains(t, first, "qpay.retry.wait_ms")
			assert.Equal(t, "merchant-7", first["qpay.account"])
			assert.Equal(t, "GET", first["http.request.method"])
			assert.Equal(t, "2", second["qpay.attempt"])
			assert.Equal(t, "1", second["http.request.resend_count"])
			assert.Equal(t, "200", second["http.response.status_code"])
			assert.Equal(t, "false", second["qpay.retry"])
			assert.NotContains(t, second, "error.type")
			assert.True(t, attempts[0].EndTime().Before(attempts[1].StartTime()) || attempts[0].EndTime().Equal(attempts[1].StartTime()),
				"the first attempt ends before the retry starts")

			// A refund, then the same refund again: found, nothing new.
			req := refundRequest(pay.ID, "RFD-TEL-1")
			r1, err := p.Refund(ctx, req)
			require.NoError(t, err)
			assert.False(t, r1.Existing)
			r2, err := p.Refund(ctx, req)
			require.NoError(t, err)
			assert.True(t, r2.Existing, "the second call found the first refund")
			assert.Equal(t, r1.ID, r2.ID)
			refunds := rec.named("qpay.Refund")
			require.Len(t, refunds, 2)
			assert.Equal(t, "created", attrMap(refunds[0].Attributes())["qpay.refund.outcome"])
			assert.Equal(t, "existing", attrMap(refunds[1].Attributes())["qpay.refund.outcome"])
			assert.GreaterOrEqual(t, len(rec.children(refunds[0])), 2, "the refund's reads and its POST are attempts of the same call")

			// A refund the provider refuses, for the error kind.
			_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: pay.Amount, Reference: "RFD-TEL-2"})
			require.Error(t, err)
			failed := rec.named("qpay.Refund")[2]
			assert.Equal(t, "invalid_request", attrMap(failed.Attributes())["error.type"])
			assert.Equal(t, "Error", failed.Status().Code.String())
			assert.Equal(t, "invalid_request", failed.Status().Description, "the kind, never the message")

			// Webhooks: one genuine, one forged.
			good, forged, body := signedWebhook(t, provider, pay)
			_, err = p.ParseWebhook(ctx, good, body)
			require.NoError(t, err)
			_, err = p.ParseWebhook(ctx, forged, body)
			require.ErrorIs(t, err, qpay.KindInvalidSignature)
			hooks := rec.named("qpay.ParseWebhook")
			require.Len(t, hooks, 2)
			assert.Equal(t, "verified", attrMap(hooks[0].Attributes())["qpay.webhook.verification"])
			assert.Equal(t, "payment", attrMap(hooks[0].Attributes())["qpay.webhook.event_type"])
			assert.Equal(t, "invalid_signature", attrMap(hooks[1].Attributes())["qpay.webhook.verification"])

			// The metrics.
			pa := "qpay.provider=" + provider
			assert.Equal(t, map[string]int64{
				"qpay.operation=create_payment,qpay.outcome=ok," + pa:               1,
				"qpay.operation=get_payment,qpay.outcome=ok," + pa:                  1,
				"qpay.operation=refund,qpay.outcome=ok," + pa:                       2,
				"qpay.operation=refund,qpay.outcome=invalid_request," + pa:          1,
				"qpay.operation=parse_webhook,qpay.outcome=ok," + pa:                1,
				"qpay.operation=parse_webhook,qpay.outcome=invalid_signature," + pa: 1,
			}, rec.counts(t, "qpay.call.duration"))
			assert.Equal(t, map[string]int64{
				"qpay.outcome=created," + pa:         1,
				"qpay.outcome=existing," + pa:        1,
				"qpay.outcome=invalid_request," + pa: 1,
			}, rec.counts(t, "qpay.refunds"))
			assert.Equal(t, map[string]int64{
				"qpay.outcome=verified," + pa:          1,
				"qpay.outcome=invalid_signature," + pa: 1,
			}, rec.counts(t, "qpay.webhook.verifications"))
			assert.Equal(t, map[string]int64{
				"error.type=unavailable,qpay.operation=get_payment," + pa: 1,
			}, rec.counts(t, "qpay.http.retries"))
			assert.Equal(t, int64(1), rec.counts(t, "qpay.http.attempts")["http.response.status_code=503,qpay.operation=get_payment,"+pa])
			assert.Equal(t, int64(1), rec.counts(t, "qpay.http.retry.wait")["qpay.operation=get_payment,"+pa])

			assertNoSecretInTelemetry(t, rec, body)
		})
	}
}

// assertNoSecretInTelemetry checks every attribute and event of every span,
// and every metric attribute, for the keys, the Authorization values and
// the webhook body.
func assertNoSecretInTelemetry(t *testing.T, rec *recorder, body []byte) {
	t.Helper()
	forbidden := []string{"Bearer", "Mariam", string(body)}
	for _, s := range allSecrets {
		forbidden = append(forbidden, s.Reveal())
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, rec.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var sets []attribute.Set
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			}
			for _, set := range sets {
				for _, kv := range set.ToSlice() {
					for _, f := range forbidden {
						assert.NotContains(t, kv.Value.Emit(), f, "metric %s", m.Name)
					}
					assert.Contains(t, []attribute.Key{"qpay.provider", "qpay.operation", "qpay.outcome", "error.type", "http.response.status_code"},
						kv.Key, "metric %s has only low-cardinality attributes, no account, ID or message", m.Name)
				}
			}
		}
	}
	for _, s := range rec.spans.Ended() {
		values := []string{s.Name(), s.Status().Description}
		for _, kv := range s.Attributes() {
			values = append(values, kv.Value.Emit())
		}
		for _, ev := range s.Events() {
			values = append(values, ev.Name)
			for _, kv := range ev.Attributes {
				values = append(values, kv.Value.Emit())
			}
		}
		for _, v := range values {
			assert.NotContains(t, v, "{", "span %s carries what looks like a body: %q", s.Name(), v)
			for _, f := range forbidden {
				assert.NotContains(t, v, f, "span %s", s.Name())
			}
		}
	}
}

// TestTelemetryOffIsThePlainProvider checks that without telemetry Open
// returns the same Provider as before telemetry existed: no wrapper, so
// nothing to pay.
func TestTelemetryOffIsThePlainProvider(t *testing.T) {
	sim := newSimulator(t, nil)
	rec := newRecorder(t)
	for _, provider := range bothProviders {
		off := openProvider(t, simulatorConfig(sim, provider, nil))
		on := openProvider(t, simulatorConfig(sim, provider, func(c *providers.Config) { c.Telemetry = rec.tel }))
		assert.Equal(t, "*driver.portable", fmt.Sprintf("%T", off))
		assert.NotEqual(t, fmt.Sprintf("%T", off), fmt.Sprintf("%T", on))
		// The observed Provider keeps the capabilities of the plain one.
		_, offReturn := off.(qpay.ReturnReader)
		_, onReturn := on.(qpay.ReturnReader)
		assert.Equal(t, offReturn, onReturn)
		_, offRG := off.(qpay.RefundGetter)
		_, onRG := on.(qpay.RefundGetter)
		assert.Equal(t, offRG, onRG)
		_, offPF := off.(qpay.PaymentFinder)
		_, onPF := on.(qpay.PaymentFinder)
		assert.Equal(t, offPF, onPF)
		_, offOwner := off.(qpay.PaymentIDOwner)
		_, onOwner := on.(qpay.PaymentIDOwner)
		assert.True(t, offOwner && onOwner, "a Registry routes by PaymentIDOwner, telemetry or not")
		_, offLister := off.(qpay.RefundLister)
		_, onLister := on.(qpay.RefundLister)
		assert.True(t, offLister && onLister)
		_, offRem := off.(qpay.RemainderRefunder)
		_, onRem := on.(qpay.RemainderRefunder)
		assert.True(t, offRem && onRem)
		assert.Equal(t, fmt.Sprint(off), fmt.Sprint(on))
	}
}
