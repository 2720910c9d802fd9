package reconcile_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/store/pgstore"
)

const urlEnv = "QPAY_TEST_DATABASE_URL"

// pgReplicas opens n pgstore.Stores over one new schema of the test
// server, each with a pool of its own as n replicas would, or skips the
// test saying what is missing (fails it under CI=true, where CI starts a
// server: .ci/run).
func pgReplicas(t testing.TB, n int) []*pgstore.Store {
	t.Helper()
	url := os.Getenv(urlEnv)
	if url == "" {
		unavailable(t, "PostgreSQL tests skipped: "+urlEnv+" is not set (run .ci/postgres.sh to start a local server)")
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, url)
	if err == nil {
		if err = admin.Ping(ctx); err != nil {
			admin.Close()
		}
	}
	if err != nil {
		unavailable(t, fmt.Sprintf("PostgreSQL tests skipped: no server answers at %s: %v", urlEnv, err))
	}
	t.Cleanup(admin.Close)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := pgx.Identifier{"qpay_test_" + hex.EncodeToString(b)}
	_, err = admin.Exec(ctx, "CREATE SCHEMA "+schema.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema.Sanitize()+" CASCADE") })

	out := make([]*pgstore.Store, n)
	for i := range out {
		cfg, err := pgxpool.ParseConfig(url)
		require.NoError(t, err)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema[0]
		cfg.MaxConns = 8
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		s, err := pgstore.New(ctx, pool)
		require.NoError(t, err)
		require.NoError(t, s.Migrate(ctx))
		out[i] = s
	}
	return out
}

func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, where these tests must run, not skip")
	}
	t.Skip(msg)
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
