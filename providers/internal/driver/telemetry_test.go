package driver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/qpay-go/qpay"
)

// capable is a portable Provider with both optional capabilities, as the
// portable layer will have them.
type capable struct{ *portable }

func (capable) GetRefund(context.Context, string, string) (*qpay.Refund, error) {
	return &qpay.Refund{ID: "re_1"}, nil
}

func (capable) PaymentsByReference(context.Context, string) ([]*qpay.Payment, error) {
	return nil, &qpay.Error{Kind: qpay.KindUnavailable}
}

func TestInstrumentKeepsExactlyTheCapabilities(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tel := qpay.Telemetry{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}
	plain := &portable{d: &stub{}, opts: Options{Account: "a1"}}

	assert.Same(t, plain, instrument(plain, "a1", qpay.Telemetry{}), "off: the portable Provider itself")

	bare := instrument(plain, "a1", tel)
	_, rg := bare.(qpay.RefundGetter)
	_, pf := bare.(qpay.PaymentFinder)
	assert.False(t, rg || pf, "no capability the portable Provider lacks")
	assert.Same(t, plain, unobserve(bare))

	both := instrument(capable{plain}, "a1", tel)
	require.Implements(t, (*qpay.RefundGetter)(nil), both)
	require.Implements(t, (*qpay.PaymentFinder)(nil), both)
	require.Implements(t, (*qpay.ReturnReader)(nil), both)
	_, err := both.(qpay.RefundGetter).GetRefund(context.Background(), "chg_1", "re_1")
	require.NoError(t, err)
	_, err = both.(qpay.PaymentFinder).PaymentsByReference(context.Background(), "ORD-1")
	require.Error(t, err)

	ended := spans.Ended()
	require.Len(t, ended, 2)
	assert.Equal(t, "qpay.GetRefund", ended[0].Name())
	assert.Equal(t, "qpay.PaymentsByReference", ended[1].Name())
	assert.Equal(t, "unavailable", ended[1].Status().Description)
}
