package tap

import (
	"context"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// Finding 5 of issue 12, at Tap: the first attempt times out while Tap is
// still processing it, the resend with the same reference.idempotent gets
// Tap's likely answer to a concurrent duplicate (409, UNCONFIRMED), and a
// later resend gets the original charge or refund. The call succeeds with
// the one charge or refund.
func TestInFlightConflictIsWaitedOut(t *testing.T) {
	const slow = 400 * time.Millisecond // longer than the attempt timeout
	conflict := `{"errors":[{"code":"409","description":"Conflict with another request being processed"}]}`
	tune := func(c *Config) { c.HTTP.AttemptTimeout = 100 * time.Millisecond }

	t.Run("create", func(t *testing.T) {
		p := newTestProvider(t, tune)
		var rec recorder
		charge := fixture(t, "charge-initiated.json")
		tapAPI().Post("^/v2/charges$").Reply(200).Delay(slow).JSON(charge).Map(rec.record)
		tapAPI().Post("^/v2/charges$").Times(2).Reply(409).BodyString(conflict).Map(rec.record)
		tapAPI().Post("^/v2/charges$").Reply(200).JSON(charge).Map(rec.record)

		pay, err := p.CreatePayment(context.Background(), seedRequest())
		require.NoError(t, err, "the 409 is waited out")
		assert.True(t, gock.IsDone())
		assert.NotEmpty(t, pay.ID)
		sameKeyEveryTime(t, &rec, 4)
	})

	t.Run("refund", func(t *testing.T) {
		p := newTestProvider(t, tune)
		capturedSeed(t, 1)
		// The refundable check, then the read-back before the resend: the
		// refund is still being processed, so it is not listed yet.
		tapAPI().Post("^/v2/refunds/list$").Times(2).Reply(200).JSON(refundPage(t, false))
		var rec recorder
		refund := fixture(t, "refund-pending.json")
		tapAPI().Post("^/v2/refunds$").Reply(200).Delay(slow).JSON(refund).Map(rec.record)
		tapAPI().Post("^/v2/refunds$").Times(2).Reply(409).BodyString(conflict).Map(rec.record)
		tapAPI().Post("^/v2/refunds$").Reply(200).JSON(refund).Map(rec.record)

		r, err := p.Refund(context.Background(), seedRefund())
		require.NoError(t, err, "the 409 is waited out")
		assert.True(t, gock.IsDone())
		assert.Equal(t, "re_TS05A1120241150Xy7k1906512", r.ID)
		sameKeyEveryTime(t, &rec, 4)
		assert.Contains(t, string(rec.body(t, 0)), driver.RefundKey("tap", "", seedChargeID, "rfd_ord_01_1"))
	})

	t.Run("a replay of another amount under the reference", func(t *testing.T) {
		// Another replica refunded QAR 0.40 under the same reference: Tap
		// answers the key with that refund.
		p := newTestProvider(t, tune)
		capturedSeed(t, 1)
		tapAPI().Post("^/v2/refunds/list$").Reply(200).JSON(refundPage(t, false))
		tapAPI().Post("^/v2/refunds$").Reply(409).BodyString(conflict)
		tapAPI().Post("^/v2/refunds$").Reply(200).JSON(tapRefund(t, map[string]any{"amount": 0.4}))

		_, err := p.Refund(context.Background(), seedRefund())
		e := asError(t, err)
		assert.Equal(t, qpay.KindIntegrity, e.Kind, "%v", err)
		assert.False(t, e.Retryable)
		assert.Contains(t, e.Message, "the reference already names another refund")
		assert.True(t, gock.IsDone())
	})
}

// sameKeyEveryTime checks that n requests were made with the same bytes,
// reference.idempotent included.
func sameKeyEveryTime(t *testing.T, rec *recorder, n int) {
	t.Helper()
	require.Equal(t, n, rec.count())
	first := rec.body(t, 0)
	assert.Contains(t, string(first), `"idempotent":"`)
	for i := 1; i < n; i++ {
		assert.Equal(t, string(first), string(rec.body(t, i)), "request %d", i+1)
	}
}
