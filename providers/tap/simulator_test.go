package tap_test

import (
	"testing"

	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/qpaytest"
)

// The same scenarios as TestConformance, against the offline simulator
// over real HTTP instead of gock fixtures.
func TestConformanceAgainstTheSimulator(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Backend {
		return qpaytest.NewBackend(t, qpaytest.ProviderTap)
	})
}
