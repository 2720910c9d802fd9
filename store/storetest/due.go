package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// RunDue runs the scenarios of store.DueStore, which the Stores from open
// must implement: what is due and when, leases that keep replicas apart and
// expire, and the bookkeeping of checks.
//
// The scenarios move time: open's Stores must judge leases and due times,
// and stamp their rows, by now, or by the DueQuery's Now (which is now()
// too). A store that keeps its own clock (pgstore's is the database's)
// takes now in place of it (pgstore.WithClock).
func RunDue(t *testing.T, open OpenDue) {
	t.Helper()
	scenarios := []struct {
		name string
		run  func(*testing.T, *dueClock, []store.DueStore, []store.Store)
	}{
		{"UnsettledPaymentIsDueAfterItsBound", testDueAfterBound},
		{"SettledPaymentsAndRefundsAreNeverDue", testSettledNotDue},
		{"PendingRefundIsDueAfterItsBound", testRefundDue},
		{"ALeaseKeepsOtherOwnersOutUntilItExpires", testLeaseExcludes},
		{"ReleaseSetsTheNextCheck", testReleaseNext},
		{"BatchIsBoundedPaymentsFirst", testDueLimit},
		{"AWebhookThatSettlesAPaymentEndsItsDueness", testDueSettledByEvent},
		{"AccountsAreKeptApart", testDueAccounts},
		{"MalformedQueriesAreRefused", testDueMalformed},
		{"ConcurrentReplicasLeaseEachItemOnce", testDueConcurrent},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := &dueClock{}
			stores := open(t, Replicas, c.now)
			dues := make([]store.DueStore, len(stores))
			for i, s := range stores {
				d, ok := s.(store.DueStore)
				require.True(t, ok, "%T does not implement store.DueStore", s)
				dues[i] = d
			}
			sc.run(t, c, dues, stores)
		})
	}
}

const (
	dueAfter = time.Hour
	dueLease = 2 * time.Minute
)

// OpenDue is Open for RunDue: the Stores use now as their clock.
type OpenDue func(t *testing.T, n int, now func() time.Time) []store.Store

// dueClock is the scenarios' clock: the real one moved by a settable
// offset, shared by the queries and the stores.
type dueClock struct{ offset atomic.Int64 }

func (c *dueClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// query moves the clock to the real time plus at and returns a lease by
// owner at it, with the suite's bounds.
func (c *dueClock) query(owner string, at time.Duration, limit int) store.DueQuery {
	c.offset.Store(int64(at))
	return store.DueQuery{Now: c.now(), PaymentAfter: dueAfter, RefundAfter: dueAfter,
		Limit: limit, Owner: owner, Lease: dueLease}
}

func lease(t *testing.T, d store.DueStore, q store.DueQuery) []store.Due {
	t.Helper()
	got, err := d.LeaseDue(context.Background(), q)
	require.NoError(t, err)
	return got
}

func dueIDs(ds []store.Due) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func dueID(i int) string { return fmt.Sprintf("chg_DUE%06d", i) }

func testDueAfterBound(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Pending, qar("79.10")))
	assert.Empty(t, lease(t, d[0], c.query("a", 0, 10)), "just tracked: not due")
	assert.Empty(t, lease(t, d[0], c.query("a", dueAfter-time.Minute, 10)), "inside the bound: not due")

	got := lease(t, d[0], c.query("a", dueAfter+time.Minute, 10))
	require.Len(t, got, 1)
	g := got[0]
	assert.Equal(t, qpay.EventPayment, g.Type)
	assert.Equal(t, provider, g.Provider)
	assert.Equal(t, paymentID, g.ID)
	assert.Equal(t, paymentID, g.PaymentID)
	assert.Equal(t, status.Pending, g.Status)
	assert.Zero(t, g.Checks)
	assert.False(t, g.LeaseUntil.IsZero())

	for _, st := range []status.Status{status.Processing, status.Unknown} {
		id := "chg_DUE_" + st.String()
		c.offset.Store(0) // tracked now, due an hour later
		track(t, s[0], payment(id, st, qar("5.00")))
		got := lease(t, d[0], c.query("a", dueAfter+time.Minute, 10))
		require.Len(t, got, 1, "a %s payment is due", st)
		assert.Equal(t, id, got[0].ID)
	}
}

func testSettledNotDue(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	for i, st := range []status.Status{status.Captured, status.Failed, status.Canceled, status.Expired} {
		track(t, s[0], payment(dueID(i), st, qar("10.00")))
	}
	rec := &recorder{}
	process(t, s[0], refundEvent("ev-r1", dueID(0), "re_DUE1", status.RefundSucceeded, qar("1.00")), rec)
	process(t, s[0], refundEvent("ev-r2", dueID(0), "re_DUE2", status.RefundFailed, qar("1.00")), rec)
	assert.Empty(t, lease(t, d[0], c.query("a", 10*dueAfter, 100)))
}

func testRefundDue(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Captured, qar("79.10")))
	process(t, s[0], refundEvent("ev-r1", paymentID, "re_DUE1", status.RefundPending, qar("9.10")), &recorder{})
	assert.Empty(t, lease(t, d[0], c.query("a", 0, 10)))
	got := lease(t, d[0], c.query("a", dueAfter+time.Minute, 10))
	require.Len(t, got, 1)
	assert.Equal(t, qpay.EventRefund, got[0].Type)
	assert.Equal(t, "re_DUE1", got[0].ID)
	assert.Equal(t, paymentID, got[0].PaymentID)
	assert.Equal(t, status.RefundPending, got[0].RefundStatus)
}

func testLeaseExcludes(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Pending, qar("79.10")))
	at := dueAfter + time.Minute
	got := lease(t, d[0], c.query("a", at, 10))
	require.Len(t, got, 1)
	assert.Empty(t, lease(t, d[1], c.query("b", at, 10)), "leased to a: not b's")
	assert.Empty(t, lease(t, d[0], c.query("a", at, 10)), "leased: not handed out again, not even to a")

	// a dies; its lease expires.
	again := lease(t, d[1], c.query("b", at+dueLease+time.Second, 10))
	require.Len(t, again, 1, "an expired lease frees the item")
	ok, err := d[0].ReleaseDue(context.Background(), got[0], "a", time.Time{})
	require.NoError(t, err)
	assert.False(t, ok, "a's lease was lost to b")
	ok, err = d[1].ReleaseDue(context.Background(), again[0], "b", time.Time{})
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = d[1].ReleaseDue(context.Background(), again[0], "b", time.Time{})
	require.NoError(t, err)
	assert.False(t, ok, "released once only")
	ok, err = d[1].ReleaseDue(context.Background(), again[0], "", time.Time{})
	require.NoError(t, err)
	assert.False(t, ok, "nobody's lease is nothing to release")
}

func testReleaseNext(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Pending, qar("79.10")))
	at := dueAfter + time.Minute
	got := lease(t, d[0], c.query("a", at, 10))
	require.Len(t, got, 1)
	next := got[0].LeaseUntil.Add(-dueLease).Add(10 * time.Minute)
	ok, err := d[0].ReleaseDue(context.Background(), got[0], "a", next)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, lease(t, d[0], c.query("a", at+5*time.Minute, 10)), "before the next check")
	got = lease(t, d[1], c.query("b", at+11*time.Minute, 10))
	require.Len(t, got, 1, "after the next check")
	assert.Equal(t, 1, got[0].Checks)

	// Released with no next check: due again at once.
	ok, err = d[1].ReleaseDue(context.Background(), got[0], "b", time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	got = lease(t, d[0], c.query("a", at+11*time.Minute, 10))
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Checks)
}

func testDueLimit(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Captured, qar("79.10")))
	process(t, s[0], refundEvent("ev-r1", paymentID, "re_DUE1", status.RefundPending, qar("1.00")), &recorder{})
	for i := range 5 {
		track(t, s[0], payment(dueID(i), status.Pending, qar("1.00")))
	}
	at := dueAfter + time.Minute
	first := lease(t, d[0], c.query("a", at, 3))
	assert.Len(t, first, 3)
	second := lease(t, d[0], c.query("a", at, 3))
	require.Len(t, second, 3)
	assert.Equal(t, qpay.EventPayment, second[1].Type, "payments first")
	assert.Equal(t, qpay.EventRefund, second[2].Type, "then refunds")
	assert.Empty(t, lease(t, d[0], c.query("a", at, 3)))
	assert.ElementsMatch(t, []string{dueID(0), dueID(1), dueID(2), dueID(3), dueID(4), "re_DUE1"},
		append(dueIDs(first), dueIDs(second)...))
}

func testDueSettledByEvent(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	track(t, s[0], payment(paymentID, status.Pending, qar("79.10")))
	process(t, s[1], paymentEvent("ev-1", paymentID, status.Captured, qar("79.10")), &recorder{})
	assert.Empty(t, lease(t, d[0], c.query("a", 10*dueAfter, 10)))
}

func testDueAccounts(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	for _, account := range []string{"merchant-a", "merchant-b"} {
		p := payment(paymentID, status.Pending, qar("79.10"))
		p.Account = account
		track(t, s[0], p)
	}
	got := lease(t, d[0], c.query("a", dueAfter+time.Minute, 10))
	require.Len(t, got, 2, "one payment ID, two accounts: two items")
	assert.ElementsMatch(t, []string{"merchant-a", "merchant-b"}, []string{got[0].Account, got[1].Account})
	ok, err := d[0].ReleaseDue(context.Background(), got[0], "a", time.Now().Add(100*dueAfter))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = d[0].ReleaseDue(context.Background(), got[1], "a", time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	again := lease(t, d[0], c.query("a", dueAfter+time.Minute, 10))
	require.Len(t, again, 1, "one account's check does not move the other's")
	assert.Equal(t, got[1].Account, again[0].Account)
}

func testDueMalformed(t *testing.T, c *dueClock, d []store.DueStore, _ []store.Store) {
	good := c.query("a", 0, 1)
	cases := map[string]func(*store.DueQuery){
		"no clock":       func(q *store.DueQuery) { q.Now = time.Time{} },
		"no limit":       func(q *store.DueQuery) { q.Limit = 0 },
		"no lease":       func(q *store.DueQuery) { q.Lease = 0 },
		"no owner":       func(q *store.DueQuery) { q.Owner = "" },
		"negative bound": func(q *store.DueQuery) { q.RefundAfter = -time.Second },
	}
	for name, mutate := range cases {
		q := good
		mutate(&q)
		_, err := d[0].LeaseDue(context.Background(), q)
		assert.ErrorIs(t, err, qpay.KindInvalidRequest, name)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d[0].LeaseDue(ctx, good)
	assert.True(t, errors.Is(err, qpay.KindCanceled), "canceled: %v", err)
}

// testDueConcurrent has every replica lease small batches from several
// goroutines at once until nothing is due: each item is handed out once.
func testDueConcurrent(t *testing.T, c *dueClock, d []store.DueStore, s []store.Store) {
	const n = 120
	for i := range n {
		track(t, s[i%len(s)], payment(dueID(i), status.Pending, qar("1.00")))
	}
	at := dueAfter + time.Minute
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for r, ds := range d {
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("replica-%d-%d", r, g)
				for {
					got, err := ds.LeaseDue(context.Background(), c.query(owner, at, 7))
					if !assert.NoError(t, err) || len(got) == 0 {
						return
					}
					mu.Lock()
					for _, it := range got {
						seen[it.ID]++
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	assert.Len(t, seen, n, "none missed")
	for id, c := range seen {
		assert.Equal(t, 1, c, "%s leased %d times", id, c)
	}
}
