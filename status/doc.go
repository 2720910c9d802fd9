// Package status holds the normalized lifecycle of a QPay payment and of a
// refund, and the forward-only state machine that decides which provider
// report to keep.
//
// Tap Payments and Checkout.com each have their own raw statuses; the
// provider adapters map them onto [Status] and [RefundStatus]. This package
// never sees a raw status and never does arithmetic on amounts.
//
// # Payment states
//
//	Unknown            zero value: the outcome is not known (Tap TIMEDOUT or
//	                   UNKNOWN, a raw status no adapter recognizes). Never a
//	                   success: callers must not ship goods on Unknown.
//	Pending            created; the shopper has not finished on the QPay page
//	Processing         the shopper approved; the provider is still settling
//	Captured           money taken
//	PartiallyRefunded  captured, part of it refunded
//	Refunded           captured, all of it refunded              (terminal)
//	Failed             declined or failed                        (terminal)
//	Canceled           canceled or abandoned                     (terminal)
//	Expired            the shopper did not finish in time        (terminal)
//
// [Status.Succeeded] reports whether money was taken (Captured,
// PartiallyRefunded, Refunded); [Status.Failure] reports a final outcome
// without money (Failed, Canceled, Expired); [Status.Undecided] reports
// neither yet (Unknown, Pending, Processing): what a reconciler still reads
// back. [RefundStatus.Undecided] is the same for a refund (RefundUnknown,
// RefundPending).
//
// # Why a state machine
//
// Webhooks arrive late, out of order and more than once, and a polled status
// can race a webhook. Blindly storing the last report would let a delayed
// "pending" roll a captured payment back. [Apply] therefore accepts only
// forward moves and keeps the current state otherwise; [Check] says why a
// report was ignored, for logs:
//
//   - [ErrUnchanged]: the report repeats the current state (a retried
//     webhook). Harmless.
//   - [ErrStale]: the report describes an earlier point of the same
//     history, e.g. "pending" after "captured". Harmless; it is old news.
//   - [ErrIllegal]: the report contradicts the current state, e.g. "failed"
//     after "captured". Worth an alert: one of the two reports is wrong.
//
// # Payment rules
//
// The order is Unknown < Pending < Processing < Captured < PartiallyRefunded
// < Refunded, with the failures Failed, Canceled and Expired as a side
// branch reachable only before a capture.
//
//   - Unknown moves to any known state: we did not know, now the provider
//     tells us. Nothing moves to Unknown: a report that does not know never
//     overwrites one that did (ErrStale, or ErrUnchanged from Unknown).
//   - Along the success chain only forward moves apply; going back is stale.
//   - Once captured, a payment cannot fail, be canceled or expire (ErrIllegal):
//     when money is taken, only a refund gives it back.
//   - Failed, Canceled and Expired are final and the first one wins; moving
//     from one to another is illegal, and a late pending or processing
//     report after one is stale. A failure is never turned into a
//     capture or a refund: taking the money needs a new payment, and there is
//     nothing to refund.
//   - Refund states are accepted from Unknown, Pending and Processing, not
//     only from Captured. A refund proves that a capture happened; if we have
//     not seen it, the capture webhook was lost or is still on its way, and the
//     provider's truth must stay reachable rather than be stuck behind an
//     event that may never come.
//
// # Refund rules
//
// RefundUnknown moves to Pending, Succeeded or Failed; Pending moves to
// Succeeded or Failed. Succeeded and Failed are terminal and contradict each
// other (ErrIllegal); anything earlier after them is stale.
//
// The full tables are in machine.go, one row per current state.
package status
