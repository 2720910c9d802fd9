package reconcile_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/internal/pgtest"
	"github.com/qpay-go/qpay/store/pgstore"
)

// pgReplicas opens n pgstore.Stores over one new schema of the test
// server, each with a pool of its own as n replicas would, or skips the
// test saying what is missing (fails it under CI=true, where CI starts a
// server: .ci/run). The stores run on now (pgstore.WithClock), the fake
// clock the test's Reconcilers share, in place of the database's.
func pgReplicas(t testing.TB, n int, now func() time.Time) []*pgstore.Store {
	t.Helper()
	url, admin := pgtest.Admin(t)
	schema := pgtest.NewSchema(t, admin)
	out := make([]*pgstore.Store, n)
	for i := range out {
		s, err := pgstore.New(context.Background(), pgtest.NewPool(t, url, schema), pgstore.WithClock(now))
		require.NoError(t, err)
		require.NoError(t, s.Migrate(context.Background()))
		out[i] = s
	}
	return out
}

// clock is a settable clock for the reconcilers' leases and due times.
type clock struct{ at atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.at.Store(t.UnixNano())
	return c
}

func (c *clock) now() time.Time      { return time.Unix(0, c.at.Load()) }
func (c *clock) add(d time.Duration) { c.at.Add(int64(d)) }
