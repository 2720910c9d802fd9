package driver

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// finderStub lists payments by reference.
type finderStub struct {
	*stub
	found []*qpay.Payment
}

func (f *finderStub) PaymentsByReference(context.Context, string) ([]*qpay.Payment, error) {
	return f.found, nil
}

// The owner check is the portable layer's, on every read path: an object
// the driver reports as another merchant's is refused (never retryable)
// when the configuration names an owner; one that reports no owner, or a
// configuration that names none, compares nothing.
func TestObjectsOfAnotherOwnerAreRefusedOnEveryReadPath(t *testing.T) {
	ctx := context.Background()
	pay := func(owner string) *qpay.Payment {
		return &qpay.Payment{ID: "pay_1", Owner: owner, Status: status.Captured, Amount: qar("10"), Reference: "order-17"}
	}
	refund := func(owner string) *qpay.Refund {
		return &qpay.Refund{ID: "act_1", Owner: owner, PaymentID: "pay_1", Status: status.RefundSucceeded, Amount: qar("1"), Reference: "r1"}
	}
	cases := []struct {
		configured, reported string
		foreign              bool
	}{
		{"ch_a", "ch_b", true},
		{"ch_a", "ch_a", false},
		{"ch_a", "", false},
		{"", "ch_b", false},
	}
	for _, c := range cases {
		p := Wrap(&stub{read: pay(c.reported), readRef: refund(c.reported)}, Options{Owner: c.configured, Account: "m"})
		_, err := p.GetPayment(ctx, "pay_1")
		checkForeign(t, "GetPayment", c.foreign, err)
		_, err = p.(qpay.RefundGetter).GetRefund(ctx, "pay_1", "act_1")
		checkForeign(t, "GetRefund", c.foreign, err)
		_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: "pay_1", Amount: qar("1"), Reference: "r2"})
		if c.foreign {
			checkForeign(t, "Refund", true, err)
		}
		signed := Wrap(&stub{event: &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventPayment, Payment: pay(c.reported)}},
			Options{Owner: c.configured, Account: "m"})
		_, err = signed.ParseWebhook(ctx, nil, []byte(`{}`))
		checkForeign(t, "ParseWebhook", c.foreign, err)

		found, err := Wrap(&finderStub{stub: &stub{}, found: []*qpay.Payment{pay(c.reported), {ID: "pay_2", Owner: c.configured, Status: status.Pending, Amount: qar("10"), Reference: "order-17"}}},
			Options{Owner: c.configured}).(qpay.PaymentFinder).PaymentsByReference(ctx, "order-17")
		require.NoError(t, err)
		if c.foreign {
			assert.Len(t, found, 1, "another merchant's order under the same reference is left out")
			assert.Equal(t, "pay_2", found[0].ID)
		} else {
			assert.Len(t, found, 2)
		}
	}
}

func checkForeign(t *testing.T, op string, foreign bool, err error) {
	t.Helper()
	if !foreign {
		assert.NotErrorIs(t, err, qpay.KindForeignAccount, op)
		return
	}
	var e *qpay.Error
	require.ErrorAs(t, err, &e, op)
	assert.Equal(t, qpay.KindForeignAccount, e.Kind, op)
	assert.False(t, e.Retryable, op)
}
