package reconcile

import (
	"context"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
)

// limiter is a token bucket: rate tokens a second, at most one second's
// worth (and at least one) saved up. Written here rather than taken from
// golang.org/x/time/rate: it is twenty lines, and the module's dependencies
// are chosen ones.
type limiter struct {
	rate float64 // tokens per second
	max  float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate float64) *limiter {
	m := max(rate, 1)
	return &limiter{rate: rate, max: m, tokens: m}
}

// wait takes a token, waiting for one if needed, or gives up when ctx
// ends with an *qpay.Error of kind qpay.KindCanceled.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens = min(l.max, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	l.tokens-- // taken now, paid for by the wait below: waiters queue in order
	deficit := -l.tokens
	l.mu.Unlock()
	if deficit <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(deficit / l.rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.tokens++ // not used: give it back
		l.mu.Unlock()
		return &qpay.Error{Op: OpReconcile, Kind: qpay.KindCanceled, Message: "waiting for the account's rate limit", Err: ctx.Err()}
	}
}
