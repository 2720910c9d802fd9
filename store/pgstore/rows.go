package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/internal"
)

// The statements, in one place with the columns they read. Every key is
// (account, provider, id): no statement reads or writes a row of another
// account. Amounts travel as text in both directions (money.Money's
// fixed-point form one way, numeric::text the other), so no driver
// conversion can round them.
const (
	insertEvent = `INSERT INTO qpay_events (account, provider, id, type, payment_id, refund_id, applied, ignored, processed_at)
		VALUES ($1, $2, $3, $4, $5, $6, false, '', coalesce($7::timestamptz, clock_timestamp()))
		ON CONFLICT (account, provider, id) DO NOTHING`
	finishEvent = `UPDATE qpay_events SET applied = $4, ignored = $5 WHERE account = $1 AND provider = $2 AND id = $3`

	lockSQL = `SELECT pg_advisory_xact_lock($1)`
	// stampSQL is the time the rows an operation changes are stamped with:
	// the database's clock once the locks are held (clock_timestamp(),
	// not now(), which is the transaction's start, before the wait for
	// the locks), so the stamps of one payment follow the order of its
	// operations, and the leases (due.go) compare updated_at with the
	// same clock that wrote it. $1 is WithClock's time, or NULL.
	stampSQL = `SELECT coalesce($1::timestamptz, clock_timestamp())`

	paymentColumns = `account, provider, id, status, raw_status, currency, amount::text, refunded::text, reference, updated_at,
		method_type, method_scheme, method_raw, require_qpay`
	selectPayment = `SELECT ` + paymentColumns + ` FROM qpay_payments WHERE account = $1 AND provider = $2 AND id = $3`
	upsertPayment = `INSERT INTO qpay_payments (account, provider, id, status, raw_status, currency, amount, refunded, reference, updated_at,
			method_type, method_scheme, method_raw, require_qpay)
		VALUES ($1, $2, $3, $4, $5, $6, $7::text::numeric, $8::text::numeric, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (account, provider, id) DO UPDATE SET
			status = EXCLUDED.status, raw_status = EXCLUDED.raw_status, currency = EXCLUDED.currency,
			amount = EXCLUDED.amount, refunded = EXCLUDED.refunded, reference = EXCLUDED.reference,
			updated_at = EXCLUDED.updated_at, method_type = EXCLUDED.method_type,
			method_scheme = EXCLUDED.method_scheme, method_raw = EXCLUDED.method_raw,
			require_qpay = EXCLUDED.require_qpay`

	refundColumns = `account, provider, id, payment_id, status, raw_status, currency, amount::text, reference, counted, updated_at`
	selectRefund  = `SELECT ` + refundColumns + ` FROM qpay_refunds WHERE account = $1 AND provider = $2 AND id = $3 FOR UPDATE`
	selectEarly   = `SELECT ` + refundColumns + ` FROM qpay_refunds
		WHERE account = $1 AND provider = $2 AND payment_id = $3 AND NOT counted AND status = 'succeeded'
		ORDER BY id FOR UPDATE`
	upsertRefund = `INSERT INTO qpay_refunds (account, provider, id, payment_id, status, raw_status, currency, amount, reference, counted, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::numeric, $9, $10, $11)
		ON CONFLICT (account, provider, id) DO UPDATE SET
			payment_id = EXCLUDED.payment_id, status = EXCLUDED.status, raw_status = EXCLUDED.raw_status,
			currency = EXCLUDED.currency, amount = EXCLUDED.amount, reference = EXCLUDED.reference,
			counted = EXCLUDED.counted, updated_at = EXCLUDED.updated_at`
)

// lockAndRead takes the transaction-scoped advisory locks of the payment
// paymentID and, when refundID is not "", of the refund refundID, all of
// account and provider, then reads and locks the rows an operation on that
// payment touches (readSnapshot), all in one round trip (a pgx batch: the
// statements still run one after the other, in the transaction). The
// payment's lock serializes its operations even
// before its row exists, which SELECT ... FOR UPDATE cannot do; the
// refund's does the same for a refund not stored yet, so that two first
// events of one refund naming different payments (which hold different
// payment locks) meet: the second waits, then reads the row the first
// wrote, and is refused if it names another payment. Without it both would
// find no row and the refund would be counted on both payments.
//
// The locks are taken in ascending order of their numbers, the one order
// every transaction uses, so no two transactions can wait for each other in
// a circle, even when two keys' hashes collide (a collision only serializes
// unrelated rows).
//
// at is the time to stamp the changed rows with (stampSQL), read after the
// locks are held; injected is WithClock's time, or nil.
func lockAndRead(ctx context.Context, tx pgx.Tx, op, account, provider, paymentID, refundID string, injected *time.Time) (snap store.Snapshot, at time.Time, err error) {
	ids := []int64{advisoryKey("payment", account, provider, paymentID)}
	if refundID != "" {
		ids = append(ids, advisoryKey("refund", account, provider, refundID))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b := &pgx.Batch{}
	for _, id := range ids {
		b.Queue(lockSQL, id)
	}
	b.Queue(stampSQL, injected)
	queueSnapshot(b, account, provider, paymentID, refundID)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for range ids {
		if _, err := br.Exec(); err != nil {
			return store.Snapshot{}, at, dbError(op, "locking the payment's rows", err)
		}
	}
	if err := br.QueryRow().Scan(&at); err != nil {
		return store.Snapshot{}, at, dbError(op, "reading the database's clock", err)
	}
	// At PostgreSQL's precision already; UTC so that a Result's times
	// equal what is read back later.
	at = at.UTC()
	snap, err = readSnapshot(br, op, refundID)
	return snap, at, err
}

// advisoryKey is the number of a row's advisory lock: a 64-bit FNV-1a hash
// of its table and full key. The parts are joined by NUL, which none may
// contain (store.Keys and store.CheckPayment refuse control characters,
// qpay.ValidateID allows only letters, digits, '_' and '-'), so distinct
// rows never share the hashed text: the account is part of it, and one
// account's traffic never waits on another's but by a hash collision. It is
// computed here, not by the server, so that the locks can be ordered
// before they are taken.
func advisoryKey(table, account, provider, id string) int64 {
	h := fnv.New64a()
	for _, part := range []string{table, account, provider, id} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// queueSnapshot queues the reads of readSnapshot: the payment, the
// refunds of the payment that succeeded early (read whatever the payment's
// state, which costs nothing more in the same round trip; used only when
// internal.NeedsUncounted says so) and the event's refund.
func queueSnapshot(b *pgx.Batch, account, provider, paymentID, refundID string) {
	b.Queue(selectPayment+` FOR UPDATE`, account, provider, paymentID)
	b.Queue(selectEarly, account, provider, paymentID)
	if refundID != "" {
		b.Queue(selectRefund, account, provider, refundID)
	}
}

// readSnapshot reads, and locks, the rows of account an operation on one
// payment touches, queued by queueSnapshot after the advisory locks
// (lockAndRead).
func readSnapshot(br pgx.BatchResults, op, refundID string) (store.Snapshot, error) {
	var snap store.Snapshot
	p, err := scanPayment(br.QueryRow())
	stored, storedStatus := err == nil, status.Unknown
	switch {
	case stored:
		snap.Payment, storedStatus = p, p.Status
	case !errors.Is(err, pgx.ErrNoRows):
		return snap, dbError(op, "reading the payment", err)
	}
	rows, err := br.Query()
	if err != nil {
		return snap, dbError(op, "reading the payment's refunds", err)
	}
	early, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Refund, error) {
		r, err := scanRefund(row)
		if err != nil {
			return store.Refund{}, err
		}
		return *r, nil
	})
	if err != nil {
		return snap, dbError(op, "reading the payment's refunds", err)
	}
	if internal.NeedsUncounted(stored, storedStatus) {
		// Refunds that succeeded before the payment's capture was
		// stored; only a payment not stored as captured can have any.
		snap.Uncounted = early
	}
	if refundID != "" {
		r, err := scanRefund(br.QueryRow())
		switch {
		case err == nil:
			snap.Refund = r
		case !errors.Is(err, pgx.ErrNoRows):
			return snap, dbError(op, "reading the refund", err)
		}
	}
	return snap, nil
}

// write stores a Change in tx, then runs the statements of then (the
// event's outcome), all in one round trip.
func write(ctx context.Context, tx pgx.Tx, c store.Change, then ...statement) error {
	b := &pgx.Batch{}
	if p := c.Payment; p != nil {
		b.Queue(upsertPayment, p.Account, p.Provider, p.ID, p.Status.String(), p.RawStatus,
			p.Amount.Currency(), p.Amount.Fixed(), p.Refunded.Fixed(), p.Reference, p.UpdatedAt,
			p.Method.Type, p.Method.Scheme, p.Method.Raw, p.RequireQPay)
	}
	for _, r := range c.Refunds {
		b.Queue(upsertRefund, r.Account, r.Provider, r.ID, r.PaymentID, r.Status.String(), r.RawStatus,
			r.Amount.Currency(), r.Amount.Fixed(), r.Reference, r.Counted, r.UpdatedAt)
	}
	for _, st := range then {
		b.Queue(st.sql, st.args...)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close() // the first statement's error, if any
}

// statement is one SQL statement and its arguments.
type statement struct {
	sql  string
	args []any
}

// scanPayment reads one payment row. A row that does not parse back (a
// status name or amount written by something else) is an error of kind
// qpay.KindProtocol, never a guess.
func scanPayment(row pgx.Row) (*store.Payment, error) {
	var (
		p                              store.Payment
		st, currency, amount, refunded string
		updatedAt                      time.Time
	)
	if err := row.Scan(&p.Account, &p.Provider, &p.ID, &st, &p.RawStatus, &currency, &amount, &refunded, &p.Reference, &updatedAt,
		&p.Method.Type, &p.Method.Scheme, &p.Method.Raw, &p.RequireQPay); err != nil {
		return nil, err
	}
	var err error
	if p.Status, err = status.Parse(st); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	if p.Amount, err = money.Parse(amount, currency); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	if p.Refunded, err = money.Parse(refunded, currency); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	p.UpdatedAt = updatedAt.UTC()
	return &p, nil
}

// scanRefund reads one refund row, like scanPayment.
func scanRefund(row pgx.Row) (*store.Refund, error) {
	var (
		r                    store.Refund
		st, currency, amount string
		updatedAt            time.Time
	)
	if err := row.Scan(&r.Account, &r.Provider, &r.ID, &r.PaymentID, &st, &r.RawStatus, &currency, &amount, &r.Reference, &r.Counted, &updatedAt); err != nil {
		return nil, err
	}
	var err error
	if r.Status, err = status.ParseRefund(st); err != nil {
		return nil, corrupt("refund", r.ID, err)
	}
	if r.Amount, err = money.Parse(amount, currency); err != nil {
		return nil, corrupt("refund", r.ID, err)
	}
	r.UpdatedAt = updatedAt.UTC()
	return &r, nil
}

func corrupt(what, id string, err error) error {
	return &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("stored %s %s cannot be read back", what, id), Err: err}
}
