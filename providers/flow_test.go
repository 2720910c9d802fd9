package providers_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// merchant is a merchant's service as the simulator meets it: a webhook
// endpoint (qpay.WebhookHandler over a store) and the provider from its
// configuration.
type merchant struct {
	p      qpay.Provider
	store  *store.Memory
	hook   *httptest.Server
	mu     sync.Mutex
	events []*qpay.WebhookEvent
}

func newMerchant(t *testing.T, sim *qpaytest.Server, provider string) *merchant {
	t.Helper()
	p, err := providers.Open(simulatorConfig(sim, provider, nil))
	require.NoError(t, err)
	m := &merchant{p: p, store: store.NewMemory()}
	m.hook = httptest.NewServer(qpay.NewWebhookHandler(p, func(ctx context.Context, ev *qpay.WebhookEvent) error {
		_, err := m.store.Process(ctx, ev, func(context.Context, store.Result) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.events = append(m.events, ev)
			return nil
		})
		return err
	}))
	t.Cleanup(m.hook.Close)
	if provider == providers.Checkout {
		sim.SetCheckoutWebhookURL(m.hook.URL)
	}
	return m
}

func (m *merchant) create(t *testing.T, ref, amount string) *qpay.Payment {
	t.Helper()
	pay, err := m.p.CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount:     money.MustParse(amount, qpay.Currency),
		Reference:  ref,
		Customer:   qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL:  "http://shop.test/qpay/return",
		WebhookURL: m.hook.URL, // Tap's post.url; Checkout's is the account's
	})
	require.NoError(t, err)
	require.Equal(t, status.Pending, pay.Status)
	require.NoError(t, m.store.Track(context.Background(), pay))
	return pay
}

// stored is what the merchant's store says after the webhooks.
func (m *merchant) stored(t *testing.T, id string) status.Status {
	t.Helper()
	sp, err := m.store.Payment(context.Background(), "", m.p.Name(), id) // no Config.Account: the single-merchant account
	require.NoError(t, err)
	return sp.Status
}

func (m *merchant) received() []*qpay.WebhookEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*qpay.WebhookEvent(nil), m.events...)
}

// TestFlowThroughTheSimulator drives every real adapter over HTTP through
// the whole merchant flow: create, the shopper on the hosted page (form
// posts), the signed webhook into a WebhookHandler, the return URL, GetPayment,
// a partial and then a full refund; and through decline, cancel and expiry.
func TestFlowThroughTheSimulator(t *testing.T) {
	for _, provider := range allRoutes {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			sim, err := qpaytest.NewServer(qpaytest.Options{})
			require.NoError(t, err)
			t.Cleanup(sim.Close)
			m := newMerchant(t, sim, provider)

			pay := m.create(t, "ORD-flow-1", "100.00")
			back, err := sim.Pay(ctx, pay.RedirectURL, qpaytest.TestCard)
			require.NoError(t, err)
			assert.Equal(t, "shop.test", back.Host)
			returnID := back.Query().Get(map[string]string{providers.Tap: "tap_id", providers.Checkout: "cko-session-id", providers.MPGS: mpgs.ReturnParam}[provider])
			require.NotEmpty(t, returnID, "the return URL %s carries the provider's ID", back)

			got, err := m.p.GetPayment(ctx, returnID)
			require.NoError(t, err)
			assert.Equal(t, pay.ID, got.ID)
			assert.Equal(t, status.Captured, got.Status)
			assert.Equal(t, status.Captured, m.stored(t, pay.ID), "the verified webhook moved the stored payment")

			part, err := m.p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("40.00", "QAR"), Reference: "RFD-flow-1"})
			require.NoError(t, err)
			left, err := func() (money.Money, error) {
				p, err := m.p.GetPayment(ctx, pay.ID)
				if err != nil {
					return money.Money{}, err
				}
				if p.Refunded.Currency() == "" { // Tap's charge does not report refunds
					return money.MustParse("60.00", "QAR"), nil
				}
				return p.Refundable()
			}()
			require.NoError(t, err)
			assert.True(t, left.Equal(money.MustParse("60.00", "QAR")), "left %s", left)
			rest, err := m.p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: left, Reference: "RFD-flow-2"})
			require.NoError(t, err)
			assert.NotEqual(t, part.ID, rest.ID)
			assert.Equal(t, status.Refunded, m.stored(t, pay.ID), "both refund webhooks arrived")

			var refunds int
			for _, ev := range m.received() {
				if ev.Type == qpay.EventRefund {
					refunds++
					assert.Equal(t, status.RefundSucceeded, ev.Refund.Status)
				}
			}
			assert.Equal(t, 2, refunds)

			outcomes := []struct {
				name string
				act  func(t *testing.T, pay *qpay.Payment)
				want status.Status
			}{
				{"decline", func(t *testing.T, pay *qpay.Payment) {
					_, err := sim.Pay(ctx, pay.RedirectURL, qpaytest.DeclineCard)
					require.NoError(t, err)
				}, status.Failed},
				{"cancel", func(t *testing.T, pay *qpay.Payment) {
					_, err := sim.Cancel(ctx, pay.RedirectURL)
					require.NoError(t, err)
				}, status.Canceled},
				{"expiry", func(t *testing.T, pay *qpay.Payment) {
					require.NoError(t, sim.Expire(pay.ID))
				}, status.Expired},
			}
			for i, o := range outcomes {
				t.Run(o.name, func(t *testing.T) {
					pay := m.create(t, "ORD-flow-"+o.name, "10.00")
					o.act(t, pay)
					got, err := m.p.GetPayment(ctx, pay.ID)
					require.NoError(t, err)
					assert.Equal(t, o.want, got.Status, "raw %q", got.RawStatus)
					if o.want == status.Failed {
						assert.NotEmpty(t, got.FailureMessage)
					}
					// Tap posts no webhook for an abandoned (expired) charge.
					if provider == providers.Tap && o.want == status.Expired {
						assert.Equal(t, status.Pending, m.stored(t, pay.ID))
					} else {
						assert.Equal(t, o.want, m.stored(t, pay.ID))
					}
					_, err = m.p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("1.00", "QAR"), Reference: "RFD-no-" + string(rune('a'+i))})
					assert.ErrorIs(t, err, qpay.KindInvalidRequest, "a payment that took no money cannot be refunded")
				})
			}
		})
	}
}
