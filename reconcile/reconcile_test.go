package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/reconcile"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// shop is one merchant on the simulator with a memory store, a webhook
// endpoint and a reconciler, both wired to the same function.
type shop struct {
	sim  *qpaytest.Server
	reg  *providers.Registry
	st   *store.Memory
	rec  *reconcile.Reconciler
	clk  *clock
	logs *syncBuffer
	f    fulfilment
	all  []store.Result // every Result the function saw
	mu   sync.Mutex
}

const merchant = "merchant-1"

func newShop(t *testing.T, provider string) *shop {
	t.Helper()
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	s := &shop{sim: sim, reg: providers.NewRegistry(), st: store.NewMemory(), logs: &syncBuffer{},
		clk: newClock(time.Now().Add(reconcile.DefaultPaymentAfter + time.Minute))}
	require.NoError(t, s.reg.Configure(merchant, sim.Config(provider)))
	s.rec = &reconcile.Reconciler{
		Store: s.st, Provider: s.reg.Get, Handle: s.handle, Now: s.clk.now, Rate: 1e6,
		Logger: slog.New(slog.NewJSONHandler(s.logs, nil)),
	}
	return s
}

func (s *shop) handle(ctx context.Context, r store.Result) error {
	s.mu.Lock()
	s.all = append(s.all, r)
	s.mu.Unlock()
	return s.f.handle(ctx, r)
}

func (s *shop) results() []store.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Result(nil), s.all...)
}

func (s *shop) create(t *testing.T, amount string) *qpay.Payment {
	t.Helper()
	p, err := s.reg.Get(merchant)
	require.NoError(t, err)
	pay, err := p.CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount: money.MustParse(amount, "QAR"), Reference: "ORD-1",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "http://shop.test/return",
	})
	require.NoError(t, err)
	require.NoError(t, s.st.Track(context.Background(), pay))
	return pay
}

// webhook delivers what the provider would have sent for id through a
// qpay.WebhookHandler wired to the same function.
func (s *shop) webhook(t *testing.T, id string) int {
	t.Helper()
	header, body, err := s.sim.Webhook(id)
	require.NoError(t, err)
	h := &qpay.WebhookHandler{
		Provider: s.reg.Resolver(func(*http.Request) string { return merchant }),
		Handle: func(ctx context.Context, ev *qpay.WebhookEvent) error {
			_, err := s.st.Process(ctx, ev, s.handle)
			return err
		},
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

func (s *shop) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// An abandoned Tap payment gets no webhook: the reconciler reads it back
// as expired and the merchant's function sees it, once.
func TestAbandonedTapPaymentReachesExpired(t *testing.T) {
	s := newShop(t, providers.Tap)
	pay := s.create(t, "79.10")
	require.NoError(t, s.sim.Expire(pay.ID))

	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Applied: 1}, stats)
	got, err := s.st.Payment(context.Background(), merchant, providers.Tap, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Expired, got.Status)
	res := s.results()
	require.Len(t, res, 1)
	assert.True(t, res[0].Applied)
	assert.Equal(t, status.Pending, res[0].Previous)
	assert.Equal(t, status.Expired, res[0].Current)
	assert.Equal(t, "reconcile:"+pay.ID+":expired", res[0].EventID)

	// Final: never due again.
	s.clk.add(30 * 24 * time.Hour)
	stats, err = s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Zero(t, stats.Leased)

	lines := s.lines(t)
	require.Len(t, lines, 1, "one line per action")
	l := lines[0]
	assert.Equal(t, "qpay: reconcile applied", l["msg"])
	assert.Equal(t, "applied", l["action"])
	assert.Equal(t, merchant, l["account"])
	assert.Equal(t, pay.ID, l["id"])
	assert.Equal(t, "pending", l["stored"])
	assert.Equal(t, "expired", l["provider_status"])
	assert.NotContains(t, s.logs.String(), s.sim.TapSecretKey().Reveal())
}

// A capture whose webhook was lost is applied by the reconciler; the
// webhook arriving after that is a repeat, and the merchant fulfils once.
func TestLateWebhookAfterReadBackIsNotAppliedTwice(t *testing.T) {
	for _, provider := range []string{providers.Tap, providers.Checkout, providers.MPGS} {
		t.Run(provider, func(t *testing.T) {
			s := newShop(t, provider)
			pay := s.create(t, "50.00")
			require.NoError(t, s.sim.Settle(pay.ID, status.Captured))

			stats, err := s.rec.RunOnce(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 1, stats.Applied)
			assert.Equal(t, http.StatusOK, s.webhook(t, pay.ID))

			assert.Equal(t, map[string][]status.Status{pay.ID: {status.Captured}}, s.f.applied, "fulfilled once")
			res := s.results()
			require.Len(t, res, 2, "the webhook reaches the same function")
			assert.False(t, res[1].Applied)
			assert.ErrorIs(t, res[1].Ignored, status.ErrUnchanged)
		})
	}
}

// A payment the provider still reports pending is not sent to the store,
// and is read again only after its backoff, which doubles.
func TestStillPendingBacksOff(t *testing.T) {
	s := newShop(t, providers.Checkout)
	s.rec.MinBackoff = 10 * time.Minute
	s.rec.MaxBackoff = 25 * time.Minute
	pay := s.create(t, "20.00")
	reads := func() int { return s.sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpGetPayment) }

	run := func() reconcile.Stats {
		st, err := s.rec.RunOnce(context.Background())
		require.NoError(t, err)
		return st
	}
	assert.Equal(t, reconcile.Stats{Leased: 1, Unchanged: 1}, run())
	assert.Equal(t, reconcile.Stats{}, run(), "not again in the same round")
	s.clk.add(9 * time.Minute)
	assert.Equal(t, reconcile.Stats{}, run(), "inside the first backoff")
	s.clk.add(2*time.Minute + 30*time.Second) // past 10 minutes plus the jitter
	assert.Equal(t, reconcile.Stats{Leased: 1, Unchanged: 1}, run())
	s.clk.add(12 * time.Minute)
	assert.Equal(t, reconcile.Stats{}, run(), "the second backoff is 20 minutes")
	s.clk.add(11 * time.Minute)
	assert.Equal(t, reconcile.Stats{Leased: 1, Unchanged: 1}, run())
	s.clk.add(28 * time.Minute) // capped at 25 minutes, plus the jitter
	assert.Equal(t, reconcile.Stats{Leased: 1, Unchanged: 1}, run())
	assert.Equal(t, 4, reads())
	assert.Empty(t, s.results(), "nothing new: the function is not called")
	_ = pay
}

// refundGetter adds qpay.RefundGetter to a Provider, answering from the
// simulator's state. It stands in for the drivers' GetRefund, which is
// built on another branch (trust-webhooks) and not on main yet.
type refundGetter struct {
	qpay.Provider
	sim   *qpaytest.Server
	calls int
}

func (g *refundGetter) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	g.calls++
	v, err := g.sim.Lookup(paymentID)
	if err != nil {
		return nil, &qpay.Error{Kind: qpay.KindNotFound, Err: err}
	}
	for _, r := range v.Refunds {
		if r.ID == refundID {
			return &qpay.Refund{Provider: g.Name(), Account: merchant, ID: r.ID, PaymentID: paymentID,
				Status: r.Status, RawStatus: r.RawStatus, Amount: r.Amount}, nil
		}
	}
	return nil, &qpay.Error{Kind: qpay.KindNotFound, Message: "no refund " + refundID}
}

// A refund stored as pending whose completion webhook was lost is read
// back and counted; a Provider that cannot read refunds back leaves it,
// saying so.
func TestPendingRefundIsReadBack(t *testing.T) {
	s := newShop(t, providers.Tap)
	pay := s.create(t, "100.00")
	require.NoError(t, s.sim.Settle(pay.ID, status.Captured))
	header, body, err := s.sim.Webhook(pay.ID)
	require.NoError(t, err)
	p, _ := s.reg.Get(merchant)
	ev, err := p.ParseWebhook(context.Background(), header, body)
	require.NoError(t, err)
	_, err = s.st.Process(context.Background(), ev, s.handle)
	require.NoError(t, err)

	ref, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
	require.NoError(t, err)
	// The store heard of the refund while it was pending (its answer),
	// and never of its success.
	pending := *ref
	pending.Status, pending.RawStatus = status.RefundPending, "PENDING"
	_, err = s.st.Process(context.Background(), reconcile.RefundEvent(&pending), nil)
	require.NoError(t, err)
	s.clk.add(reconcile.DefaultRefundAfter)

	// Without qpay.RefundGetter: failed, logged, retried later.
	s.reg.Remove(merchant)
	require.NoError(t, s.reg.Put(merchant, onlyProvider{p}))
	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Failed: 1}, stats)
	assert.Contains(t, s.logs.String(), "cannot read a refund back")

	g := &refundGetter{Provider: p, sim: s.sim}
	s.reg.Remove(merchant)
	require.NoError(t, s.reg.Put(merchant, g))
	s.clk.add(2 * time.Minute)
	stats, err = s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Applied: 1}, stats)
	assert.Equal(t, 1, g.calls)
	got, err := s.st.Payment(context.Background(), merchant, providers.Tap, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.PartiallyRefunded, got.Status)
	assert.Equal(t, "QAR 30.00", got.Refunded.String())
	res := s.results()
	last := res[len(res)-1]
	assert.Equal(t, status.RefundSucceeded, last.RefundCurrent)
	assert.Equal(t, status.PartiallyRefunded, last.Current)
}

// cancelOnRead cancels the round's context on its first read-back.
type cancelOnRead struct {
	qpay.Provider
	cancel context.CancelFunc
}

func (c cancelOnRead) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	c.cancel()
	return c.Provider.GetPayment(ctx, id)
}

// A round whose context ends stops, and hands back what it had not read.
func TestCanceledRoundStopsAndReleases(t *testing.T) {
	s := newShop(t, providers.Checkout)
	for range 10 {
		s.create(t, "10.00")
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, _ := s.reg.Get(merchant)
	s.reg.Remove(merchant)
	require.NoError(t, s.reg.Put(merchant, cancelOnRead{Provider: p, cancel: cancel}))
	s.rec.Workers = 1
	stats, err := s.rec.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 10, stats.Leased, "one batch")
	assert.Equal(t, 10, stats.Applied+stats.Unchanged+stats.Failed+stats.Skipped, "each item accounted for")
	assert.GreaterOrEqual(t, stats.Skipped, 8, "the unread ones handed back")
	assert.Len(t, s.lines(t), 10, "one line per item")
	assert.LessOrEqual(t, s.sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpGetPayment), 1, "nothing read after the cancel")

	other, err := s.st.LeaseDue(context.Background(), store.DueQuery{Now: s.clk.now(), PaymentAfter: reconcile.DefaultPaymentAfter,
		Limit: 100, Owner: "other", Lease: time.Minute})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(other), 9, "the unread items are free at once")
}

// An answer for another account or another payment is never applied.
type wrongAnswer struct{ qpay.Provider }

func (w wrongAnswer) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	p, err := w.Provider.GetPayment(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Account = "merchant-2"
	p.Status = status.Captured
	return p, nil
}

func TestAnswerForAnotherAccountIsRefused(t *testing.T) {
	s := newShop(t, providers.Tap)
	pay := s.create(t, "10.00")
	p, _ := s.reg.Get(merchant)
	s.reg.Remove(merchant)
	require.NoError(t, s.reg.Put(merchant, wrongAnswer{p}))
	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Failed: 1}, stats)
	got, err := s.st.Payment(context.Background(), merchant, providers.Tap, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, got.Status)
	assert.Empty(t, s.results())
	lines := s.lines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "ERROR", lines[0]["level"])
}

// A merchant who switched provider keeps its old payments readable
// through the Registry, which routes them by ID to the old configuration.
func TestReadBackAfterAProviderSwitch(t *testing.T) {
	s := newShop(t, providers.Tap)
	pay := s.create(t, "10.00")
	require.NoError(t, s.sim.Expire(pay.ID))
	require.NoError(t, s.reg.Configure(merchant, s.sim.Config(providers.Checkout)))
	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Applied: 1}, stats)
	got, err := s.st.Payment(context.Background(), merchant, providers.Tap, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Expired, got.Status)
}

// A merchant now on another provider with nothing to read the old
// payments with, or unknown, fails its items, which are retried after the
// backoff.
func TestUnresolvableAccountFails(t *testing.T) {
	s := newShop(t, providers.Tap)
	s.create(t, "10.00")
	f, err := qpaytest.NewFake(qpaytest.ProviderCheckout)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, s.reg.Put(merchant, onlyProvider{f}))
	_, err = s.reg.Retire(merchant)
	require.NoError(t, err)
	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Failed: 1}, stats)
	assert.Contains(t, s.logs.String(), "is now on checkout")

	s.reg.Remove(merchant)
	s.clk.add(2 * time.Minute)
	stats, err = s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Failed: 1}, stats)
	assert.True(t, errors.Is(providers.ErrUnknownMerchant, qpay.KindNotFound))
	assert.Contains(t, s.logs.String(), "unknown merchant")
}

func TestMissingFieldsAreRefused(t *testing.T) {
	_, err := (&reconcile.Reconciler{}).RunOnce(context.Background())
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
}

// onlyProvider hides every optional capability of a Provider.
type onlyProvider struct{ p qpay.Provider }

func (o onlyProvider) Name() string { return o.p.Name() }
func (o onlyProvider) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	return o.p.CreatePayment(ctx, req)
}
func (o onlyProvider) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	return o.p.GetPayment(ctx, id)
}
func (o onlyProvider) Refund(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	return o.p.Refund(ctx, req)
}
func (o onlyProvider) ParseWebhook(ctx context.Context, h http.Header, body []byte) (*qpay.WebhookEvent, error) {
	return o.p.ParseWebhook(ctx, h, body)
}

// An item whose lease is about to end when its turn comes is handed back
// unread, never read while another replica may take it; a round whose
// every item was handed back so ends instead of leasing again and again.
func TestItemsWhoseLeaseEndsAreHandedBackUnread(t *testing.T) {
	s := newShop(t, providers.Checkout)
	s.create(t, "10.00")
	s.create(t, "11.00")
	var calls atomic.Int64
	start := s.clk.now()
	// Each look at the clock is 100 seconds after the previous one: the
	// two-minute lease is nearly over by the time an item is handled.
	s.rec.Now = func() time.Time { return start.Add(time.Duration(calls.Add(1)) * 100 * time.Second) }
	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 2, Skipped: 2}, stats)
	assert.Zero(t, s.sim.Requests(qpaytest.ProviderCheckout, qpaytest.OpGetPayment), "nothing read")
	assert.Contains(t, s.logs.String(), "batch outlived its lease")
	other, err := s.st.LeaseDue(context.Background(), store.DueQuery{Now: start.Add(time.Hour), PaymentAfter: reconcile.DefaultPaymentAfter,
		Limit: 10, Owner: "other", Lease: time.Minute})
	require.NoError(t, err)
	assert.Len(t, other, 2, "handed back, free for another replica")
}

// A refund stored as pending whose completion webhook was lost is read
// back from the provider itself (qpay.RefundGetter of package providers)
// and counted once, through the merchant's function.
func TestPendingRefundIsReadBackFromTheProvider(t *testing.T) {
	for _, provider := range []string{providers.Tap, providers.Checkout, providers.MPGS} {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			s := newShop(t, provider)
			pay := s.create(t, "100.00")
			require.NoError(t, s.sim.Settle(pay.ID, status.Captured))
			p, err := s.reg.Get(merchant)
			require.NoError(t, err)
			captured, err := p.GetPayment(ctx, pay.ID)
			require.NoError(t, err)
			require.NoError(t, s.st.Track(ctx, captured))

			ref, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
			require.NoError(t, err)
			// The store heard of the refund while it was pending (Tap's
			// answer, Checkout's 202) and never of its success.
			pending := *ref
			pending.Status, pending.RawStatus = status.RefundPending, "PENDING"
			_, err = s.st.Process(ctx, reconcile.RefundEvent(&pending), nil)
			require.NoError(t, err)

			s.clk.add(reconcile.DefaultRefundAfter)
			stats, err := s.rec.RunOnce(ctx)
			require.NoError(t, err)
			assert.Equal(t, reconcile.Stats{Leased: 1, Applied: 1}, stats)
			got, err := s.st.Payment(ctx, merchant, provider, pay.ID)
			require.NoError(t, err)
			assert.Equal(t, status.PartiallyRefunded, got.Status)
			assert.Equal(t, "QAR 30.00", got.Refunded.String())
			res := s.results()
			require.NotEmpty(t, res)
			last := res[len(res)-1]
			assert.Equal(t, status.RefundPending, last.RefundPrevious)
			assert.Equal(t, status.RefundSucceeded, last.RefundCurrent)

			s.clk.add(24 * time.Hour)
			stats, err = s.rec.RunOnce(ctx)
			require.NoError(t, err)
			assert.Zero(t, stats.Leased, "settled: never due again")
		})
	}
}
