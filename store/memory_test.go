package store_test

import (
	"testing"

	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, n int) []store.Store {
		// Replicas of an in-memory store can only be goroutines of one
		// process sharing one value.
		m := store.NewMemory()
		stores := make([]store.Store, n)
		for i := range stores {
			stores[i] = m
		}
		return stores
	})
}
