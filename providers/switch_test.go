package providers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

// A merchant switches from Tap to Checkout while Tap payments are in
// flight. Through the Registry and one store: new payments go to Checkout;
// the Tap payments' webhooks, verified by the kept Tap configuration, settle
// the rows tracked under the same merchant; GetPayment, Refund and
// GetRefund of a Tap payment go to Tap; once retired, the old configuration
// verifies nothing more.
func TestRegistrySwitchKeepsPaymentsInFlightOnTheOldProvider(t *testing.T) {
	ctx := context.Background()
	sim := newSimulator(t, nil)
	mem := store.NewMemory()
	reg := providers.NewRegistry()

	var (
		mu     sync.Mutex
		events []*qpay.WebhookEvent
	)
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{merchant}", &qpay.WebhookHandler{
		Provider: reg.Resolver(func(r *http.Request) string { return r.PathValue("merchant") }),
		Handle: func(ctx context.Context, ev *qpay.WebhookEvent) error {
			_, err := mem.Process(ctx, ev, func(context.Context, store.Result) error {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, ev)
				return nil
			})
			return err
		},
	})
	hook := httptest.NewServer(mux)
	t.Cleanup(hook.Close)
	hookURL := hook.URL + "/webhooks/Y"
	sim.SetCheckoutWebhookURL(hookURL)

	create := func(p qpay.Provider, ref string) *qpay.Payment {
		t.Helper()
		req := paymentRequest(ref)
		req.WebhookURL = hookURL // Tap's post.url
		pay, err := p.CreatePayment(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, "Y", pay.Account)
		require.NoError(t, mem.Track(ctx, pay))
		return pay
	}
	stored := func(provider, id string) *store.Payment {
		t.Helper()
		sp, err := mem.Payment(ctx, "Y", provider, id)
		require.NoError(t, err)
		return sp
	}

	require.NoError(t, reg.Configure("Y", simulatorConfig(sim, providers.Tap, nil)))
	tapOnly, err := reg.Get("Y")
	require.NoError(t, err)
	toSettle := create(tapOnly, "ORD-old-1")
	toRead := create(tapOnly, "ORD-old-2")
	toRefund := create(tapOnly, "ORD-old-3")
	require.NoError(t, sim.Settle(toRefund.ID, status.Captured))
	require.Equal(t, status.Captured, stored(providers.Tap, toRefund.ID).Status)

	// The switch.
	require.NoError(t, reg.Configure("Y", simulatorConfig(sim, providers.Checkout, nil)))
	p, err := reg.Get("Y")
	require.NoError(t, err)
	assert.Equal(t, providers.Checkout, p.Name())
	assert.Equal(t, []string{providers.Tap}, reg.Older("Y"))

	// New payments go to the new provider.
	tapCreates := sim.Requests(qpaytest.ProviderTap, qpaytest.OpCreatePayment)
	fresh := create(p, "ORD-new-1")
	assert.True(t, strings.HasPrefix(fresh.ID, "pay_"), fresh.ID)
	assert.Equal(t, tapCreates, sim.Requests(qpaytest.ProviderTap, qpaytest.OpCreatePayment))
	assert.Equal(t, 1, sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpCreatePayment))

	// The old provider's capture webhook settles the row tracked under Y.
	require.NoError(t, sim.Settle(toSettle.ID, status.Captured))
	assert.Equal(t, status.Captured, stored(providers.Tap, toSettle.ID).Status)

	// GetPayment of an old payment goes to Tap, and only there.
	ckoGets := sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpGetPayment)
	got, err := p.GetPayment(ctx, toRead.ID)
	require.NoError(t, err)
	assert.Equal(t, providers.Tap, got.Provider)
	assert.Equal(t, "Y", got.Account)
	assert.Equal(t, status.Pending, got.Status)
	assert.Equal(t, ckoGets, sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpGetPayment))

	// So does the shopper's return from Tap's page.
	ret, err := qpay.PaymentFromReturn(ctx, p, httptest.NewRequest("GET", "/return?"+url.Values{"tap_id": {toRead.ID}}.Encode(), nil))
	require.NoError(t, err)
	assert.Equal(t, toRead.ID, ret.ID)

	// A refund of an old payment goes to Tap; its webhook counts it once,
	// under Y.
	ref, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: toRefund.ID, Amount: toRefund.Amount, Reference: "RFD-old-3"})
	require.NoError(t, err)
	assert.Equal(t, providers.Tap, ref.Provider)
	assert.Equal(t, "Y", ref.Account)
	assert.Zero(t, sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpRefund))
	sp := stored(providers.Tap, toRefund.ID)
	assert.Equal(t, status.Refunded, sp.Status)
	assert.True(t, sp.Refunded.Equal(toRefund.Amount), "refunded %s", sp.Refunded)
	// GetRefund follows the payment too, where the Tap adapter reads
	// refunds back; until then the Registry says it is unsupported.
	back, err := p.(qpay.RefundGetter).GetRefund(ctx, toRefund.ID, ref.ID)
	if _, ok := tapOnly.(qpay.RefundGetter); ok {
		require.NoError(t, err)
		assert.Equal(t, ref.ID, back.ID)
	} else {
		assert.ErrorIs(t, err, qpay.KindUnsupported)
	}

	// The new provider's webhooks settle under Y too.
	require.NoError(t, sim.Settle(fresh.ID, status.Captured))
	assert.Equal(t, status.Captured, stored(providers.Checkout, fresh.ID).Status)

	// Every delivery so far was taken, and every event carried Y.
	for _, d := range sim.Deliveries() {
		assert.Equal(t, http.StatusOK, d.Status, "%s %s", d.Provider, d.Event)
	}
	mu.Lock()
	for _, ev := range events {
		assert.Equal(t, "Y", ev.Account, ev.ID)
	}
	mu.Unlock()

	// Retired, the old configuration verifies nothing more: a Tap webhook
	// is a bad signature (401), and a Tap ID is the new provider's to
	// answer (it has no such payment).
	n, err := reg.Retire("Y")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, reg.Older("Y"))
	header, body, err := sim.Webhook(toRead.ID)
	require.NoError(t, err)
	req, err := http.NewRequest("POST", hookURL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	p, err = reg.Get("Y")
	require.NoError(t, err)
	_, err = p.GetPayment(ctx, toRead.ID)
	assert.Error(t, err)
}

// What the Registry keeps and refuses when a merchant's configuration
// changes.
func TestRegistryKeepsOlderConfigurations(t *testing.T) {
	sim := newSimulator(t, nil)
	tapCfg := simulatorConfig(sim, providers.Tap, nil)
	ckoCfg := simulatorConfig(sim, providers.Checkout, nil)

	t.Run("the same configuration again is kept once", func(t *testing.T) {
		reg := providers.NewRegistry()
		for range 10 {
			require.NoError(t, reg.Configure("Y", tapCfg))
		}
		assert.Empty(t, reg.Older("Y"))
		require.NoError(t, reg.Configure("Y", ckoCfg))
		require.NoError(t, reg.Configure("Y", tapCfg)) // back to Tap: Checkout kept, Tap not twice
		assert.Equal(t, []string{providers.Checkout}, reg.Older("Y"))
	})
	t.Run("at most MaxOlderConfigs, never dropped silently", func(t *testing.T) {
		reg := providers.NewRegistry()
		for i := range providers.MaxOlderConfigs + 1 {
			cfg := tapCfg
			cfg.MerchantID = string(rune('a' + i)) // another Tap account each time
			require.NoError(t, reg.Configure("Y", cfg))
		}
		assert.Len(t, reg.Older("Y"), providers.MaxOlderConfigs)
		err := reg.Configure("Y", ckoCfg)
		assert.ErrorContains(t, err, "Retire")
		p, _ := reg.Get("Y")
		assert.Equal(t, providers.Tap, p.Name(), "a refused configuration changes nothing")
		_, err = reg.Retire("Y")
		require.NoError(t, err)
		require.NoError(t, reg.Configure("Y", ckoCfg))
	})
	t.Run("every configuration of a merchant stamps the same account", func(t *testing.T) {
		reg := providers.NewRegistry()
		require.NoError(t, reg.Configure("Y", tapCfg))
		other := ckoCfg
		other.Account = "Y-checkout"
		assert.ErrorContains(t, reg.Configure("Y", other), "Remove")
		reg.Remove("Y")
		require.NoError(t, reg.Configure("Y", other))
	})
	t.Run("unknown merchant", func(t *testing.T) {
		_, err := providers.NewRegistry().Retire("Z")
		assert.ErrorIs(t, err, providers.ErrUnknownMerchant)
	})
	t.Run("a forged webhook is tried against each configuration and refused", func(t *testing.T) {
		reg := providers.NewRegistry()
		require.NoError(t, reg.Configure("Y", tapCfg))
		require.NoError(t, reg.Configure("Y", ckoCfg))
		p, _ := reg.Get("Y")
		body, err := qpaytest.TapChargeJSON("chg_TS07A0320241133g5RO1906000", "CAPTURED", money.MustParse("1.00", "QAR"), "ORD-1")
		require.NoError(t, err)
		h := http.Header{"Hashstring": {strings.Repeat("0", 64)}}
		_, err = p.ParseWebhook(context.Background(), h, body)
		assert.ErrorIs(t, err, qpay.KindInvalidSignature)
	})
}

// Two configurations of the same provider (a Tap account replaced by
// another) make IDs alike: the current one is asked first, and the older
// one only when the current answers KindNotFound.
func TestRegistryRoutesIDsOfTheSameShapeByNotFound(t *testing.T) {
	ctx := context.Background()
	oldTap, err := qpaytest.NewFake(qpaytest.ProviderTap)
	require.NoError(t, err)
	t.Cleanup(oldTap.Close)
	newTap, err := qpaytest.NewFake(qpaytest.ProviderTap)
	require.NoError(t, err)
	t.Cleanup(newTap.Close)

	reg := providers.NewRegistry()
	require.NoError(t, reg.Put("Y", oldTap))
	pay, err := oldTap.CreatePayment(ctx, paymentRequest("ORD-1"))
	require.NoError(t, err)
	require.NoError(t, oldTap.Settle(ctx, pay.ID, status.Captured))
	require.NoError(t, reg.Put("Y", newTap))
	p, err := reg.Get("Y")
	require.NoError(t, err)

	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Captured, got.Status)
	assert.Equal(t, 1, newTap.Server().Requests(qpaytest.ProviderTap, qpaytest.OpGetPayment), "the current configuration was asked first")
	_, err = p.Refund(ctx, refundRequest(pay.ID, "RFD-1"))
	require.NoError(t, err)
	assert.Zero(t, newTap.Server().Requests(qpaytest.ProviderTap, qpaytest.OpRefund))
	assert.Equal(t, 1, oldTap.Server().Requests(qpaytest.ProviderTap, qpaytest.OpRefund))

	// A payment neither has is the current configuration's KindNotFound.
	_, err = p.GetPayment(ctx, "chg_TS07A0320241133g5RO1906000")
	assert.ErrorIs(t, err, qpay.KindNotFound)
}

// A merchant ID is the account every row of the merchant is stored under:
// one a store would refuse is refused when configured, not at the first
// webhook.
func TestRegistryRefusesAccountsAStoreCannotKeep(t *testing.T) {
	sim := newSimulator(t, nil)
	reg := providers.NewRegistry()
	for _, id := range []string{"shop\u009b1", "shop\u00851", "shop\u202e1", "shop\u200b1", strings.Repeat("s", 256)} {
		assert.ErrorContains(t, reg.Configure(id, simulatorConfig(sim, providers.Tap, nil)), "account must be", "%q", id)
	}
	assert.NoError(t, reg.Configure(strings.Repeat("s", 255), simulatorConfig(sim, providers.Tap, nil)))
	assert.NoError(t, reg.Configure("متجر-الدوحة", simulatorConfig(sim, providers.Tap, nil)))
}
