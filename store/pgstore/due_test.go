package pgstore_test

import (
	"testing"

	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/storetest"
)

func TestDueSuite(t *testing.T) {
	db := openDB(t)
	storetest.RunDue(t, func(t *testing.T, n int) []store.Store {
		var out []store.Store
		for _, s := range db.replicas(t, db.newSchema(t), n) {
			out = append(out, s)
		}
		return out
	})
}
