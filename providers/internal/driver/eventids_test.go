package driver

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// TestWebhookIDsAStoreCannotKeepAreMalformed covers what fuzzing
// FuzzParseWebhook found: a correctly signed body whose event, payment or
// refund ID no store can file (control characters, a key too long) used to
// come back as an event, which the merchant's store then refused, answering
// 500 so the provider would deliver it again forever. It is a malformed
// webhook, refused at parsing.
func TestWebhookIDsAStoreCannotKeepAreMalformed(t *testing.T) {
	payment := func(eventID, paymentID string) *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: eventID, Type: qpay.EventPayment,
			Payment: &qpay.Payment{ID: paymentID, Status: status.Captured, Amount: qar("1.00")}}
	}
	refund := func(refundID, paymentID string) *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventRefund,
			Refund: &qpay.Refund{ID: refundID, PaymentID: paymentID, Status: status.RefundSucceeded, Amount: qar("1.00")}}
	}
	tests := []struct {
		name string
		ev   *qpay.WebhookEvent
		ok   bool
	}{
		{"ordinary payment event", payment("tap:chg_1:CAPTURED", "chg_1"), true},
		{"ordinary refund event", refund("re_1", "chg_1"), true},
		{"event ID with a control character", payment("tap:0:\x7f", "chg_1"), false},
		{"event ID with a newline", payment("evt_1\nevt_2", "pay_1"), false},
		{"event ID with U+0085 (C1 next line)", payment("evt_1\u0085evt_2", "pay_1"), false},
		{"event ID with U+009B (C1 terminal escape)", payment("evt_1\u009b31m", "pay_1"), false},
		{"event ID with a right-to-left override", payment("evt_\u202e1", "pay_1"), false},
		{"event ID with a zero-width space", payment("evt_\u200b1", "pay_1"), false},
		{"event ID of 255 bytes", payment("tap:chg_1:"+strings.Repeat("X", 255-len("tap:chg_1:")), "chg_1"), true},
		{"event ID of invalid UTF-8", payment("evt_\xff", "pay_1"), false},
		{"event ID longer than a store key", payment("tap:chg_1:"+strings.Repeat("X", 250), "chg_1"), false},
		{"payment ID with a slash", payment("evt_1", "pay_1/../refunds"), false},
		{"payment ID with a space", payment("evt_1", "pay 1"), false},
		{"refund ID with a control character", refund("re_\x00", "chg_1"), false},
		{"refund of a payment ID with a query", refund("re_1", "chg_1?x=1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Wrap(&stub{event: tt.ev}, Options{})
			ev, err := p.ParseWebhook(context.Background(), nil, []byte(`{}`))
			if tt.ok {
				require.NoError(t, err)
				assert.NotNil(t, ev)
				return
			}
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, qpay.KindProtocol)
		})
	}
}
