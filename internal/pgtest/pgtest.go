// Package pgtest is what the module's PostgreSQL tests share: the test
// server's URL, the rule that a missing server skips a test locally but
// fails it under CI=true, and a schema of its own per test, so that
// engineers and packages running at once never collide.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// URLEnv names the variable holding the test server's URL.
const URLEnv = "QPAY_TEST_DATABASE_URL"

// Unavailable skips t with msg, or fails it under CI=true: CI starts a
// server (.ci/run), so its absence there is a broken build, not a pass.
func Unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, where these tests must run, not skip")
	}
	t.Skip(msg)
}

// URL returns the test server's URL, or skips t (fails it under CI=true)
// when URLEnv is not set.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(URLEnv)
	if url == "" {
		Unavailable(t, "PostgreSQL tests skipped: "+URLEnv+" is not set (run .ci/postgres.sh to start a local server)")
	}
	return url
}

// Admin connects to the test server with a pool for the test's own
// statements, closed when t ends, or skips t (fails it under CI=true) when
// no server answers.
func Admin(t testing.TB) (url string, admin *pgxpool.Pool) {
	t.Helper()
	url = URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, url)
	if err == nil {
		if err = admin.Ping(ctx); err != nil {
			admin.Close()
		}
	}
	if err != nil {
		// pgx's message names the user, database and address, never the password.
		Unavailable(t, fmt.Sprintf("PostgreSQL tests skipped: no server answers at %s: %v (run .ci/postgres.sh to start a local server)", URLEnv, err))
	}
	t.Cleanup(admin.Close)
	return url, admin
}

// NewSchema creates an empty schema that only t uses, dropped when t ends
// (after pools opened later are closed: cleanups run last-in first-out).
func NewSchema(t testing.TB, admin *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "qpay_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(context.Background(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	return schema
}

// NewPool connects to schema with a pool of its own, as a replica of a
// service would, closed when t ends.
func NewPool(t testing.TB, url, schema string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
