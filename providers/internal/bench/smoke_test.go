package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// The benchmarks compare like with like only if the floor sends what qpay
// sends and reads what qpay reads. These tests make each call once on both
// clients and hold them to that, so that a change to an adapter's wire
// format cannot silently turn the floor into a different workload.

// bodyRoutes are the requests with a body, per provider.
var bodyRoutes = map[string][]string{
	"tap":      {"POST /v2/charges", "POST /v2/refunds/list", "POST /v2/refunds"},
	"checkout": {"POST /payments", "POST /payments/" + ckoPaymentID + "/refunds"},
}

func TestFloorSendsWhatQpaySends(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			libBodies := bodiesOf(t, be, func(ctx context.Context, e *env) {
				_, err := e.lib.CreatePayment(ctx, be.create)
				require.NoError(t, err)
				_, err = e.lib.Refund(ctx, be.refund)
				require.NoError(t, err)
			})
			floorBodies := bodiesOf(t, be, func(ctx context.Context, e *env) {
				_, err := e.floor.CreatePayment(ctx)
				require.NoError(t, err)
				_, err = e.floor.Refund(ctx)
				require.NoError(t, err)
			})
			for _, route := range bodyRoutes[be.name] {
				require.NotEmpty(t, libBodies[route], "qpay sent no %s", route)
				assert.JSONEq(t, string(libBodies[route]), string(floorBodies[route]), route)
			}
		})
	}
}

// bodiesOf runs calls against a recording server and returns the bodies
// it received, without what legitimately differs from call to call: the
// idempotency key qpay makes and the refund list's "to", which is now.
func bodiesOf(t *testing.T, be *backend, calls func(context.Context, *env)) map[string][]byte {
	t.Helper()
	e := newEnv(t, be, true)
	calls(context.Background(), e)
	out := map[string][]byte{}
	for _, route := range bodyRoutes[be.name] {
		out[route] = withoutVolatile(t, e.srv.lastBody(route))
	}
	require.Zero(t, e.close(), "goroutines left behind")
	require.Zero(t, e.srv.misses.Load(), "requests the server has no reply for")
	return out
}

func withoutVolatile(t *testing.T, body []byte) []byte {
	t.Helper()
	if len(body) == 0 {
		return nil
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "%s", body)
	if ref, ok := m["reference"].(map[string]any); ok {
		delete(ref, "idempotent")
	}
	if p, ok := m["period"].(map[string]any); ok {
		if d, ok := p["date"].(map[string]any); ok {
			delete(d, "to")
		}
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func TestFloorReadsWhatQpayReads(t *testing.T) {
	ctx := context.Background()
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be, false)
			defer func() { assert.Zero(t, e.close(), "goroutines left behind") }()

			p, err := e.lib.CreatePayment(ctx, be.create)
			require.NoError(t, err)
			s, err := e.floor.CreatePayment(ctx)
			require.NoError(t, err)
			assert.Equal(t, seenPayment(p), s, "CreatePayment")

			p, err = e.lib.GetPayment(ctx, be.paymentID)
			require.NoError(t, err)
			s, err = e.floor.GetPayment(ctx)
			require.NoError(t, err)
			assert.Equal(t, seenPayment(p), s, "GetPayment")

			r, err := e.lib.Refund(ctx, be.refund)
			require.NoError(t, err)
			s, err = e.floor.Refund(ctx)
			require.NoError(t, err)
			assert.Equal(t, seen{id: r.ID, status: r.RawStatus, reference: r.Reference}, s, "Refund")
			s, err = e.floor.RefundPost(ctx)
			require.NoError(t, err)
			assert.Equal(t, seen{id: r.ID, status: r.RawStatus, reference: r.Reference}, s, "RefundPost")

			ev, err := e.lib.ParseWebhook(ctx, be.webhookHeader, be.webhookBody)
			require.NoError(t, err)
			require.NotNil(t, ev.Payment)
			s, err = e.floor.ParseWebhook(be.webhookHeader, be.webhookBody)
			require.NoError(t, err)
			assert.Equal(t, seenPayment(ev.Payment), s, "ParseWebhook")
			assert.Zero(t, e.srv.misses.Load())
		})
	}
}

func seenPayment(p *qpay.Payment) seen {
	return seen{id: p.ID, status: p.RawStatus, reference: p.Reference}
}

// TestFloorVerifiesSignatures keeps the webhook floor from being cheaper
// than it should: it must do the HMAC, and so must refuse a wrong one. (Tap's
// floor then reads the charge back, as qpay does, from the loopback.)
func TestFloorVerifiesSignatures(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			e := newEnv(t, be, false)
			defer e.close()
			f := e.floor
			bad := http.Header{}
			for k, v := range be.webhookHeader {
				bad[k] = []string{strings.Repeat("0", len(v[0]))}
			}
			_, err := f.ParseWebhook(bad, be.webhookBody)
			require.Error(t, err)
			_, err = f.ParseWebhook(be.webhookHeader, be.webhookBody)
			require.NoError(t, err)
		})
	}
}
