package providers_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started (an HTTP
// connection, a retry timer, a webhook delivery, a simulator handler) is
// still running when they end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
