// Package pgstore is a store.Store in PostgreSQL, for services that run
// several replicas: webhook de-duplication and payment state shared by every
// process that uses the same database.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	s, err := pgstore.New(ctx, pool)
//	err = s.Migrate(ctx) // once at start-up; safe from every replica at once
//
//	// in the webhook handler, after Provider.ParseWebhook:
//	_, err = s.Process(ctx, ev, func(ctx context.Context, r store.Result) error {
//		if !r.Applied || r.Current != status.Captured {
//			return nil
//		}
//		tx, _ := pgstore.Tx(ctx) // the store's own transaction
//		_, err := tx.Exec(ctx, `UPDATE orders SET paid = true WHERE payment_id = $1`, r.Payment.ID)
//		return err
//	})
//	// err != nil: answer 500, the provider delivers again.
//
// # Transactions
//
// Process runs one transaction (READ COMMITTED):
//
//  1. INSERT INTO qpay_events ... ON CONFLICT DO NOTHING. If another
//     transaction, on any replica, is processing the same (account,
//     provider, event ID), this statement waits until it commits (then nothing is inserted
//     and the event is a duplicate: ROLLBACK, fn is not called) or rolls back
//     (then this one inserts and goes on). This wait is what makes fn run
//     once.
//  2. pg_advisory_xact_lock on the payment's key and, for a refund event,
//     on the refund's key (each key is account, provider and ID), in
//     ascending order of the lock numbers; then SELECT ... FOR UPDATE of the
//     payment, of the event's refund and, for a payment not stored yet or
//     not stored as captured, of its refunds that succeeded early. The advisory locks serialize the
//     events of one payment, and of one refund, even before the row exists,
//     which FOR UPDATE cannot do: two first events of one refund naming two
//     payments would otherwise both find no refund and count it on both.
//     Events of other payments, and of other accounts, run in parallel.
//     The locks and the reads go to the server in one round trip (a pgx
//     batch; the statements still run in order, in the transaction).
//  3. store.Decide computes the change, and it is written: the payment and
//     refund rows, and the event's outcome, in one more round trip.
//  4. fn runs, with the transaction in its context (Tx).
//  5. COMMIT.
//
// If any step fails, fn included, or the connection drops, the transaction
// rolls back and nothing of the event is kept: the provider's redelivery is
// processed as the first one. A COMMIT that fails because the connection
// dropped is ambiguous: the server may have committed. Either way the state
// is whole: fn's own writes through Tx share the event's fate, so the
// redelivery finds both done (a duplicate) or neither.
//
// Inside fn, use Tx for database work: a statement on another connection of
// the same pool can wait for a connection that the other deliveries of the
// same event hold while they wait for this transaction.
//
// # Schema
//
// Migrate creates three tables in the first schema of the connections'
// search_path (CREATE TABLE IF NOT EXISTS; set search_path in the pool's
// configuration to use a dedicated schema). Every table has an account
// column (text, not null, empty by default: the merchant account, empty
// for a single merchant), and it leads every key:
//
//	qpay_payments  (account, provider, id) primary key; status and
//	               raw_status (text: status.Status names), currency, amount
//	               and refunded (numeric, refunded <= amount), reference,
//	               updated_at
//	qpay_refunds   (account, provider, id) primary key; payment_id, status
//	               (text: status.RefundStatus names), raw_status, currency,
//	               amount (numeric), reference, counted (its amount is in
//	               the payment's refunded), updated_at; a partial index
//	               qpay_refunds_uncounted on (account, provider, payment_id)
//	               WHERE NOT counted
//	qpay_events    (account, provider, id) primary key; type
//	               ("payment"/"refund"), payment_id, refund_id, applied,
//	               ignored (why not applied), processed_at. Bodies are not
//	               kept.
//
// Amounts are exact numerics written from money.Money's fixed-point text;
// nothing passes through a float.
//
// The reconciler's bookkeeping (store.DueStore) lives in four more columns
// of qpay_payments and qpay_refunds, which Process and Track never touch:
// due_checks (read-backs so far), due_check_after (not due before),
// due_owner and due_lease_until (the lease), with the partial indexes
// qpay_payments_unsettled and qpay_refunds_unsettled on updated_at over
// the unsettled statuses. Migrate adds them to an older schema, and only
// when they are missing, so that an up-to-date schema is never locked.
//
// # Leases
//
// LeaseDue takes a batch in one statement per table, committed on its own:
//
//	UPDATE qpay_payments p SET due_owner = $owner, due_lease_until = $now + $lease
//	FROM (SELECT ... WHERE <unsettled, unchanged since the bound, past
//	      due_check_after, not leased beyond $now> ORDER BY ... LIMIT $n
//	      FOR UPDATE SKIP LOCKED) d
//	WHERE <p is d> RETURNING ...
//
// SKIP LOCKED makes concurrent replicas pass over each other's candidates
// (and over rows a webhook's Process holds) instead of queueing behind
// them; under READ COMMITTED a row another replica leased and committed in
// the meantime is re-checked on its new version, whose lease is in the
// future, and skipped. So a row is leased to one owner at a time, and a
// dead owner's rows are free again when due_lease_until passes. ReleaseDue
// clears the lease only if the caller still holds it. Times are the
// database's (statement_timestamp() for leases, clock_timestamp() for the
// rows' stamps), never a replica's: replicas' clocks may drift apart by
// more than a lease without handing one item to two of them. WithClock
// replaces the database's clock, for tests only.
//
// # Errors
//
// Database failures are *qpay.Error values: a connection that broke
// without a word from the server is qpay.KindNetwork; a server that ended
// the session or refuses work (terminated by an administrator, shutting
// down, out of connections) qpay.KindUnavailable; a serialization failure or
// deadlock qpay.KindConflict; all three are retryable. A context that ended
// is qpay.KindCanceled; anything else qpay.KindUnknown. The cause is kept in
// Err for errors.As (*pgconn.PgError). Connection strings never appear in
// them: the pool is the caller's.
//
// # Tests
//
// The tests need a PostgreSQL server: set QPAY_TEST_DATABASE_URL, e.g.
//
//	eval "$(.ci/postgres.sh)"   # installs and starts one on 127.0.0.1:5432
//	go test -race ./store/...
//
// Without it they skip, saying so, except under CI=true, where they fail.
// Each test works in a schema of its own, dropped afterwards.
package pgstore
