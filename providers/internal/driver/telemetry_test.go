package driver

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// TestObservedHasEveryMethodOfThePortableProvider: with telemetry on, the
// Provider must answer every type assertion as the portable one does
// (RefundGetter, PaymentIDOwner, RefundLister, ... and whatever is added
// later), so its method set must contain the portable one's.
func TestObservedHasEveryMethodOfThePortableProvider(t *testing.T) {
	plain := reflect.TypeOf(&portable{})
	obs := reflect.TypeOf(&observed{})
	for i := range plain.NumMethod() {
		m := plain.Method(i)
		om, ok := obs.MethodByName(m.Name)
		if assert.True(t, ok, "observed lacks %s: add it to telemetry.go", m.Name) {
			assert.Equal(t, m.Type.NumIn(), om.Type.NumIn(), m.Name)
		}
	}
}

func TestInstrumentIsOffWithoutTelemetry(t *testing.T) {
	plain := &portable{d: &stub{}, opts: Options{Account: "a1"}}
	assert.Same(t, plain, instrument(plain, qpay.Telemetry{}), "off: the portable Provider itself")
	spans := tracetest.NewSpanRecorder()
	on := instrument(plain, qpay.Telemetry{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
	assert.Same(t, plain, unobserve(on))
	assert.Same(t, plain.d, Unwrap(on), "Unwrap sees through the observed Provider")
}

func TestObservedCapabilitiesHaveSpans(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tel := qpay.Telemetry{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}
	p := instrument(&portable{d: &stub{}, opts: Options{Account: "a1"}}, tel)
	ctx := context.Background()
	_, _ = p.(qpay.RefundGetter).GetRefund(ctx, "chg_1", "re_1")
	_, _ = p.(qpay.PaymentFinder).PaymentsByReference(ctx, "ORD-1")
	_, _, _ = p.(qpay.RefundLister).PaymentWithRefunds(ctx, "chg_1")
	_, _ = p.(qpay.RemainderRefunder).RefundRemaining(ctx, qpay.RefundRequest{PaymentID: "chg_1", Reference: "R", Amount: money.Money{}})
	var names []string
	for _, s := range spans.Ended() {
		names = append(names, s.Name())
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		assert.Equal(t, "a1", attrs["qpay.account"], s.Name())
	}
	require.Equal(t, []string{"qpay.GetRefund", "qpay.PaymentsByReference", "qpay.PaymentWithRefunds", "qpay.RefundRemaining"}, names)
}

// ender is a stub whose webhook keys can be ended.
type ender struct {
	stub
	end time.Time
}

func (e *ender) WithKeysEnding(end time.Time) Driver { c := *e; c.end = end; return &c }

// A Provider observed by telemetry has its keys ended as a plain one does,
// and stays observed; one whose driver cannot end them says so.
func TestEndingWebhooksSeesThroughTelemetry(t *testing.T) {
	end := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	on := Wrap(&ender{}, Options{Telemetry: qpay.Telemetry{TracerProvider: sdktrace.NewTracerProvider()}})
	ended, ok := EndingWebhooks(on, end)
	require.True(t, ok)
	assert.IsType(t, &observed{}, ended)
	assert.Equal(t, end, Unwrap(ended).(*ender).end)
	assert.Zero(t, Unwrap(on).(*ender).end, "the original is not changed")

	_, ok = EndingWebhooks(Wrap(&stub{}, Options{}), end)
	assert.False(t, ok)
}
