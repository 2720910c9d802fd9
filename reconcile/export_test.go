package reconcile

// RefundEvent lets the tests store a refund as a read-back would: as
// pending, before its read-back finds it settled.
var RefundEvent = refundEvent
