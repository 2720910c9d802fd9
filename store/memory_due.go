package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/store/internal"
)

var _ DueStore = (*Memory)(nil)

// dueKey names a payment or a refund row.
type dueKey struct {
	typ qpay.EventType
	key
}

// dueState is what a reconciler keeps about a row, beside the row itself,
// as pgstore keeps it in extra columns of the row.
type dueState struct {
	checks     int
	checkAfter time.Time // zero: never checked
	owner      string
	leaseUntil time.Time
}

// LeaseDue implements DueStore.
func (m *Memory) LeaseDue(ctx context.Context, q DueQuery) ([]Due, error) {
	if err := internal.CheckDueQuery(OpLeaseDue, q.Now, q.Limit, q.Lease, q.PaymentAfter, q.RefundAfter, q.Owner); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &qpay.Error{Op: OpLeaseDue, Kind: qpay.KindCanceled, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.due == nil {
		m.due = make(map[dueKey]dueState)
	}
	free := func(k dueKey, updated time.Time, after time.Duration) (dueState, bool) {
		st := m.due[k]
		if updated.After(q.Now.Add(-after)) || st.checkAfter.After(q.Now) || st.leaseUntil.After(q.Now) {
			return st, false
		}
		return st, true
	}
	var out []Due
	for k, p := range m.payments {
		dk := dueKey{qpay.EventPayment, k}
		if st, ok := free(dk, p.UpdatedAt, q.PaymentAfter); ok && p.Status.Undecided() {
			out = append(out, Due{Type: qpay.EventPayment, Account: k.account, Provider: k.provider, ID: k.id,
				PaymentID: k.id, Status: p.Status, Checks: st.checks, UpdatedAt: p.UpdatedAt, LeaseUntil: st.checkAfter})
		}
	}
	for k, r := range m.refunds {
		dk := dueKey{qpay.EventRefund, k}
		if st, ok := free(dk, r.UpdatedAt, q.RefundAfter); ok && r.Status.Undecided() {
			out = append(out, Due{Type: qpay.EventRefund, Account: k.account, Provider: k.provider, ID: k.id,
				PaymentID: r.PaymentID, RefundStatus: r.Status, Checks: st.checks, UpdatedAt: r.UpdatedAt, LeaseUntil: st.checkAfter})
		}
	}
	// LeaseUntil holds the next check time while sorting: the order is
	// pgstore's, payments first, the longest waiting first.
	slices.SortFunc(out, func(a, b Due) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), waiting(a).Compare(waiting(b)),
			cmp.Compare(a.Account, b.Account), cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.ID, b.ID))
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	until := q.Now.Add(q.Lease)
	for i := range out {
		d := &out[i]
		dk := dueKey{d.Type, key{d.Account, d.Provider, d.ID}}
		st := m.due[dk]
		st.owner, st.leaseUntil = q.Owner, until
		m.due[dk] = st
		d.LeaseUntil = until
	}
	return out, nil
}

// waiting is since when d has waited: its last check, or its last change.
func waiting(d Due) time.Time {
	if !d.LeaseUntil.IsZero() {
		return d.LeaseUntil
	}
	return d.UpdatedAt
}

// ReleaseDue implements DueStore.
func (m *Memory) ReleaseDue(ctx context.Context, d Due, owner string, next time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, &qpay.Error{Op: OpReleaseDue, Kind: qpay.KindCanceled, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dk := dueKey{d.Type, key{d.Account, d.Provider, d.ID}}
	st, ok := m.due[dk]
	if !ok || st.owner != owner || owner == "" {
		return false, nil
	}
	m.due[dk] = dueState{checks: st.checks + 1, checkAfter: next}
	return true, nil
}
