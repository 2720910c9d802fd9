package store_test

import (
	"testing"

	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/storetest"
)

func TestMemoryDue(t *testing.T) {
	storetest.RunDue(t, func(t *testing.T, n int) []store.Store {
		m := store.NewMemory()
		stores := make([]store.Store, n)
		for i := range stores {
			stores[i] = m
		}
		return stores
	})
}
