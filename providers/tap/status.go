package tap

import "github.com/qpay-go/qpay/status"

// chargeStatuses maps every charge status Tap documents (its charge
// reference, plus IN_PROGRESS from the list filter and AUTHORIZED from
// authorize objects) to qpay's normalized status. A status missing here is
// status.Unknown, never a success.
var chargeStatuses = map[string]status.Status{
	"INITIATED":   status.Pending,
	"IN_PROGRESS": status.Processing,
	// An authorization is not money taken, and QPay charges are captured
	// in one step, so AUTHORIZED is not expected; if it comes, it is still
	// under way rather than a success.
	"AUTHORIZED": status.Processing,
	"CAPTURED":   status.Captured,
	// UNCONFIRMED: Tap says an unfinished INITIATED charge becomes
	// ABANDONED (response code 301 Abandoned or 304 Expired), i.e. the
	// shopper ran out of time on the QPay page.
	"ABANDONED":  status.Expired,
	"CANCELLED":  status.Canceled,
	"VOID":       status.Canceled,
	"FAILED":     status.Failed,
	"DECLINED":   status.Failed,
	"RESTRICTED": status.Failed,
	// Tap could not confirm the outcome (801 Timed Out, 901 Unknown): read
	// the charge again later; it is neither a decline nor a success.
	"TIMEDOUT": status.Unknown,
	"UNKNOWN":  status.Unknown,
}

// refundStatuses maps Tap's refund statuses, the classic list and Refund
// Logic V2's ACCEPTED and TIMED_OUT, plus REJECTED seen in community code
// (UNCONFIRMED). A status missing here is status.RefundUnknown.
var refundStatuses = map[string]status.RefundStatus{
	"PENDING":     status.RefundPending, // Tap checks the wallet balance first; can last 24 hours
	"IN_PROGRESS": status.RefundPending,
	"ACCEPTED":    status.RefundPending,
	"REFUNDED":    status.RefundSucceeded,
	"CANCELLED":   status.RefundFailed,
	"FAILED":      status.RefundFailed,
	"DECLINED":    status.RefundFailed,
	"RESTRICTED":  status.RefundFailed,
	"REJECTED":    status.RefundFailed,
	"TIMEDOUT":    status.RefundUnknown,
	"TIMED_OUT":   status.RefundUnknown,
	"UNKNOWN":     status.RefundUnknown,
}

// chargeStatus normalizes a charge's raw status. Matching is exact: Tap's
// statuses are upper-case constants, and a spelling qpay does not know is
// better reported as Unknown than guessed.
func chargeStatus(raw string) status.Status {
	return chargeStatuses[raw] // the zero value is status.Unknown
}

// refundStatus normalizes a refund's raw status.
func refundStatus(raw string) status.RefundStatus {
	return refundStatuses[raw] // the zero value is status.RefundUnknown
}
