package mpgs

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay/status"
)

func TestPaymentStatus(t *testing.T) {
	pay := func(result, code string) *transactionAnswer {
		t := &transactionAnswer{Result: result}
		t.Response.GatewayCode = code
		return t
	}
	tests := []struct {
		order string
		tx    *transactionAnswer
		want  status.Status
	}{
		// The answer to INITIATE_BROWSER_PAYMENT.
		{"INITIATED", pay("SUCCESS", "SUBMITTED"), status.Pending},
		{"PENDING", pay("PENDING", "PENDING"), status.Pending},
		{"INITIATED", nil, status.Pending},
		// The shopper paid.
		{"CAPTURED", pay("SUCCESS", "APPROVED"), status.Captured},
		{"CAPTURED", nil, status.Captured},
		{"INITIATED", pay("SUCCESS", "APPROVED"), status.Captured}, // the order level lagging
		{"INITIATED", pay("SUCCESS", "APPROVED_PENDING_SETTLEMENT"), status.Captured},
		// Money moved: the order level decides whatever the payment says.
		{"PARTIALLY_REFUNDED", pay("SUCCESS", "APPROVED"), status.PartiallyRefunded},
		{"REFUNDED", pay("SUCCESS", "APPROVED"), status.Refunded},
		{"EXCESSIVELY_REFUNDED", nil, status.Refunded},
		{"REFUND_REQUESTED", pay("SUCCESS", "APPROVED"), status.Captured},
		// The shopper did not pay.
		{"FAILED", pay("FAILURE", "DECLINED"), status.Failed},
		{"FAILED", pay("FAILURE", "INSUFFICIENT_FUNDS"), status.Failed},
		{"FAILED", pay("FAILURE", "CANCELLED"), status.Canceled},
		{"FAILED", pay("FAILURE", "ABORTED"), status.Canceled},
		{"FAILED", pay("FAILURE", "TIMED_OUT"), status.Expired},
		{"FAILED", nil, status.Failed},
		{"CANCELLED", nil, status.Canceled},
		// Open outcomes are never a success.
		{"INITIATED", pay("UNKNOWN", "TIMED_OUT"), status.Unknown},
		{"INITIATED", pay("UNKNOWN", "UNKNOWN"), status.Unknown},
		{"INITIATED", pay("SUCCESS", "SOMETHING_NEW"), status.Pending},
		{"SOMETHING_NEW", pay("SUCCESS", "SOMETHING_NEW"), status.Unknown},
		{"", nil, status.Unknown},
		{"captured", nil, status.Unknown}, // exact matching
		{"VERIFIED", nil, status.Unknown},
		{"AUTHORIZED", nil, status.Processing},
		{"AUTHENTICATION_UNSUCCESSFUL", nil, status.Failed},
	}
	for _, tt := range tests {
		name := tt.order
		if tt.tx != nil {
			name += "/" + tt.tx.Result + "/" + tt.tx.Response.GatewayCode
		}
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, paymentStatus(tt.order, tt.tx))
		})
	}
}

func TestRefundStatus(t *testing.T) {
	tests := []struct {
		result, code string
		want         status.RefundStatus
	}{
		{"SUCCESS", "APPROVED", status.RefundSucceeded},
		{"SUCCESS", "APPROVED_AUTO", status.RefundSucceeded},
		{"SUCCESS", "SUBMITTED", status.RefundPending},
		{"PENDING", "", status.RefundPending},
		{"FAILURE", "DECLINED", status.RefundFailed},
		{"UNKNOWN", "TIMED_OUT", status.RefundUnknown},
		{"SUCCESS", "SOMETHING_NEW", status.RefundUnknown},
		{"", "", status.RefundUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, refundStatus(tt.result, tt.code), "%s/%s", tt.result, tt.code)
	}
}

func TestMethod(t *testing.T) {
	qpayFunds := sourceOfFunds{Type: "BROWSER_PAYMENT", BrowserPayment: browserPaymentSrc{Type: "QPAY"}}
	assert.True(t, method(qpayFunds).IsQPay())
	assert.Equal(t, "knet", method(sourceOfFunds{Type: "BROWSER_PAYMENT", BrowserPayment: browserPaymentSrc{Type: "KNET"}}).Type)
	assert.Equal(t, "card", method(sourceOfFunds{Type: "CARD"}).Type)
	assert.False(t, method(sourceOfFunds{}).Known())
}
