package checkout

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// Finding 5 of issue 12: the first attempt times out while Checkout is
// still processing it, the resend under the same key gets 409 ("Conflict
// with another request being processed"), and a later resend gets the
// original answer replayed. The call succeeds with the one payment or
// refund; the caller never sees the 409, so never retries with a new key.
func TestInFlightConflictIsWaitedOut(t *testing.T) {
	const slow = 400 * time.Millisecond // longer than the attempt timeout
	tune := func(t *testing.T) qpay.Provider {
		t.Helper()
		// newTestProvider's options, with an attempt timeout the slow
		// answer exceeds.
		opts := testHTTP(t)
		opts.AttemptTimeout = 100 * time.Millisecond
		p, err := New(Config{SecretKey: sandboxKey, WebhookSecret: webhookSecret, HTTP: opts})
		require.NoError(t, err)
		return p
	}

	t.Run("create", func(t *testing.T) {
		p := tune(t)
		var rec recorder
		accepted := string(fixture(t, "payment-pending-202.json"))
		gock.New(SandboxBaseURL).Post("^/payments$").Reply(http.StatusAccepted).Delay(slow).BodyString(accepted).Map(rec.record)
		gock.New(SandboxBaseURL).Post("^/payments$").Times(2).Reply(http.StatusConflict).Map(rec.record)
		gock.New(SandboxBaseURL).Post("^/payments$").Reply(http.StatusAccepted).BodyString(accepted).Map(rec.record)

		req := newPaymentReq()
		req.Reference = "ord_01" // as the 202 echoes it
		pay, err := p.CreatePayment(context.Background(), req)
		require.NoError(t, err, "the 409 is waited out")
		requireGockDone(t)
		assert.Equal(t, fixturePaymentID, pay.ID)
		sameKeyEveryTime(t, rec.all(), 4)
	})

	t.Run("refund", func(t *testing.T) {
		p := tune(t)
		refund, capture := fixtureActions(t)
		delete(refund, "approved") // pending
		mockPayment(t, fixture(t, "payment-captured.json"))
		mockActions(t, capture) // the refundable check: no refund yet
		var rec recorder
		refunds := "^/payments/" + fixturePaymentID + "/refunds$"
		accepted := string(fixture(t, "refund-accepted-202.json"))
		gock.New(SandboxBaseURL).Post(refunds).Reply(http.StatusAccepted).Delay(slow).BodyString(accepted).Map(rec.record)
		// Before resending after the timeout, the actions are read back:
		// the refund is still being processed, so it is not there yet.
		mockActions(t, capture)
		gock.New(SandboxBaseURL).Post(refunds).Times(2).Reply(http.StatusConflict).Map(rec.record)
		gock.New(SandboxBaseURL).Post(refunds).Reply(http.StatusAccepted).BodyString(accepted).Map(rec.record)
		// The replayed 202 carries no amount: its action is read back.
		mockActions(t, refund, capture)

		r, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1"})
		require.NoError(t, err, "the 409 is waited out")
		requireGockDone(t)
		assert.Equal(t, "act_y3oqhf46pyzuxjbcn2giaqnb44", r.ID)
		assert.Equal(t, status.RefundPending, r.Status)
		assert.True(t, r.Amount.Equal(qar("0.50")))
		sameKeyEveryTime(t, rec.all(), 4)
	})

	t.Run("a replay of another amount under the reference", func(t *testing.T) {
		// Another replica refunded QAR 0.40 under the same reference while
		// this call was in flight: the 409, then the replay of its 202.
		p := tune(t)
		refund, capture := fixtureActions(t)
		refund["amount"] = 40
		mockPayment(t, fixture(t, "payment-captured.json"))
		mockActions(t, capture)
		refunds := "^/payments/" + fixturePaymentID + "/refunds$"
		gock.New(SandboxBaseURL).Post(refunds).Reply(http.StatusConflict)
		gock.New(SandboxBaseURL).Post(refunds).Reply(http.StatusAccepted).BodyString(string(fixture(t, "refund-accepted-202.json")))
		mockActions(t, refund, capture)

		_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: fixturePaymentID, Amount: qar("0.50"), Reference: "rfd_ord_01_1"})
		e := requireKind(t, err, qpay.KindIntegrity)
		assert.False(t, e.Retryable)
		assert.Contains(t, e.Message, "the reference already names another refund")
		requireGockDone(t)
	})
}

// sameKeyEveryTime checks that n requests were made, all with one
// idempotency key.
func sameKeyEveryTime(t *testing.T, reqs []recorded, n int) {
	t.Helper()
	require.Len(t, reqs, n)
	key := reqs[0].Header.Get("Cko-Idempotency-Key")
	require.NotEmpty(t, key)
	for i, r := range reqs {
		assert.Equal(t, key, r.Header.Get("Cko-Idempotency-Key"), "request %d", i+1)
		assert.Equal(t, reqs[0].Body, r.Body, "request %d", i+1)
	}
}
