package mpgs

import "github.com/qpay-go/qpay/status"

// Transaction types of a QPay order: the browser payment (PAY creates a
// PAYMENT transaction) and its refunds.
const (
	typePayment = "PAYMENT"
	typeRefund  = "REFUND"
)

// settledOrders are the order.status values that say the money moved: the
// order level is then the truth, whatever its transactions add. Values
// from Mastercard's order.status table (likely: read through third-party
// copies of it).
var settledOrders = map[string]status.Status{
	"CAPTURED":             status.Captured,
	"PARTIALLY_REFUNDED":   status.PartiallyRefunded,
	"REFUNDED":             status.Refunded,
	"EXCESSIVELY_REFUNDED": status.Refunded,
	// A refund asked for and awaiting approval: the payment is still
	// captured; the refund itself is counted as pending.
	"REFUND_REQUESTED": status.Captured,
	// Dispute states of a captured payment (not expected for QPay).
	"DISPUTED":             status.Captured,
	"CHARGEBACK_PROCESSED": status.Captured,
}

// openOrders are the other order.status values, used when the payment
// transaction does not decide (see paymentStatus). A value missing here
// and in settledOrders is status.Unknown, never a success: from version
// 100 the gateway may add enum values without a new version.
var openOrders = map[string]status.Status{
	"INITIATED": status.Pending, // "a browser payment that has successfully been initiated ... no payment has yet been made"
	"PENDING":   status.Pending, // in Mastercard's KNET sample answer, not in the table
	// 3-D Secure states; not expected for QPay.
	"AUTHENTICATION_INITIATED":    status.Pending,
	"AUTHENTICATED":               status.Pending,
	"AUTHENTICATION_NOT_NEEDED":   status.Pending,
	"AUTHENTICATION_UNSUCCESSFUL": status.Failed,
	// QPay has no AUTHORIZE operation; an authorization is not money taken.
	"AUTHORIZED":         status.Processing,
	"PARTIALLY_CAPTURED": status.Processing,
	"CANCELLED":          status.Canceled,
	"FAILED":             status.Failed,
}

// approvedCodes are the response.gatewayCode values of an approved
// transaction (Mastercard's Magento module and WooCommerce plugin).
var approvedCodes = map[string]bool{
	"APPROVED":                    true,
	"APPROVED_AUTO":               true,
	"APPROVED_PENDING_SETTLEMENT": true,
}

// waitingCodes are the gatewayCode values of a transaction still under way.
var waitingCodes = map[string]bool{
	"SUBMITTED":                     true,
	"PENDING":                       true,
	"DEFERRED_TRANSACTION_RECEIVED": true,
	"AUTHENTICATION_IN_PROGRESS":    true,
}

// paymentStatus normalizes a QPay order: its order.status and its payment
// transaction (nil when the answer has none).
//
// An order whose money moved is what its status says. Otherwise the
// payment transaction decides, as Mastercard's result table says
// (SUCCESS: see gatewayCode; PENDING; FAILURE; UNKNOWN), because the
// order level has no word for a payer who cancelled or ran out of time.
func paymentStatus(orderStatus string, pay *transactionAnswer) status.Status {
	if s, ok := settledOrders[orderStatus]; ok {
		return s
	}
	if pay != nil {
		if s, ok := transactionStatus(pay.Result, pay.Response.GatewayCode); ok {
			return s
		}
	}
	return openOrders[orderStatus] // the zero value is status.Unknown
}

// transactionStatus reads a payment transaction's result and gatewayCode;
// ok is false when they do not decide.
func transactionStatus(result, gatewayCode string) (s status.Status, ok bool) {
	switch result {
	case "SUCCESS":
		switch {
		case approvedCodes[gatewayCode]:
			return status.Captured, true
		case waitingCodes[gatewayCode]:
			return status.Pending, true
		}
		return status.Unknown, false
	case "PENDING":
		return status.Pending, true
	case "FAILURE":
		switch gatewayCode {
		case "CANCELLED", "ABORTED": // "cancelled by payer", "aborted by payer"
			return status.Canceled, true
		case "TIMED_OUT":
			// UNCONFIRMED: taken to be the QPay session running out
			// (the shopper did not finish in time) when the gateway
			// settles the transaction as a FAILURE; with result UNKNOWN
			// it stays unknown.
			return status.Expired, true
		}
		return status.Failed, true
	case "UNKNOWN":
		return status.Unknown, true
	}
	return status.Unknown, false
}

// refundStatus normalizes a REFUND transaction.
func refundStatus(result, gatewayCode string) status.RefundStatus {
	switch result {
	case "SUCCESS":
		switch {
		case approvedCodes[gatewayCode]:
			return status.RefundSucceeded
		case waitingCodes[gatewayCode]:
			return status.RefundPending
		}
		return status.RefundUnknown
	case "PENDING":
		return status.RefundPending
	case "FAILURE":
		return status.RefundFailed
	}
	return status.RefundUnknown
}
