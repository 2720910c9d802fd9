package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/pgtest"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/pgstore"
	"github.com/qpay-go/qpay/store/storetest"
)

// testDB is the test server: its URL, and a pool for the tests' own
// statements (creating schemas, killing sessions, counting rows), kept apart
// from the stores' pools. Opening connections costs the most here, so a
// top-level test opens it once for all its subtests.
type testDB struct {
	url   string
	admin *pgxpool.Pool
}

// openDB returns the test server, or skips the test saying what is missing
// (fails it under CI=true: pgtest.Unavailable).
func openDB(t *testing.T) *testDB {
	t.Helper()
	url, admin := pgtest.Admin(t)
	return &testDB{url: url, admin: admin}
}

// newSchema creates an empty schema that only this test uses, dropped when
// the test ends.
func (db *testDB) newSchema(t *testing.T) string {
	t.Helper()
	return pgtest.NewSchema(t, db.admin)
}

func (db *testDB) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := db.admin.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}

// queryInt runs a query that returns one number.
func (db *testDB) queryInt(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.admin.QueryRow(context.Background(), sql, args...).Scan(&n), sql)
	return n
}

// newPool connects to the test schema with a pool of its own, as a
// replica of a service would.
func (db *testDB) newPool(t *testing.T, schema string) *pgxpool.Pool {
	t.Helper()
	return pgtest.NewPool(t, db.url, schema)
}

// replicas opens n Stores over one schema, each with its own pool, each
// running Migrate as every replica does at start-up.
func (db *testDB) replicas(t *testing.T, schema string, n int, opts ...pgstore.Option) []*pgstore.Store {
	t.Helper()
	out := make([]*pgstore.Store, n)
	for i := range out {
		s, err := pgstore.New(context.Background(), db.newPool(t, schema), opts...)
		require.NoError(t, err)
		require.NoError(t, s.Migrate(context.Background()))
		out[i] = s
	}
	return out
}

func TestSuite(t *testing.T) {
	db := openDB(t)
	storetest.Run(t, func(t *testing.T, n int) []store.Store {
		var out []store.Store
		for _, s := range db.replicas(t, db.newSchema(t), n) {
			out = append(out, s)
		}
		return out
	})
}

// TestDroppedConnectionLosesNothing kills the database session of a Process
// call while the merchant's function runs: the call fails, nothing of the
// event (nor of the function's own writes) is kept, and the provider's
// redelivery is processed and applied.
func TestDroppedConnectionLosesNothing(t *testing.T) {
	db := openDB(t)
	cases := []struct {
		name string
		// afterKill is the rest of the merchant's function once its session
		// is gone.
		afterKill func(ctx context.Context, q pgstore.Querier) error
		wantKinds []qpay.Kind // when Process's error is the store's
	}{
		{
			name:      "the function returns, the commit fails",
			afterKill: func(context.Context, pgstore.Querier) error { return nil },
			wantKinds: []qpay.Kind{qpay.KindNetwork, qpay.KindUnavailable},
		},
		{
			name: "the function's next statement fails",
			afterKill: func(ctx context.Context, q pgstore.Querier) error {
				_, err := q.Exec(ctx, `UPDATE shop_orders SET note = 'shipped'`)
				return err
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			schema := db.newSchema(t)
			s := db.replicas(t, schema, 1)[0]
			orders := pgx.Identifier{schema, "shop_orders"}.Sanitize()
			db.exec(t, "CREATE TABLE "+orders+" (payment_id text PRIMARY KEY, note text)")

			const id = "chg_TS01A1020231234Xy9Z0123456"
			amount := money.MustParse("79.10", "QAR")
			require.NoError(t, s.Track(ctx, &qpay.Payment{Provider: "tap", ID: id, Status: status.Pending, RawStatus: "INITIATED", Amount: amount}))
			ev := &qpay.WebhookEvent{ID: "tap:" + id + ":CAPTURED", Provider: "tap", Type: qpay.EventPayment,
				Payment: &qpay.Payment{Provider: "tap", ID: id, Status: status.Captured, RawStatus: "CAPTURED", Amount: amount}}

			// The merchant marks the order paid in the store's transaction.
			markPaid := func(ctx context.Context, r store.Result) error {
				q, ok := pgstore.Tx(ctx)
				if !ok {
					return errors.New("no transaction in the function's context")
				}
				_, err := q.Exec(ctx, `INSERT INTO shop_orders (payment_id, note) VALUES ($1, 'paid')`, r.Payment.ID)
				return err
			}

			_, err := s.Process(ctx, ev, func(ctx context.Context, r store.Result) error {
				if err := markPaid(ctx, r); err != nil {
					return err
				}
				q, _ := pgstore.Tx(ctx)
				var pid int
				if err := q.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
					return err
				}
				db.terminate(t, pid)
				return c.afterKill(ctx, q)
			})
			require.Error(t, err, "Process must fail when its session is gone")
			t.Logf("Process: %v", err)
			if c.wantKinds != nil {
				var qe *qpay.Error
				require.ErrorAs(t, err, &qe)
				assert.Contains(t, c.wantKinds, qe.Kind)
				assert.True(t, qe.Retryable, "a dropped connection is worth retrying")
			}

			// Nothing half-done: no event, no status change, no order.
			events := pgx.Identifier{schema, "qpay_events"}.Sanitize()
			assert.Zero(t, db.queryInt(t, "SELECT count(*) FROM "+events))
			assert.Zero(t, db.queryInt(t, "SELECT count(*) FROM "+orders))
			p, err := s.Payment(ctx, "", "tap", id)
			require.NoError(t, err, "the pool replaces the dead connection")
			assert.Equal(t, status.Pending, p.Status)

			// Nothing lost: the redelivery is processed and applied.
			res, err := s.Process(ctx, ev, markPaid)
			require.NoError(t, err)
			assert.False(t, res.Duplicate)
			assert.True(t, res.Applied)
			assert.Equal(t, status.Captured, res.Current)
			p, err = s.Payment(ctx, "", "tap", id)
			require.NoError(t, err)
			assert.Equal(t, status.Captured, p.Status)
			assert.Equal(t, 1, db.queryInt(t, "SELECT count(*) FROM "+orders), "the order is marked once")
			assert.Equal(t, 1, db.queryInt(t, "SELECT count(*) FROM "+events+" WHERE applied"))
		})
	}
}

// terminate ends a backend from another session and waits until it is gone,
// so the killed transaction cannot still commit.
func (db *testDB) terminate(t *testing.T, pid int) {
	t.Helper()
	db.exec(t, `SELECT pg_terminate_backend($1)`, pid)
	require.Eventually(t, func() bool {
		return db.queryInt(t, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid) == 0
	}, 10*time.Second, 10*time.Millisecond, "backend %d still alive", pid)
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	db := openDB(t)
	schema := db.newSchema(t)
	s := db.replicas(t, schema, 1)[0]

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < cap(errs); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Migrate(context.Background())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	tables := db.queryInt(t, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = $1 AND table_name IN ('qpay_payments', 'qpay_refunds', 'qpay_events')`, schema)
	assert.Equal(t, 3, tables)
	for _, table := range []string{"qpay_payments", "qpay_refunds", "qpay_events"} {
		assert.Equal(t, "account,provider,id", db.primaryKey(t, schema, table), table)
	}
}

func TestMissingTablesSayMigrate(t *testing.T) {
	db := openDB(t)
	s, err := pgstore.New(context.Background(), db.newPool(t, db.newSchema(t)))
	require.NoError(t, err)

	err = s.Track(context.Background(), &qpay.Payment{Provider: "tap", ID: "chg_1", Amount: money.MustParse("1.00", "QAR")})
	require.Error(t, err)
	assert.ErrorContains(t, err, "call Migrate first")
	var qe *qpay.Error
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, store.OpTrack, qe.Op)
}

func TestTxOnlyInsideProcess(t *testing.T) {
	_, ok := pgstore.Tx(context.Background())
	assert.False(t, ok)
}

func TestNewNeedsAPool(t *testing.T) {
	_, err := pgstore.New(context.Background(), nil)
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
}

func TestNewReportsAnUnreachableServer(t *testing.T) {
	// A closed port on loopback: refused at once, no server needed.
	cfg, err := pgxpool.ParseConfig("postgres://qpay:not-a-real-password@127.0.0.1:1/qpay_test?sslmode=disable&connect_timeout=2")
	require.NoError(t, err)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	defer pool.Close()

	_, err = pgstore.New(context.Background(), pool)
	require.Error(t, err)
	assert.ErrorIs(t, err, qpay.KindNetwork)
	assert.NotContains(t, err.Error(), "not-a-real-password")
	assert.NotContains(t, fmt.Sprintf("%+v", err), "not-a-real-password")
}

// TestCorruptRowIsAnError: a row written by something else that does not
// read back as a status or an amount is reported, never guessed.
func TestCorruptRowIsAnError(t *testing.T) {
	db := openDB(t)
	schema := db.newSchema(t)
	s := db.replicas(t, schema, 1)[0]
	payments := pgx.Identifier{schema, "qpay_payments"}.Sanitize()
	cases := []struct{ name, set string }{
		{"a provider's status word", `status = 'CAPTURED'`},
		{"an unknown currency", `currency = 'XXX'`},
		{"more decimals than the currency has", `amount = 1.001`},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			id := fmt.Sprintf("chg_%d", i)
			require.NoError(t, s.Track(ctx, &qpay.Payment{Provider: "tap", ID: id, Status: status.Captured, Amount: money.MustParse("1.00", "QAR")}))
			_, err := s.Payment(ctx, "", "tap", id)
			require.NoError(t, err)

			db.exec(t, "UPDATE "+payments+" SET "+c.set+" WHERE id = $1", id)
			_, err = s.Payment(ctx, "", "tap", id)
			assert.ErrorIs(t, err, qpay.KindProtocol)
			assert.ErrorContains(t, err, "stored payment "+id+" cannot be read back")
		})
	}
}

// TestMigrateOfAnUpToDateSchemaBlocksNoReader: Migrate runs at every start
// of every replica, so once the schema is up to date it must not take a
// lock that stops the other replicas' work, as ALTER TABLE's ACCESS
// EXCLUSIVE would, even when it changes nothing.
func TestMigrateOfAnUpToDateSchemaBlocksNoReader(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	schema := db.newSchema(t)
	s := db.replicas(t, schema, 1)[0]

	// A replica's transaction that has read every table and is still open.
	reader, err := db.newPool(t, schema).Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = reader.Rollback(ctx) }()
	for _, table := range []string{"qpay_payments", "qpay_refunds", "qpay_events"} {
		_, err := reader.Exec(ctx, "SELECT count(*) FROM "+table)
		require.NoError(t, err)
	}

	ctx2, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	assert.NoError(t, s.Migrate(ctx2), "Migrate waited for a reader")
}

func (db *testDB) queryString(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, db.admin.QueryRow(context.Background(), sql, args...).Scan(&s), sql)
	return s
}

// primaryKey lists the columns of a table's primary key, in order.
func (db *testDB) primaryKey(t *testing.T, schema, table string) string {
	t.Helper()
	return db.queryString(t, `SELECT string_agg(a.attname, ',' ORDER BY k.n)
		FROM pg_constraint c
		CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
		WHERE c.conrelid = $1::regclass AND c.contype = 'p'`, pgx.Identifier{schema, table}.Sanitize())
}
