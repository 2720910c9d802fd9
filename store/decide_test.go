package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// TestDecideRefusesRowsOfAnotherAccount: Decide and DecideTrack check the
// snapshot a Store read against the account of what they apply, so that a
// Store that read the wrong rows fails loudly instead of writing one
// account's state under another's key.
func TestDecideRefusesRowsOfAnotherAccount(t *testing.T) {
	amount := money.MustParse("100.00", "QAR")
	zero := money.MustParse("0.00", "QAR")
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	storedPayment := func(account string) *store.Payment {
		return &store.Payment{Account: account, Provider: "tap", ID: "chg_1", Status: status.Captured, Amount: amount, Refunded: zero}
	}
	paymentEvent := &qpay.WebhookEvent{ID: "evt_1", Provider: "tap", Account: "a", Type: qpay.EventPayment,
		Payment: &qpay.Payment{Provider: "tap", Account: "a", ID: "chg_1", Status: status.Captured, Amount: amount}}
	refundEvent := &qpay.WebhookEvent{ID: "evt_2", Provider: "tap", Account: "a", Type: qpay.EventRefund,
		Refund: &qpay.Refund{Provider: "tap", Account: "a", ID: "re_1", PaymentID: "chg_1", Status: status.RefundSucceeded, Amount: zero}}

	cases := []struct {
		name   string
		decide func() (store.Change, error)
	}{
		{"payment event, payment of another account", func() (store.Change, error) {
			return store.Decide(paymentEvent, store.Snapshot{Payment: storedPayment("b")}, now)
		}},
		{"track, payment of another account", func() (store.Change, error) {
			return store.DecideTrack(paymentEvent.Payment, store.Snapshot{Payment: storedPayment("")}, now)
		}},
		{"refund event, payment of another account", func() (store.Change, error) {
			return store.Decide(refundEvent, store.Snapshot{Payment: storedPayment("b")}, now)
		}},
		{"refund event, refund of another account", func() (store.Change, error) {
			return store.Decide(refundEvent, store.Snapshot{Payment: storedPayment("a"),
				Refund: &store.Refund{Account: "b", Provider: "tap", ID: "re_1", PaymentID: "chg_1", Amount: zero}}, now)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.decide()
			assert.ErrorIs(t, err, qpay.KindIntegrity)
		})
	}

	t.Run("early refunds of another account are not counted", func(t *testing.T) {
		early := store.Refund{Account: "b", Provider: "tap", ID: "re_9", PaymentID: "chg_1",
			Status: status.RefundSucceeded, Amount: money.MustParse("40.00", "QAR")}
		c, err := store.DecideTrack(paymentEvent.Payment, store.Snapshot{Uncounted: []store.Refund{early}}, now)
		require.NoError(t, err)
		require.NotNil(t, c.Payment)
		assert.Equal(t, "a", c.Payment.Account)
		assert.Equal(t, "QAR 0.00", c.Payment.Refunded.String())
		assert.Empty(t, c.Refunds)
	})
}
