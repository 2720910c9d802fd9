package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/pgstore"
	"github.com/qpay-go/qpay/store/storetest"
)

func TestDueSuite(t *testing.T) {
	db := openDB(t)
	storetest.RunDue(t, func(t *testing.T, n int, now func() time.Time) []store.Store {
		var out []store.Store
		for _, s := range db.replicas(t, db.newSchema(t), n, pgstore.WithClock(now)) {
			out = append(out, s)
		}
		return out
	})
}

// TestLeasesIgnoreTheReplicasClocks runs two replicas whose clocks (the
// DueQuery.Now each passes) are far apart, ten leases and then some, on
// the database's clock (no WithClock): the replica whose clock runs ahead
// cannot take an item the other holds, however far ahead it runs, nor can
// the one behind. Judged by the replicas' clocks, the one ahead would see
// the other's lease as long over and take the item too.
func TestLeasesIgnoreTheReplicasClocks(t *testing.T) {
	db := openDB(t)
	const lease = time.Minute
	cases := map[string]time.Duration{
		"the second replica's clock runs ahead":  10*lease + time.Second,
		"the second replica's clock runs behind": -(10*lease + time.Second),
	}
	for name, skew := range cases {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			schema := db.newSchema(t)
			r := db.replicas(t, schema, 2)
			const id = "chg_TS01A1020231234Xy9Z0123456"
			require.NoError(t, r[0].Track(ctx, &qpay.Payment{Provider: "tap", ID: id, Status: status.Pending,
				RawStatus: "INITIATED", Amount: money.MustParse("79.10", "QAR")}))
			query := func(owner string, clock time.Time) store.DueQuery {
				// Due at once: the store's clock alone says when.
				return store.DueQuery{Now: clock, Limit: 10, Owner: owner, Lease: lease}
			}

			a, err := r[0].LeaseDue(ctx, query("replica-a", time.Now()))
			require.NoError(t, err)
			require.Len(t, a, 1, "due, and free")
			assert.Equal(t, id, a[0].ID)

			skewed := time.Now().Add(skew)
			b, err := r[1].LeaseDue(ctx, query("replica-b", skewed))
			require.NoError(t, err)
			assert.Empty(t, b, "replica-a holds the item until its lease ends on the database's clock")

			// LeaseUntil is in the caller's clock, so its cut-off is right
			// whatever the database's clock says.
			assert.WithinDuration(t, time.Now().Add(lease), a[0].LeaseUntil, lease/2)

			// Released with a next check a minute away in replica-a's
			// clock: a minute away on the database's too, so the replica
			// ahead still finds nothing due.
			ok, err := r[0].ReleaseDue(ctx, a[0], "replica-a", a[0].LeaseUntil.Add(-lease).Add(time.Minute))
			require.NoError(t, err)
			require.True(t, ok)
			b, err = r[1].LeaseDue(ctx, query("replica-b", skewed))
			require.NoError(t, err)
			assert.Empty(t, b, "the next check is on the database's clock, not replica-b's")

			// The check comes due: free for the other replica.
			db.exec(t, `UPDATE `+pgx.Identifier{schema, "qpay_payments"}.Sanitize()+` SET due_check_after = NULL`)
			b, err = r[1].LeaseDue(ctx, query("replica-b", skewed))
			require.NoError(t, err)
			require.Len(t, b, 1)
			a, err = r[0].LeaseDue(ctx, query("replica-a", time.Now()))
			require.NoError(t, err)
			assert.Empty(t, a, "replica-b holds it now")
		})
	}
}
