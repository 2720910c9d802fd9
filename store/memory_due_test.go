package store_test

import (
	"testing"
	"time"

	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/storetest"
)

func TestMemoryDue(t *testing.T) {
	// The memory store judges leases by DueQuery.Now, which the suite
	// moves, and stamps rows with the real clock: the suite's clock is
	// the real one until a query moves it.
	storetest.RunDue(t, func(t *testing.T, n int, _ func() time.Time) []store.Store {
		m := store.NewMemory()
		stores := make([]store.Store, n)
		for i := range stores {
			stores[i] = m
		}
		return stores
	})
}
