package driver

import (
	"context"
	"net/http"
	"net/url"
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

// neither, onlyRG and onlyPF hide the portable Provider's capabilities but
// the ones they name.
type (
	neither struct{ p *portable }
	onlyRG  struct{ neither }
	onlyPF  struct{ neither }
)

func (n neither) Name() string   { return n.p.Name() }
func (n neither) String() string { return n.p.String() }
func (n neither) CreatePayment(ctx context.Context, r qpay.PaymentRequest) (*qpay.Payment, error) {
	return n.p.CreatePayment(ctx, r)
}
func (n neither) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	return n.p.GetPayment(ctx, id)
}
func (n neither) Refund(ctx context.Context, r qpay.RefundRequest) (*qpay.Refund, error) {
	return n.p.Refund(ctx, r)
}
func (n neither) ParseWebhook(ctx context.Context, h http.Header, b []byte) (*qpay.WebhookEvent, error) {
	return n.p.ParseWebhook(ctx, h, b)
}
func (n neither) ReturnID(q url.Values) (string, error) { return n.p.ReturnID(q) }
func (onlyRG) GetRefund(context.Context, string, string) (*qpay.Refund, error) {
	return &qpay.Refund{ID: "re_1"}, nil
}
func (onlyPF) PaymentsByReference(context.Context, string) ([]*qpay.Payment, error) { return nil, nil }

func TestInstrumentKeepsExactlyTheCapabilities(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tel := qpay.Telemetry{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}
	plain := &portable{d: &stub{}, opts: Options{Account: "a1"}}

	assert.Same(t, plain, instrument(plain, "a1", qpay.Telemetry{}), "off: the portable Provider itself")

	bare := instrument(plain, "a1", tel)
	_, plainRG := any(plain).(qpay.RefundGetter)
	_, plainPF := any(plain).(qpay.PaymentFinder)
	_, rg := bare.(qpay.RefundGetter)
	_, pf := bare.(qpay.PaymentFinder)
	assert.Equal(t, plainRG, rg, "the capabilities of the portable Provider, no more, no fewer")
	assert.Equal(t, plainPF, pf, "the capabilities of the portable Provider, no more, no fewer")
	assert.Same(t, plain, unobserve(bare))

	// Each capability alone, and none.
	for _, tc := range []struct {
		p      inner
		rg, pf bool
	}{{onlyRG{neither{plain}}, true, false}, {onlyPF{neither{plain}}, false, true}, {neither{plain}, false, false}} {
		o := instrument(tc.p, "a1", tel)
		_, rg := o.(qpay.RefundGetter)
		_, pf := o.(qpay.PaymentFinder)
		assert.Equal(t, tc.rg, rg, "%T", tc.p)
		assert.Equal(t, tc.pf, pf, "%T", tc.p)
	}

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
