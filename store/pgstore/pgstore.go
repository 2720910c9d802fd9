package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/store"
)

// OpMigrate names Migrate in the Op field of its errors; the other
// operations use store.OpTrack, store.OpProcess and store.OpPayment.
const OpMigrate = "store_migrate"

// Store is a store.Store in PostgreSQL. It is safe for concurrent use, and
// any number of Stores, in any number of processes, may share one database.
type Store struct {
	pool *pgxpool.Pool
	// clock, when set (WithClock), replaces the database's clock; nil
	// means the database's.
	clock func() time.Time
}

// Option configures a Store made by New.
type Option func(*Store)

// WithClock makes the Store use now instead of the database's clock for
// everything it stamps (updated_at, processed_at) and for judging leases
// and due times. It is for tests that move time (a fake clock shared with
// a reconcile.Reconciler's Now); in production leave it out. The
// database's clock is the default because it is one clock for every
// replica: with WithClock in several replicas, clocks that drift apart by
// more than a lease would hand one item to two of them.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.clock = now } }

var _ store.Store = (*Store)(nil)

// New returns a Store that uses pool, whose connections' search_path decides
// the schema of the tables. It checks that the database answers; it does not
// create the tables (Migrate does). The pool stays the caller's to close.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "pgstore: no connection pool"}
	}
	if err := pool.Ping(ctx); err != nil {
		return nil, dbError("", "reaching the database", err)
	}
	s := &Store{pool: pool}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// injectedNow is WithClock's time, at the database's precision, or nil for
// the database's clock.
func (s *Store) injectedNow() *time.Time {
	if s.clock == nil {
		return nil
	}
	t := s.clock().UTC().Truncate(time.Microsecond)
	return &t
}

// Querier runs statements in the transaction of the Process call whose
// function received it. Committing and rolling back are the store's.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type txKey struct{}

// txQuerier hides Commit and Rollback from the merchant's function: ending
// the transaction early would break Process's guarantees.
type txQuerier struct{ tx pgx.Tx }

func (q txQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return q.tx.Exec(ctx, sql, args...)
}

func (q txQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return q.tx.Query(ctx, sql, args...)
}

func (q txQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return q.tx.QueryRow(ctx, sql, args...)
}

// Tx returns the transaction of the Process call that runs the function
// holding ctx, so that the merchant's writes commit with the event or not at
// all. ok is false outside such a function.
func Tx(ctx context.Context) (q Querier, ok bool) {
	q, ok = ctx.Value(txKey{}).(Querier)
	return q, ok
}

// Track implements store.Store.
func (s *Store) Track(ctx context.Context, p *qpay.Payment) error {
	const op = store.OpTrack
	if err := store.CheckPayment(p); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError(op, "starting a transaction", err)
	}
	defer rollback(ctx, tx)
	snap, at, err := lockAndRead(ctx, tx, op, p.Account, p.Provider, p.ID, "", s.injectedNow())
	if err != nil {
		return err
	}
	c, err := store.DecideTrack(p, snap, at)
	if err != nil {
		return err
	}
	if err := write(ctx, tx, c); err != nil {
		return dbError(op, "writing the payment", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return dbError(op, "committing", err)
	}
	return nil
}

// Process implements store.Store; the package documentation lists its
// steps.
func (s *Store) Process(ctx context.Context, ev *qpay.WebhookEvent, fn func(context.Context, store.Result) error) (store.Result, error) {
	const op = store.OpProcess
	paymentID, refundID, err := store.Keys(ev)
	if err != nil {
		return store.Result{}, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Result{}, dbError(op, "starting a transaction", err)
	}
	defer rollback(ctx, tx)

	injected := s.injectedNow()
	tag, err := tx.Exec(ctx, insertEvent, ev.Account, ev.Provider, ev.ID, ev.Type.String(), paymentID, refundID, injected)
	if err != nil {
		return store.Result{}, dbError(op, "recording the event", err)
	}
	if tag.RowsAffected() == 0 {
		return store.Result{EventID: ev.ID, Duplicate: true}, nil
	}
	snap, at, err := lockAndRead(ctx, tx, op, ev.Account, ev.Provider, paymentID, refundID, injected)
	if err != nil {
		return store.Result{}, err
	}
	c, err := store.Decide(ev, snap, at)
	if err != nil {
		return store.Result{}, err
	}
	ignored := ""
	if c.Result.Ignored != nil {
		ignored = c.Result.Ignored.Error()
	}
	outcome := statement{finishEvent, []any{ev.Account, ev.Provider, ev.ID, c.Result.Applied, ignored}}
	if err := write(ctx, tx, c, outcome); err != nil {
		return store.Result{}, dbError(op, "writing the payment and the event's outcome", err)
	}
	if fn != nil {
		if err := fn(context.WithValue(ctx, txKey{}, Querier(txQuerier{tx})), c.Result); err != nil {
			return store.Result{}, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Result{}, dbError(op, "committing (the event may or may not be recorded; its redelivery will tell)", err)
	}
	return c.Result, nil
}

// Payment implements store.Store.
func (s *Store) Payment(ctx context.Context, account, provider, id string) (*store.Payment, error) {
	const op = store.OpPayment
	p, err := scanPayment(s.pool.QueryRow(ctx, selectPayment, account, provider, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &qpay.Error{Provider: provider, Op: op, Kind: qpay.KindNotFound,
			Message: "no payment " + id + " is stored", Err: store.ErrNotFound}
	}
	if err != nil {
		return nil, dbError(op, "reading the payment", err)
	}
	return p, nil
}

// rollback ends a transaction that was not committed. It runs on a context
// that outlives the caller's, so that a canceled call still gives its
// connection back clean; after Commit it does nothing.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx) // nothing to do on failure: the server rolls back a broken connection's transaction itself
}
