package pgstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/internal"
)

var _ store.DueStore = (*Store)(nil)

// The lease statements. Each leases in one statement: the inner SELECT
// locks the candidate rows with FOR UPDATE SKIP LOCKED, so that concurrent
// replicas pass over each other's candidates instead of waiting for them,
// and a row another replica leased and committed meanwhile is re-read and
// re-checked under READ COMMITTED (its due_lease_until is now in the
// future), so it is never handed out twice. Rows a webhook's Process holds
// are skipped too, and leased at the next call. The status lists are the
// Undecided states of package status (a test checks them), written out so
// that the partial indexes of the schema apply.
//
// Every time in them is the store's clock, $4: the database's own
// (statement_timestamp(), passed as NULL) unless WithClock injected one.
// The replicas' clocks never decide a lease: two replicas whose clocks
// drift apart by more than a lease still compare against one clock, the
// server's. statement_timestamp(), not clock_timestamp(): it is one value
// for the whole statement (the comparison and the lease end agree, and
// the planner can use it on the partial indexes), and it is no earlier
// than the moment the caller sent the statement, so a lease never ends
// before the caller's DueQuery.Now plus Lease. The due bounds ($3, $5)
// are intervals subtracted from it: updated_at is stamped by the same
// clock (lockAndRead).
const (
	leaseNow      = `coalesce($4::timestamptz, statement_timestamp())`
	leasePayments = `UPDATE qpay_payments p SET due_owner = $1, due_lease_until = ` + leaseNow + ` + $2::bigint * interval '1 microsecond'
		FROM (SELECT account, provider, id FROM qpay_payments
			WHERE status IN ('unknown', 'pending', 'processing') AND updated_at <= ` + leaseNow + ` - $3::bigint * interval '1 microsecond'
				AND (due_check_after IS NULL OR due_check_after <= ` + leaseNow + `)
				AND (due_lease_until IS NULL OR due_lease_until <= ` + leaseNow + `)
			ORDER BY coalesce(due_check_after, updated_at), account, provider, id
			LIMIT $5
			FOR UPDATE SKIP LOCKED) d
		WHERE p.account = d.account AND p.provider = d.provider AND p.id = d.id
		RETURNING p.account, p.provider, p.id, p.id, p.status, p.due_checks, p.updated_at`
	leaseRefunds = `UPDATE qpay_refunds r SET due_owner = $1, due_lease_until = ` + leaseNow + ` + $2::bigint * interval '1 microsecond'
		FROM (SELECT account, provider, id FROM qpay_refunds
			WHERE status IN ('unknown', 'pending') AND updated_at <= ` + leaseNow + ` - $3::bigint * interval '1 microsecond'
				AND (due_check_after IS NULL OR due_check_after <= ` + leaseNow + `)
				AND (due_lease_until IS NULL OR due_lease_until <= ` + leaseNow + `)
			ORDER BY coalesce(due_check_after, updated_at), account, provider, id
			LIMIT $5
			FOR UPDATE SKIP LOCKED) d
		WHERE r.account = d.account AND r.provider = d.provider AND r.id = d.id
		RETURNING r.account, r.provider, r.id, r.payment_id, r.status, r.due_checks, r.updated_at`
	// The next check comes in the caller's clock, like the Due's
	// LeaseUntil; the row's due_lease_until is the same moment in the
	// store's clock, so the check is set that far ($5 microseconds) from
	// it: no replica's clock is written into the row.
	releasePayment = `UPDATE qpay_payments SET due_owner = '', due_lease_until = NULL,
			due_checks = due_checks + 1, due_check_after = due_lease_until + $5::bigint * interval '1 microsecond'
		WHERE account = $1 AND provider = $2 AND id = $3 AND due_owner = $4`
	releaseRefund = `UPDATE qpay_refunds SET due_owner = '', due_lease_until = NULL,
			due_checks = due_checks + 1, due_check_after = due_lease_until + $5::bigint * interval '1 microsecond'
		WHERE account = $1 AND provider = $2 AND id = $3 AND due_owner = $4`
)

// LeaseDue implements store.DueStore. Each kind of row is leased by one
// statement that commits on its own, so a lease is either taken and
// visible to every replica or not taken at all; a replica that dies holding
// one loses it at its expiry.
//
// Leases and due times are judged by the store's clock (the database's,
// or WithClock's), never by q.Now: q.Now only says in which clock to
// report LeaseUntil, q.Now+q.Lease, which is no later than the lease's
// real end (the database starts it when the statement arrives, after the
// caller read q.Now).
func (s *Store) LeaseDue(ctx context.Context, q store.DueQuery) ([]store.Due, error) {
	const op = store.OpLeaseDue
	if err := internal.CheckDueQuery(op, q.Now, q.Limit, q.Lease, q.PaymentAfter, q.RefundAfter, q.Owner); err != nil {
		return nil, err
	}
	at := s.injectedNow() // nil: the database's clock
	until := q.Now.UTC().Add(q.Lease)
	payments, err := s.lease(ctx, leasePayments, qpay.EventPayment, q.Owner, q.Lease, q.PaymentAfter, at, q.Limit, until)
	if err != nil {
		return nil, dbError(op, "leasing due payments", err)
	}
	if len(payments) >= q.Limit {
		return payments, nil
	}
	refunds, err := s.lease(ctx, leaseRefunds, qpay.EventRefund, q.Owner, q.Lease, q.RefundAfter, at, q.Limit-len(payments), until)
	if err != nil {
		// The payments are leased already; handing them back keeps them
		// from waiting for the lease's end.
		return payments, dbError(op, "leasing due refunds", err)
	}
	return append(payments, refunds...), nil
}

func (s *Store) lease(ctx context.Context, sql string, typ qpay.EventType, owner string, lease, after time.Duration, at *time.Time, limit int, until time.Time) ([]store.Due, error) {
	rows, err := s.pool.Query(ctx, sql, owner, lease.Microseconds(), after.Microseconds(), at, limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Due, error) {
		d := store.Due{Type: typ, LeaseUntil: until}
		var st string
		if err := row.Scan(&d.Account, &d.Provider, &d.ID, &d.PaymentID, &st, &d.Checks, &d.UpdatedAt); err != nil {
			return d, err
		}
		d.UpdatedAt = d.UpdatedAt.UTC()
		var err error
		if typ == qpay.EventPayment {
			d.Status, err = status.Parse(st)
		} else {
			d.RefundStatus, err = status.ParseRefund(st)
		}
		if err != nil {
			return d, corrupt(typ.String(), d.ID, err)
		}
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	// RETURNING of an UPDATE ... FROM keeps no order; the store's is the
	// oldest first, as the lease chose them.
	sortDue(out)
	return out, nil
}

// ReleaseDue implements store.DueStore. next is in the clock of the
// DueQuery that leased d, like d.LeaseUntil; the store keeps it as the
// same distance from the lease's end in its own clock, so a replica's
// clock never reaches the row. A Due with no LeaseUntil (not from
// LeaseDue, which always sets it) and a non-zero next is refused with
// qpay.KindInvalidRequest: there is no moment to measure next from.
func (s *Store) ReleaseDue(ctx context.Context, d store.Due, owner string, next time.Time) (bool, error) {
	if owner == "" {
		return false, nil // an unleased row's due_owner is '': never release what nobody holds
	}
	sql := releasePayment
	if d.Type == qpay.EventRefund {
		sql = releaseRefund
	}
	var after *int64
	if !next.IsZero() {
		if d.LeaseUntil.IsZero() {
			return false, &qpay.Error{Op: store.OpReleaseDue, Kind: qpay.KindInvalidRequest,
				Message: "pgstore: a next check for a Due without LeaseUntil (not from LeaseDue)"}
		}
		us := next.Sub(d.LeaseUntil).Microseconds()
		after = &us
	}
	tag, err := s.pool.Exec(ctx, sql, d.Account, d.Provider, d.ID, owner, after)
	if err != nil {
		return false, dbError(store.OpReleaseDue, "releasing a lease", err)
	}
	return tag.RowsAffected() == 1, nil
}

func sortDue(ds []store.Due) {
	slices.SortFunc(ds, func(a, b store.Due) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.Account, b.Account),
			cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.ID, b.ID))
	})
}
