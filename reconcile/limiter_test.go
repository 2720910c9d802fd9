package reconcile

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

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
