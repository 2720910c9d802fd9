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
const (
	leasePayments = `UPDATE qpay_payments p SET due_owner = $1, due_lease_until = $2
		FROM (SELECT account, provider, id FROM qpay_payments
			WHERE status IN ('unknown', 'pending', 'processing') AND updated_at <= $3
				AND (due_check_after IS NULL OR due_check_after <= $4)
				AND (due_lease_until IS NULL OR due_lease_until <= $4)
			ORDER BY coalesce(due_check_after, updated_at), account, provider, id
			LIMIT $5
			FOR UPDATE SKIP LOCKED) d
		WHERE p.account = d.account AND p.provider = d.provider AND p.id = d.id
		RETURNING p.account, p.provider, p.id, p.id, p.status, p.due_checks, p.updated_at`
	leaseRefunds = `UPDATE qpay_refunds r SET due_owner = $1, due_lease_until = $2
		FROM (SELECT account, provider, id FROM qpay_refunds
			WHERE status IN ('unknown', 'pending') AND updated_at <= $3
				AND (due_check_after IS NULL OR due_check_after <= $4)
				AND (due_lease_until IS NULL OR due_lease_until <= $4)
			ORDER BY coalesce(due_check_after, updated_at), account, provider, id
			LIMIT $5
			FOR UPDATE SKIP LOCKED) d
		WHERE r.account = d.account AND r.provider = d.provider AND r.id = d.id
		RETURNING r.account, r.provider, r.id, r.payment_id, r.status, r.due_checks, r.updated_at`
	releasePayment = `UPDATE qpay_payments SET due_owner = '', due_lease_until = NULL,
			due_checks = due_checks + 1, due_check_after = $5
		WHERE account = $1 AND provider = $2 AND id = $3 AND due_owner = $4`
	releaseRefund = `UPDATE qpay_refunds SET due_owner = '', due_lease_until = NULL,
			due_checks = due_checks + 1, due_check_after = $5
		WHERE account = $1 AND provider = $2 AND id = $3 AND due_owner = $4`
)

// LeaseDue implements store.DueStore. Each kind of row is leased by one
// statement that commits on its own, so a lease is either taken and
// visible to every replica or not taken at all; a replica that dies holding
// one loses it at its expiry.
func (s *Store) LeaseDue(ctx context.Context, q store.DueQuery) ([]store.Due, error) {
	const op = store.OpLeaseDue
	if err := internal.CheckDueQuery(op, q.Now, q.Limit, q.Lease, q.PaymentAfter, q.RefundAfter, q.Owner); err != nil {
		return nil, err
	}
	nowAt := q.Now.UTC()
	until := nowAt.Add(q.Lease)
	payments, err := s.lease(ctx, leasePayments, qpay.EventPayment, q.Owner, until, nowAt.Add(-q.PaymentAfter), nowAt, q.Limit)
	if err != nil {
		return nil, dbError(op, "leasing due payments", err)
	}
	if len(payments) >= q.Limit {
		return payments, nil
	}
	refunds, err := s.lease(ctx, leaseRefunds, qpay.EventRefund, q.Owner, until, nowAt.Add(-q.RefundAfter), nowAt, q.Limit-len(payments))
	if err != nil {
		// The payments are leased already; handing them back keeps them
		// from waiting for the lease's end.
		return payments, dbError(op, "leasing due refunds", err)
	}
	return append(payments, refunds...), nil
}

func (s *Store) lease(ctx context.Context, sql string, typ qpay.EventType, owner string, until, changedBefore, nowAt time.Time, limit int) ([]store.Due, error) {
	rows, err := s.pool.Query(ctx, sql, owner, until, changedBefore, nowAt, limit)
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

// ReleaseDue implements store.DueStore.
func (s *Store) ReleaseDue(ctx context.Context, d store.Due, owner string, next time.Time) (bool, error) {
	if owner == "" {
		return false, nil // an unleased row's due_owner is '': never release what nobody holds
	}
	sql := releasePayment
	if d.Type == qpay.EventRefund {
		sql = releaseRefund
	}
	var after *time.Time
	if !next.IsZero() {
		n := next.UTC()
		after = &n
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
