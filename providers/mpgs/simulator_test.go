package mpgs_test

import (
	"testing"

	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/qpaytest"
)

// simulatorBackend is the simulator seen as the gateway: the notification
// secret it sends is not a signature over the body.
type simulatorBackend struct{ *qpaytest.Backend }

// WebhookSecretIsNotASignature implements conformance.SharedSecret.
func (simulatorBackend) WebhookSecretIsNotASignature() {}

// The same scenarios as TestConformance, against the offline simulator
// over real HTTP instead of gock fixtures.
func TestConformanceAgainstTheSimulator(t *testing.T) {
	conformance.Run(t, func(t *testing.T) conformance.Backend {
		return simulatorBackend{qpaytest.NewBackend(t, qpaytest.ProviderMPGS)}
	})
}
