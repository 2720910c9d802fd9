package checkout

import (
	"context"
	"net/http"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

// The payment status table, as the specification states it: every status
// Checkout documents (OAS, checkout-sdk-go, hyperswitch) and what it means
// for a QPay payment.
var wantPaymentStatuses = map[string]status.Status{
	"Pending":            status.Pending,
	"Authorized":         status.Processing,
	"Retry Scheduled":    status.Processing,
	"Captured":           status.Captured,
	"Paid":               status.Captured,
	"Partially Refunded": status.PartiallyRefunded,
	"Refunded":           status.Refunded,
	"Declined":           status.Failed,
	"Canceled":           status.Canceled,
	"Voided":             status.Canceled,
	"Expired":            status.Expired,
	"Card Verified":      status.Unknown, // not a QPay state
	"Partially Captured": status.Unknown, // not a QPay state: never paid
	"Active":             status.Unknown, // SDK only
	"Requested":          status.Unknown, // SDK only
}

func TestPaymentStatusTableIsTheSpecification(t *testing.T) {
	assert.Equal(t, wantPaymentStatuses, paymentStatuses)
}

// Each documented status, read back through GetPayment, gives its
// normalized status and keeps the raw one.
func TestGetPaymentMapsEveryStatus(t *testing.T) {
	for raw, want := range wantPaymentStatuses {
		t.Run(raw, func(t *testing.T) {
			p := newTestProvider(t, Config{})
			body := patch(t, fixture(t, "payment-captured.json"), func(m map[string]any) { m["status"] = raw })
			gock.New(SandboxBaseURL).Get("^/payments/" + fixturePaymentID + "$").Reply(http.StatusOK).BodyString(string(body))
			pay, err := p.GetPayment(context.Background(), fixturePaymentID)
			require.NoError(t, err)
			requireGockDone(t)
			assert.Equal(t, want, pay.Status)
			assert.Equal(t, raw, pay.RawStatus)
		})
	}
}

// Anything not in the table is Unknown, which is never a success.
func TestUnknownPaymentStatusesAreUnknown(t *testing.T) {
	for _, raw := range []string{"", "captured", "CAPTURED", " Captured", "Captured ", "PartiallyRefunded", "Settled", "Approved", "Succeeded"} {
		t.Run(raw, func(t *testing.T) {
			got := paymentStatus(raw)
			assert.Equal(t, status.Unknown, got)
			assert.False(t, got.Succeeded())
		})
	}
}

// The card-only states are the ones a careless table would call paid.
func TestCardOnlyStatusesAreNeverPaid(t *testing.T) {
	for _, raw := range []string{"Card Verified", "Partially Captured", "Authorized", "Retry Scheduled"} {
		assert.False(t, paymentStatus(raw).Succeeded(), raw)
	}
}
