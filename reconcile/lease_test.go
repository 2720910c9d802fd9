package reconcile_test

import (
	"context"
	"errors"
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

// slowRead is a provider whose GetPayment takes as long as its context
// allows, recording how long its deadline left it.
type slowRead struct {
	qpay.Provider
	mu      sync.Mutex
	left    time.Duration
	bounded bool
}

func (s *slowRead) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	dl, ok := ctx.Deadline()
	s.mu.Lock()
	s.left, s.bounded = time.Until(dl), ok
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, &qpay.Error{Kind: qpay.KindCanceled, Err: ctx.Err()}
	case <-time.After(30 * time.Second):
		return nil, errors.New("the read-back was never cut off")
	}
}

// A provider call slower than the lease allows is cut off before the lease
// ends, so that no other replica can take the item while this one still
// reads it: the item is failed, saying why, and handed back while still
// this replica's (not lost).
func TestReadBackIsCutOffBeforeItsLeaseEnds(t *testing.T) {
	const lease = 400 * time.Millisecond // real time here: the fake clock stands still
	s := newShop(t, providers.Checkout)
	pay := s.create(t, "10.00")
	p, err := s.reg.Get(merchant)
	require.NoError(t, err)
	slow := &slowRead{Provider: p}
	s.reg.Remove(merchant)
	require.NoError(t, s.reg.Put(merchant, slow))
	s.rec.Lease = lease

	stats, err := s.rec.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, reconcile.Stats{Leased: 1, Failed: 1}, stats, "failed, and not lost")
	slow.mu.Lock()
	require.True(t, slow.bounded, "the read-back has a deadline")
	assert.LessOrEqual(t, slow.left, lease-lease/8, "cut off an eighth of the lease before it ends")
	slow.mu.Unlock()
	assert.Contains(t, s.logs.String(), "lease was ending")

	got, err := s.st.Payment(context.Background(), merchant, providers.Checkout, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, got.Status)
	assert.Empty(t, s.results())
}

// stalledRead is the provider of a replica that stalls (a paused process)
// in the middle of a read-back, ignoring its context: it reads the truth,
// then waits until released, and answers with status when it is set (an
// older state, read before the one another replica read).
type stalledRead struct {
	qpay.Provider
	reading chan struct{} // closed when the read has begun
	release chan struct{} // closed by the test
	status  status.Status
}

func (s *stalledRead) GetPayment(_ context.Context, id string) (*qpay.Payment, error) {
	p, err := s.Provider.GetPayment(context.Background(), id)
	close(s.reading)
	<-s.release
	if err == nil && s.status != status.Unknown {
		p.Status, p.RawStatus = s.status, "Pending"
	}
	return p, err
}

// TestStalledReplicaPastItsLease is a replica that stalls past its lease in
// the middle of a read-back while another replica takes the item, reads it
// and applies it; then the stalled one wakes and applies its own answer.
// Both read, both apply, and the merchant still acts once and the stored
// state stays the newest: the same fact read twice is one event (its ID
// names the fact), an older fact is stale to the state machine, and the
// stalled replica's release says its lease was lost. With the memory store
// and with PostgreSQL (two replicas, each its own pool).
func TestStalledReplicaPastItsLease(t *testing.T) {
	stores := map[string]func(t *testing.T, now func() time.Time) (a, b reconcile.Store){
		"memory": func(*testing.T, func() time.Time) (reconcile.Store, reconcile.Store) {
			m := store.NewMemory()
			return m, m
		},
		"postgres": func(t *testing.T, now func() time.Time) (reconcile.Store, reconcile.Store) {
			pg := pgReplicas(t, 2, now)
			return pg[0], pg[1]
		},
	}
	answers := map[string]struct {
		stalled    status.Status // what the stalled replica answers; Unknown: the truth
		wantResult int           // Results the merchant's function sees
	}{
		"the same fact": {status.Unknown, 1},    // a duplicate: the function is not called again
		"an older fact": {status.Processing, 2}, // stale: called with Applied false
	}
	for storeName, open := range stores {
		for answerName, answer := range answers {
			t.Run(storeName+"/"+answerName, func(t *testing.T) {
				ctx := context.Background()
				// The real time until the payment is tracked, then past its
				// due bound.
				clk := newClock(time.Now())
				a, b := open(t, clk.now)
				sim, err := qpaytest.NewServer(qpaytest.Options{})
				require.NoError(t, err)
				t.Cleanup(sim.Close)
				reg := providers.NewRegistry()
				require.NoError(t, reg.Configure(merchant, sim.Config(providers.Tap)))
				p, err := reg.Get(merchant)
				require.NoError(t, err)
				pay, err := p.CreatePayment(ctx, qpay.PaymentRequest{
					Amount: money.MustParse("42.00", "QAR"), Reference: "ORD-1",
					Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
					ReturnURL: "http://shop.test/return",
				})
				require.NoError(t, err)
				require.NoError(t, a.Track(ctx, pay))
				require.NoError(t, sim.Settle(pay.ID, status.Captured))

				var (
					f       fulfilment
					mu      sync.Mutex
					results []store.Result
				)
				handle := func(ctx context.Context, r store.Result) error {
					mu.Lock()
					results = append(results, r)
					mu.Unlock()
					return f.handle(ctx, r)
				}
				clk.add(reconcile.DefaultPaymentAfter + time.Minute)
				stalled := &stalledRead{Provider: p, reading: make(chan struct{}), release: make(chan struct{}), status: answer.stalled}
				recA := &reconcile.Reconciler{Store: a, Handle: handle, Owner: "replica-a", Now: clk.now, Rate: 1e6,
					Provider: func(string) (qpay.Provider, error) { return stalled, nil }}
				recB := &reconcile.Reconciler{Store: b, Handle: handle, Owner: "replica-b", Now: clk.now, Rate: 1e6,
					Provider: reg.Get}

				type round struct {
					stats reconcile.Stats
					err   error
				}
				doneA := make(chan round, 1)
				go func() {
					s, err := recA.RunOnce(ctx)
					doneA <- round{s, err}
				}()
				<-stalled.reading
				clk.add(reconcile.DefaultLease + time.Second) // replica A's lease is over

				statsB, err := recB.RunOnce(ctx)
				require.NoError(t, err)
				assert.Equal(t, reconcile.Stats{Leased: 1, Applied: 1}, statsB, "replica B took the item and applied it")

				close(stalled.release)
				ra := <-doneA
				require.NoError(t, ra.err)
				assert.Equal(t, reconcile.Stats{Leased: 1, Unchanged: 1, Lost: 1}, ra.stats, "replica A applied nothing and lost its lease")

				assert.Equal(t, map[string][]status.Status{pay.ID: {status.Captured}}, f.applied, "the merchant acted once")
				got, err := b.Payment(ctx, merchant, providers.Tap, pay.ID)
				require.NoError(t, err)
				assert.Equal(t, status.Captured, got.Status)
				mu.Lock()
				defer mu.Unlock()
				require.Len(t, results, answer.wantResult)
				if answer.wantResult == 2 {
					assert.False(t, results[1].Applied)
					assert.ErrorIs(t, results[1].Ignored, status.ErrStale)
				}
			})
		}
	}
}
