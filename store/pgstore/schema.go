package pgstore

import "context"

// schema is applied in order by Migrate. Every statement is idempotent, so
// Migrate can run at every start of every replica. A later version adds
// statements at the end; it never edits one that shipped.
var schema = []string{
	// Every row belongs to a merchant account ("" for a single merchant)
	// and is keyed by it, so that merchants sharing the database can never
	// reach each other's rows with their own keys.
	`CREATE TABLE IF NOT EXISTS qpay_payments (
		account    text        NOT NULL,
		provider   text        NOT NULL,
		id         text        NOT NULL,
		status     text        NOT NULL,
		raw_status text        NOT NULL,
		currency   text        NOT NULL,
		amount     numeric     NOT NULL CHECK (amount >= 0),
		refunded   numeric     NOT NULL CHECK (refunded >= 0 AND refunded <= amount),
		reference  text        NOT NULL,
		updated_at timestamptz NOT NULL,
		PRIMARY KEY (account, provider, id)
	)`,
	`CREATE TABLE IF NOT EXISTS qpay_refunds (
		account    text        NOT NULL,
		provider   text        NOT NULL,
		id         text        NOT NULL,
		payment_id text        NOT NULL,
		status     text        NOT NULL,
		raw_status text        NOT NULL,
		currency   text        NOT NULL,
		amount     numeric     NOT NULL CHECK (amount >= 0),
		reference  text        NOT NULL,
		counted    boolean     NOT NULL,
		updated_at timestamptz NOT NULL,
		PRIMARY KEY (account, provider, id)
	)`,
	// Only refunds that succeeded before their payment's capture was
	// stored are ever uncounted for long; this keeps finding them cheap.
	`CREATE INDEX IF NOT EXISTS qpay_refunds_uncounted
		ON qpay_refunds (account, provider, payment_id) WHERE NOT counted`,
	`CREATE TABLE IF NOT EXISTS qpay_events (
		account      text        NOT NULL,
		provider     text        NOT NULL,
		id           text        NOT NULL,
		type         text        NOT NULL,
		payment_id   text        NOT NULL,
		refund_id    text        NOT NULL,
		applied      boolean     NOT NULL,
		ignored      text        NOT NULL,
		processed_at timestamptz NOT NULL,
		PRIMARY KEY (account, provider, id)
	)`,
	// Reconciliation (due.go): when a payment or refund that is not final
	// was last read back, how often, and which replica holds it until
	// when. Columns with constant defaults: adding them rewrites nothing.
	// Each ALTER and CREATE INDEX runs only when its object is missing:
	// even when it changes nothing, ALTER TABLE takes an ACCESS EXCLUSIVE
	// lock and CREATE INDEX a SHARE lock, which would stall every replica
	// at each start.
	dueColumns("qpay_payments"),
	dueColumns("qpay_refunds"),
	// Only the unsettled rows are ever due, a small part of the table; the
	// predicates are those of the lease statements (due.go), word for word,
	// so that the planner uses them.
	ifNoRelation("qpay_payments_unsettled", `CREATE INDEX qpay_payments_unsettled ON qpay_payments (updated_at)
		WHERE status IN ('unknown', 'pending', 'processing')`),
	ifNoRelation("qpay_refunds_unsettled", `CREATE INDEX qpay_refunds_unsettled ON qpay_refunds (updated_at)
		WHERE status IN ('unknown', 'pending')`),
	// How the shopper paid and whether QPay was required
	// (store.Payment.Method, RequireQPay), so that the merchant's function
	// can tell a card payment on a RequireQPay page from a QPay one.
	// Guarded like dueColumns; rows stored before have no method known
	// and QPay not required.
	methodColumns,
}

// methodColumns adds the payment-method columns to qpay_payments unless it
// has them all.
const methodColumns = `DO $$ BEGIN
		IF (SELECT count(*) FROM pg_attribute WHERE attrelid = 'qpay_payments'::regclass AND NOT attisdropped
			AND attname IN ('method_type', 'method_scheme', 'method_raw', 'require_qpay')) < 4 THEN
			ALTER TABLE qpay_payments
				ADD COLUMN IF NOT EXISTS method_type   text    NOT NULL DEFAULT '',
				ADD COLUMN IF NOT EXISTS method_scheme text    NOT NULL DEFAULT '',
				ADD COLUMN IF NOT EXISTS method_raw    text    NOT NULL DEFAULT '',
				ADD COLUMN IF NOT EXISTS require_qpay  boolean NOT NULL DEFAULT false;
		END IF;
	END $$`

// migrationLock serializes Migrate across replicas: CREATE TABLE IF NOT
// EXISTS is not safe against a concurrent twin (both may try to create the
// table's type and one fails).
const migrationLock = `SELECT pg_advisory_xact_lock(hashtextextended('github.com/qpay-go/qpay/store/pgstore migrate', 0))`

// Migrate creates the store's tables and index if they do not exist, in one
// transaction: all of it or nothing. It is safe to call from several
// replicas at once, and again at every start.
func (s *Store) Migrate(ctx context.Context) error {
	const op = OpMigrate
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return dbError(op, "starting the migration", err)
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, migrationLock); err != nil {
		return dbError(op, "waiting for other replicas' migration", err)
	}
	for _, stmt := range schema {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return dbError(op, "creating the schema", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return dbError(op, "committing the migration", err)
	}
	return nil
}

// dueColumns adds the reconciliation columns to table unless it has them
// all.
func dueColumns(table string) string {
	return `DO $$ BEGIN
		IF (SELECT count(*) FROM pg_attribute WHERE attrelid = '` + table + `'::regclass AND NOT attisdropped
			AND attname IN ('due_checks', 'due_check_after', 'due_owner', 'due_lease_until')) < 4 THEN
			ALTER TABLE ` + table + `
				ADD COLUMN IF NOT EXISTS due_checks      integer     NOT NULL DEFAULT 0,
				ADD COLUMN IF NOT EXISTS due_check_after timestamptz,
				ADD COLUMN IF NOT EXISTS due_owner       text        NOT NULL DEFAULT '',
				ADD COLUMN IF NOT EXISTS due_lease_until timestamptz;
		END IF;
	END $$`
}

// ifNoRelation runs stmt unless a relation (here, an index) named name is
// in the search path.
func ifNoRelation(name, stmt string) string {
	return `DO $$ BEGIN
		IF to_regclass('` + name + `') IS NULL THEN
			` + stmt + `;
		END IF;
	END $$`
}
