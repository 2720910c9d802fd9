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
type limiter struct {
	interval time.Duration // between two calls at the steady rate
	slack    time.Duration // how far ahead of the steady rate a burst may run

	mu  sync.Mutex
	tat time.Time // when the next call would be due at the steady rate
}

func newLimiter(rate int) *limiter {
	rate = max(rate, 1)
	interval := max(time.Second/time.Duration(rate), 1)
	return &limiter{interval: interval, slack: time.Duration(rate-1) * interval}
}

// wait takes a slot, waiting for one if needed, or gives up when ctx
// ends with an *qpay.Error of kind qpay.KindCanceled.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	if l.tat.Before(now) {
		l.tat = now
	}
	delay := l.tat.Sub(now) - l.slack
	l.tat = l.tat.Add(l.interval) // taken now, paid for by the wait below: waiters queue in order
	l.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.tat = l.tat.Add(-l.interval) // not used: give it back
		l.mu.Unlock()
		return &qpay.Error{Op: OpReconcile, Kind: qpay.KindCanceled, Message: "waiting for the account's rate limit", Err: ctx.Err()}
	}
}
