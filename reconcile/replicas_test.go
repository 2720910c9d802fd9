package reconcile_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// fulfilment is the merchant's function: the one the webhook path passes to
// Store.Process, here handed to the reconcilers. It counts what it acted on.
type fulfilment struct {
	mu      sync.Mutex
	applied map[string][]status.Status // payment ID -> statuses acted on
}

func (f *fulfilment) handle(_ context.Context, r store.Result) error {
	if !r.Applied || r.Payment == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.applied == nil {
		f.applied = map[string][]status.Status{}
	}
	f.applied[r.Payment.ID] = append(f.applied[r.Payment.ID], r.Current)
	return nil
}

// readsPerPayment counts the simulator's GET of each payment, for both
// providers.
func readsPerPayment(sim *qpaytest.Server) map[string]int {
	out := map[string]int{}
	for _, pr := range []string{qpaytest.ProviderTap, qpaytest.ProviderCheckout} {
		for _, c := range sim.Calls(pr, qpaytest.OpGetPayment) {
			out[c.Path[strings.LastIndexByte(c.Path, '/')+1:]]++
		}
	}
	return out
}

// TestThreeReplicasShareOneDatabase is the reconcilers of three replicas
// on one PostgreSQL database, with 500 payments whose webhooks never came,
// across two merchants (one on Tap, one on Checkout) on the simulator, and
// a fourth replica that leased a batch and died before releasing it.
func TestThreeReplicasShareOneDatabase(t *testing.T) {
	const (
		total  = 500
		killed = 40 // leased by the replica that dies
		lease  = 2 * time.Minute
	)
	clk := newClock(time.Now()) // the real time while the payments are made, then past their due bound
	stores := pgReplicas(t, 4, clk.now)
	sim, err := qpaytest.NewServer(qpaytest.Options{}) // no webhook URL: every webhook is lost
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("merchant-tap", sim.Config(providers.Tap)))
	require.NoError(t, reg.Configure("merchant-checkout", sim.Config(providers.Checkout)))

	// 500 payments: a quarter each captured, failed and expired at the
	// provider, a quarter still pending; the store has seen none of that.
	ctx := context.Background()
	want := map[string]status.Status{}
	for i := range total {
		merchant := []string{"merchant-tap", "merchant-checkout"}[i%2]
		p, err := reg.Get(merchant)
		require.NoError(t, err)
		pay, err := p.CreatePayment(ctx, qpay.PaymentRequest{
			Amount: money.MustParse(fmt.Sprintf("%d.00", 10+i), "QAR"), Reference: fmt.Sprintf("ORD-%04d", i),
			Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
			ReturnURL: "http://shop.test/return",
		})
		require.NoError(t, err)
		require.NoError(t, stores[i%3].Track(ctx, pay))
		final := []status.Status{status.Captured, status.Failed, status.Expired, status.Pending}[(i/2)%4]
		if final != status.Pending {
			require.NoError(t, sim.Settle(pay.ID, final))
		}
		want[pay.ID] = final
	}

	clk.add(reconcile.DefaultPaymentAfter + time.Minute)
	var f fulfilment
	replica := func(i int) *reconcile.Reconciler {
		return &reconcile.Reconciler{
			Store: stores[i], Provider: reg.Get, Handle: f.handle, Owner: fmt.Sprintf("replica-%d", i),
			Batch: 25, Lease: lease, Rate: 1e6, MinBackoff: 10 * time.Minute, Now: clk.now,
		}
	}
	recs := []*reconcile.Reconciler{replica(0), replica(1), replica(2)}
	round := func() reconcile.Stats {
		var (
			mu   sync.Mutex
			sum  reconcile.Stats
			wg   sync.WaitGroup
			each = make([]int, len(recs))
		)
		defer func() { t.Logf("leased by each replica: %v", each) }()
		for i, r := range recs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := r.RunOnce(ctx)
				assert.NoError(t, err)
				mu.Lock()
				each[i] = s.Leased
				sum.Leased += s.Leased
				sum.Applied += s.Applied
				sum.Unchanged += s.Unchanged
				sum.Failed += s.Failed
				sum.Lost += s.Lost
				mu.Unlock()
			}()
		}
		wg.Wait()
		return sum
	}

	// The fourth replica leases a batch and is killed: it never reads nor
	// releases it.
	dead, err := stores[3].LeaseDue(ctx, store.DueQuery{Now: clk.now(), PaymentAfter: reconcile.DefaultPaymentAfter,
		RefundAfter: reconcile.DefaultRefundAfter, Limit: killed, Owner: "replica-killed", Lease: lease})
	require.NoError(t, err)
	require.Len(t, dead, killed)

	// Round 1: the three live replicas read everything but the dead one's
	// batch, once each.
	s1 := round()
	t.Logf("round 1: %+v", s1)
	assert.Equal(t, total-killed, s1.Leased)
	assert.Zero(t, s1.Failed)
	assert.Zero(t, s1.Lost)
	reads := readsPerPayment(sim)
	assert.Len(t, reads, total-killed)
	for _, d := range dead {
		assert.Zero(t, reads[d.ID], "%s is leased to the dead replica", d.ID)
	}

	// Still inside the dead replica's lease: nothing is due.
	clk.add(lease - time.Second)
	assert.Zero(t, round().Leased)

	// Past its lease: its batch is read, once, and nothing else is.
	clk.add(2 * time.Second)
	s2 := round()
	t.Logf("after the dead replica's lease: %+v", s2)
	assert.Equal(t, killed, s2.Leased)
	reads = readsPerPayment(sim)
	require.Len(t, reads, total, "none missed")
	for id, n := range reads {
		assert.Equal(t, 1, n, "%s read %d times in the round", id, n)
	}

	// Every settled payment is applied once, through the merchant's
	// function; the pending ones were never acted on.
	applied, pending := 0, 0
	for id, st := range want {
		got, err := stores[0].Payment(ctx, accountOf(id), providerOf(id), id)
		require.NoError(t, err)
		assert.Equal(t, st, got.Status, id)
		f.mu.Lock()
		calls := f.applied[id]
		f.mu.Unlock()
		if st == status.Pending {
			pending++
			assert.Empty(t, calls, id)
			continue
		}
		applied++
		assert.Equal(t, []status.Status{st}, calls, "%s applied once", id)
	}
	assert.Equal(t, applied, s1.Applied+s2.Applied)
	assert.Equal(t, pending, s1.Unchanged+s2.Unchanged)

	// Round 2, after the backoff: only the pending ones are read again,
	// once each, and nothing is applied twice.
	clk.add(11 * time.Minute)
	s3 := round()
	t.Logf("round 2: %+v", s3)
	assert.Equal(t, pending, s3.Leased)
	assert.Equal(t, pending, s3.Unchanged)
	assert.Zero(t, s3.Applied)
	for id, n := range readsPerPayment(sim) {
		wantReads := 1
		if want[id] == status.Pending {
			wantReads = 2
		}
		assert.Equal(t, wantReads, n, id)
	}
	t.Logf("counts: %d payments, %d applied once each, %d pending read twice, %d read only after the killed replica's lease",
		total, applied, pending, killed)
}

func providerOf(id string) string {
	if strings.HasPrefix(id, "chg_") {
		return providers.Tap
	}
	return providers.Checkout
}

func accountOf(id string) string {
	if strings.HasPrefix(id, "chg_") {
		return "merchant-tap"
	}
	return "merchant-checkout"
}
