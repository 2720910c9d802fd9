package reconcile

import (
	"context"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
)

// limiter lets rate calls a second through, up to one second's worth at
// once, as a token bucket does; it is kept as the time the next call is
// due (the generic cell rate algorithm), in integers, since the module has
// no floating point. Written here rather than taken from
// golang.org/x/time/rate: it is a few lines, and the module's dependencies
// are chosen ones.
//
// Its clock is the Reconciler's (Now), the clock of leases and due times:
// a slot is taken when that clock reaches it, so a test with a fake clock
// refills the bucket by moving the clock. The wait itself sleeps on the
// real clock for as long as the clock says is left, then looks again: with
// the real clock that is one sleep; with a fake clock that stands still, the
// wait lasts until the clock is moved or the context ends.
type limiter struct {
	interval time.Duration // between two calls at the steady rate
	slack    time.Duration // how far ahead of the steady rate a burst may run
	now      func() time.Time

	mu  sync.Mutex
	tat time.Time // when the next call would be due at the steady rate
}

func newLimiter(rate int, now func() time.Time) *limiter {
	rate = max(rate, 1)
	interval := max(time.Second/time.Duration(rate), 1)
	return &limiter{interval: interval, slack: time.Duration(rate-1) * interval, now: now}
}

// wait takes a slot, waiting for one if needed, or gives up when ctx
// ends with an *qpay.Error of kind qpay.KindCanceled.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := l.now()
	if l.tat.Before(now) {
		l.tat = now
	}
	at := l.tat.Add(-l.slack)     // the slot: when the clock allows this call
	l.tat = l.tat.Add(l.interval) // taken now, paid for by the wait below: waiters queue in order
	l.mu.Unlock()
	for {
		delay := at.Sub(l.now())
		if delay <= 0 {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			l.mu.Lock()
			l.tat = l.tat.Add(-l.interval) // not used: give it back
			l.mu.Unlock()
			return &qpay.Error{Op: OpReconcile, Kind: qpay.KindCanceled, Message: "waiting for the account's rate limit", Err: ctx.Err()}
		}
	}
}
