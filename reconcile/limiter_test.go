package reconcile

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// The bucket lets a second's worth through at once and makes the next one
// wait; a wait that its context ends gives up with KindCanceled and gives
// its token back. Accounts have buckets of their own.
func TestLimiterIsPerAccount(t *testing.T) {
	r := &Reconciler{Rate: 2}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	a := r.limiter("merchant-a")
	assert.NoError(t, a.wait(done), "first token")
	assert.NoError(t, a.wait(done), "second token: a second's worth")
	assert.ErrorIs(t, a.wait(done), qpay.KindCanceled, "the third must wait")
	assert.ErrorIs(t, a.wait(done), qpay.KindCanceled, "the canceled wait gave its token back, still none")
	assert.NoError(t, r.limiter("merchant-b").wait(done), "another account's bucket is full")
	assert.Same(t, a, r.limiter("merchant-a"))
}

// The bucket runs on the Reconciler's clock, the one of leases and due
// times: moving a fake clock refills it, by a token every 1/Rate, never by
// more than a second's worth however far the clock moves.
func TestLimiterRunsOnTheReconcilersClock(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := &Reconciler{Rate: 2, Now: func() time.Time { return at }}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	l := r.limiter("merchant-a")
	require.NoError(t, l.wait(done), "first token")
	require.NoError(t, l.wait(done), "second token")
	assert.ErrorIs(t, l.wait(done), qpay.KindCanceled, "empty at 10:00:00")

	at = at.Add(499 * time.Millisecond)
	assert.ErrorIs(t, l.wait(done), qpay.KindCanceled, "a token takes half a second")
	at = at.Add(time.Millisecond)
	assert.NoError(t, l.wait(done), "half a second on the clock: one token")
	assert.ErrorIs(t, l.wait(done), qpay.KindCanceled, "and only one")

	at = at.Add(time.Hour)
	assert.NoError(t, l.wait(done), "an hour later: a full bucket")
	assert.NoError(t, l.wait(done), "a second's worth")
	assert.ErrorIs(t, l.wait(done), qpay.KindCanceled, "no more than a second's worth")
}

// A wait for a slot ends when the clock reaches it: a waiter on a fake
// clock that stands still waits until the clock is moved.
func TestLimiterWaitEndsWhenTheClockMoves(t *testing.T) {
	var at atomic.Int64
	at.Store(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).UnixNano())
	r := &Reconciler{Rate: 1, Now: func() time.Time { return time.Unix(0, at.Load()) }}
	l := r.limiter("merchant-a")
	require.NoError(t, l.wait(context.Background()), "the one token")
	got := make(chan error, 1)
	go func() { got <- l.wait(context.Background()) }()
	at.Add(int64(time.Second))
	assert.NoError(t, <-got, "the clock reached the slot")
}
