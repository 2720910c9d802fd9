package providers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// These tests play an attacker who holds one genuine, correctly signed
// webhook and rewrites what its signature does not cover, against the
// simulator, through a merchant's WebhookHandler over store.Process. Tap's
// hashstring signs seven fields of the object, so the rewritten delivery
// still verifies and qpay must take its facts from Tap's API; Checkout
// signs the raw body, so the rewrite does not verify at all.

// endpoint is a merchant's webhook endpoint: a WebhookHandler whose Handle
// is store.Process, remembering what its function was handed.
type endpoint struct {
	p     qpay.Provider
	store *store.Memory
	h     *qpay.WebhookHandler

	mu      sync.Mutex
	events  []*qpay.WebhookEvent
	results []store.Result
	errs    []error
}

func newEndpoint(p qpay.Provider) *endpoint {
	m := &endpoint{p: p, store: store.NewMemory()}
	m.h = qpay.NewWebhookHandler(p, func(ctx context.Context, ev *qpay.WebhookEvent) error {
		_, err := m.store.Process(ctx, ev, func(_ context.Context, r store.Result) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.events = append(m.events, ev)
			m.results = append(m.results, r)
			return nil
		})
		if err != nil {
			m.mu.Lock()
			m.errs = append(m.errs, err)
			m.mu.Unlock()
		}
		return err
	})
	return m
}

// deliver posts one delivery to the endpoint and returns the HTTP answer.
func (m *endpoint) deliver(t *testing.T, h http.Header, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/qpay", bytes.NewReader(body))
	req.Header = h.Clone()
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	return rec.Code
}

// track records the payment as the endpoint does after CreatePayment,
// then reads it back and tracks that too.
func (m *endpoint) track(t *testing.T, pay *qpay.Payment) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, m.store.Track(ctx, pay))
	got, err := m.p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	require.NoError(t, m.store.Track(ctx, got))
}

func (m *endpoint) stored(t *testing.T, id string) *store.Payment {
	t.Helper()
	sp, err := m.store.Payment(context.Background(), "", m.p.Name(), id)
	require.NoError(t, err)
	return sp
}

// TestForgedRefundDeliveryCannotMoveAnotherPayment is issue 12's findings 1
// and 2: a genuine refund delivery of payment A, with its payment ID
// rewritten to B, neither refunds B (captured) nor makes B look paid
// (pending); A gets its refund once, whichever delivery comes first.
func TestForgedRefundDeliveryCannotMoveAnotherPayment(t *testing.T) {
	for _, provider := range allRoutes {
		for _, other := range []status.Status{status.Captured, status.Pending} {
			t.Run(provider+"/B "+other.String(), func(t *testing.T) {
				sim := newSimulator(t, nil)
				p := openProvider(t, simulatorConfig(sim, provider, nil))
				m := newEndpoint(p)
				ctx := context.Background()

				a := capturedPayment(t, sim, p, "ORD-A")
				m.track(t, a)
				b, err := p.CreatePayment(ctx, paymentRequest("ORD-B"))
				require.NoError(t, err)
				if other == status.Captured {
					require.NoError(t, sim.Settle(b.ID, status.Captured))
				}
				m.track(t, b)

				r, err := p.Refund(ctx, refundRequest(a.ID, "RFD-A"))
				require.NoError(t, err)
				h, genuine, err := sim.Webhook(r.ID)
				require.NoError(t, err)
				forged := bytes.ReplaceAll(genuine, []byte(a.ID), []byte(b.ID))
				require.NotEqual(t, genuine, forged)

				ev, err := p.ParseWebhook(ctx, h.Clone(), forged)
				if provider == providers.Checkout {
					// The body is signed: the rewrite is refused as unsigned.
					assert.ErrorIs(t, err, qpay.KindInvalidSignature)
					assert.Equal(t, http.StatusUnauthorized, m.deliver(t, h, forged))
				} else {
					require.NoError(t, err)
					assert.Equal(t, a.ID, ev.PaymentID, "the payment comes from the read-back, not the delivery")
					assert.Equal(t, a.ID, ev.Refund.PaymentID)
					assert.Equal(t, qpay.VerifiedReadBack, ev.Verification.Method)
					assert.True(t, ev.Verification.Differs.Has(qpay.FieldPaymentID), "the rewrite is reported: %v", ev.Verification.Differs)
					require.NotNil(t, ev.Verification.DeliveredRefund)
					assert.Equal(t, b.ID, ev.Verification.DeliveredRefund.PaymentID, "the delivery's claim is kept apart")
					assert.Equal(t, http.StatusOK, m.deliver(t, h, forged))
				}
				assert.Equal(t, http.StatusOK, m.deliver(t, h, genuine), "the genuine delivery")

				sb := m.stored(t, b.ID)
				assert.Equal(t, other, sb.Status, "B is not moved")
				assert.True(t, sb.Refunded.IsZero(), "nothing is refunded from B: %s", sb.Refunded)
				assert.Equal(t, other == status.Captured, sb.Status.Succeeded(), "a pending B never looks paid")
				sa := m.stored(t, a.ID)
				assert.Equal(t, status.PartiallyRefunded, sa.Status, "A shows its refund")
				assert.Equal(t, "QAR 25.00", sa.Refunded.String(), "once")
				m.mu.Lock()
				defer m.mu.Unlock()
				assert.Empty(t, m.errs)
				for _, res := range m.results {
					require.NotNil(t, res.Payment)
					assert.Equal(t, a.ID, res.Payment.ID, "the endpoint's function only ever hears of A")
				}
			})
		}
	}
}

// TestForgedCaptureDeliveryCannotNameAnotherOrder is issue 18's finding 2:
// a genuine capture delivery of order A with its (unsigned, for Tap)
// reference and metadata rewritten to order B's reaches the endpoint with
// A's, and a stored payment whose reference disagrees with the verified
// one is an integrity error.
func TestForgedCaptureDeliveryCannotNameAnotherOrder(t *testing.T) {
	for _, provider := range allRoutes {
		t.Run(provider, func(t *testing.T) {
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, provider, nil))
			m := newEndpoint(p)
			ctx := context.Background()

			req := paymentRequest("ORD-A")
			req.Metadata = map[string]string{"order": "ORD-A"}
			a, err := p.CreatePayment(ctx, req)
			require.NoError(t, err)
			require.NoError(t, m.store.Track(ctx, a))
			require.NoError(t, sim.Settle(a.ID, status.Captured))

			h, genuine, err := sim.Webhook(a.ID)
			require.NoError(t, err)
			forged := bytes.ReplaceAll(genuine, []byte("ORD-A"), []byte("ORD-B"))
			require.NotEqual(t, genuine, forged)

			ev, err := p.ParseWebhook(ctx, h.Clone(), forged)
			if provider == providers.Checkout {
				assert.ErrorIs(t, err, qpay.KindInvalidSignature)
				assert.Equal(t, http.StatusUnauthorized, m.deliver(t, h, forged))
			} else {
				require.NoError(t, err)
				assert.Equal(t, "ORD-A", ev.Payment.Reference, "the reference comes from the read-back")
				if provider == providers.MPGS {
					// The gateway keeps no metadata: none is sent, none read back.
					assert.Empty(t, ev.Payment.Metadata)
					assert.True(t, ev.Verification.Differs.Has(qpay.FieldReference), "%v", ev.Verification.Differs)
				} else {
					assert.Equal(t, map[string]string{"order": "ORD-A"}, ev.Payment.Metadata, "and so does the metadata")
					assert.True(t, ev.Verification.Differs.Has(qpay.FieldReference|qpay.FieldMetadata), "%v", ev.Verification.Differs)
				}
				assert.Equal(t, "ORD-B", ev.Verification.DeliveredPayment.Reference)
				assert.Equal(t, qpay.Fields(0), ev.Verification.Unverified())
				assert.Equal(t, http.StatusOK, m.deliver(t, h, forged))
			}
			assert.Equal(t, http.StatusOK, m.deliver(t, h, genuine))

			m.mu.Lock()
			require.NotEmpty(t, m.results)
			for i, res := range m.results {
				assert.Equal(t, "ORD-A", res.Payment.Reference, "the endpoint's function never sees order B")
				assert.Equal(t, "ORD-A", m.events[i].Payment.Reference)
				assert.NotContains(t, m.events[i].Payment.Metadata, "ORD-B")
			}
			m.mu.Unlock()
			assert.Equal(t, status.Captured, m.stored(t, a.ID).Status)

			// A store that holds another reference for the payment than the
			// verified one refuses the event: the provider keeps it coming.
			other := newEndpoint(p)
			wrong := *a
			wrong.Reference = "ORD-B"
			require.NoError(t, other.store.Track(ctx, &wrong))
			assert.Equal(t, http.StatusInternalServerError, other.deliver(t, h, genuine))
			other.mu.Lock()
			require.Len(t, other.errs, 1)
			assert.ErrorIs(t, other.errs[0], qpay.KindIntegrity)
			assert.Empty(t, other.results, "the endpoint's function is not called")
			other.mu.Unlock()
		})
	}
}

// TestWebhookReadBackFailuresAskForRedelivery: a Tap delivery whose
// signature verifies but whose read-back fails transiently is answered
// 503, so that Tap delivers it again, never 400; and it is applied once
// the read-back works.
func TestWebhookReadBackFailuresAskForRedelivery(t *testing.T) {
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, providers.Tap, func(c *providers.Config) { c.MaxAttempts = 1 }))
			m := newEndpoint(p)
			pay := capturedPayment(t, sim, p, "ORD-R")
			m.track(t, pay)
			h, body, err := sim.Webhook(pay.ID)
			require.NoError(t, err)

			require.NoError(t, sim.Inject(qpaytest.Fault{Provider: qpaytest.ProviderTap, Op: qpaytest.OpGetPayment, Status: code}))
			assert.Equal(t, http.StatusServiceUnavailable, m.deliver(t, h, body), "deliver again")
			assert.Equal(t, http.StatusOK, m.deliver(t, h, body), "the redelivery")
			assert.Equal(t, status.Captured, m.stored(t, pay.ID).Status)
		})
	}
	t.Run("network", func(t *testing.T) {
		sim := newSimulator(t, nil)
		p := openProvider(t, simulatorConfig(sim, providers.Tap, func(c *providers.Config) { c.MaxAttempts = 1 }))
		pay := capturedPayment(t, sim, p, "ORD-N")
		h, body, err := sim.Webhook(pay.ID)
		require.NoError(t, err)
		require.NoError(t, sim.Inject(qpaytest.Fault{Provider: qpaytest.ProviderTap, Op: qpaytest.OpGetPayment, ResetBeforeRead: true, Times: 5}))
		assert.Equal(t, http.StatusServiceUnavailable, newEndpoint(p).deliver(t, h, body))
	})
	t.Run("a refund", func(t *testing.T) {
		sim := newSimulator(t, nil)
		p := openProvider(t, simulatorConfig(sim, providers.Tap, func(c *providers.Config) { c.MaxAttempts = 1 }))
		m := newEndpoint(p)
		pay := capturedPayment(t, sim, p, "ORD-F")
		m.track(t, pay)
		r, err := p.Refund(context.Background(), refundRequest(pay.ID, "RFD-F"))
		require.NoError(t, err)
		h, body, err := sim.Webhook(r.ID)
		require.NoError(t, err)
		require.NoError(t, sim.Inject(qpaytest.Fault{Provider: qpaytest.ProviderTap, Op: qpaytest.OpGetRefund, Status: http.StatusBadGateway}))
		assert.Equal(t, http.StatusServiceUnavailable, m.deliver(t, h, body))
		assert.Equal(t, http.StatusOK, m.deliver(t, h, body))
		assert.Equal(t, money.MustParse("25.00", qpay.Currency).String(), m.stored(t, pay.ID).Refunded.String())
	})
}
