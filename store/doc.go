// Package store de-duplicates and orders webhook events, and keeps the
// payment state they build up, behind one small interface.
//
// # Why
//
// Tap and Checkout.com both deliver webhooks at least once and in no
// particular order: a delivery that timed out is sent again, Checkout sends
// several events for one change (payment_captured, then payment_paid), and a
// "pending" sent before a "captured" may arrive after it. A merchant service
// usually runs several replicas behind a load balancer, so two deliveries of
// the same event can be handled at the same moment by two processes. Without
// help, the order ships twice, or a late "pending" rolls a captured payment
// back.
//
// A [Store] answers three questions in one place: have we seen this event
// before (de-duplication, keyed by account, provider and event ID)? What
// does it do to the payment we know (the forward-only state machine of
// package status)? And does it agree with the payment we created (the same
// amount and currency)?
//
// # Accounts
//
// A marketplace runs many merchants, each with its own provider account and
// keys (a providers.Registry, a webhook route per merchant), and often one
// store for all of them. Every row is therefore keyed by merchant account,
// provider and the provider's ID: payments, refunds and events alike. The
// account is the one the Provider stamps on what it returns
// (qpay.Payment.Account, qpay.WebhookEvent.Account, from the adapter's
// Config.Account, which a Registry sets to the merchant ID); "" is the
// account of a single merchant.
//
// This is what keeps one merchant's key from reaching another merchant's
// payment. Merchant B can sign, with its own key, a "captured" body naming
// merchant A's charge and post it to B's own route: the event verifies, but
// it is B's, and it reads and writes only B's rows. A's payment does not
// move, and A's genuine event, whose derived ID may be the same, is not a
// duplicate of B's. Track uses the payment's Account; Process uses the
// event's, and refuses with qpay.KindIntegrity an event whose payment or
// refund names another account than the event itself. Read a payment back
// with the account it was created in: [Store.Payment] takes it first.
//
// # Guarantees
//
// [Store.Process] does the following in one transaction: it records the
// event, moves the stored payment (and refund) through the state machine,
// and calls the merchant's function with the [Result]. Then:
//
//   - The function runs at most once per event and per successful commit,
//     whatever the number of concurrent deliveries and replicas: a second
//     delivery waits for the first to finish, then sees it as a duplicate
//     ([Result.Duplicate]) and the function is not called.
//   - If the function returns an error, or the transaction fails (the
//     database drops the connection, the context ends), nothing is recorded:
//     the provider's redelivery is processed as if it were the first. No
//     event is lost, and no half-applied state is left behind.
//   - A stale or contradicting event never changes the stored status (a
//     "pending" after "captured", a "failed" after "captured"). It is still
//     recorded, and the function is still called with Applied false and
//     [Result.Ignored] saying why (it wraps status.ErrStale, ErrIllegal or
//     ErrUnchanged), so the merchant can log it or raise an alert on
//     ErrIllegal. Act on Applied, never on the event alone.
//   - An event whose amount, currency or merchant reference differs from
//     the stored payment, a refund that would take back more than was paid
//     (alone or with the payment's other refunds), or a refund reported
//     under another payment than the one it was first stored for (a refund
//     names one payment for ever), is refused with an
//     *qpay.Error of kind qpay.KindIntegrity. Nothing is recorded and the
//     function is not called; every redelivery is refused the same way.
//
// With pgstore (PostgreSQL) the function can also write to the database in
// the same transaction (pgstore.Tx), so "mark the order paid" and "this
// event is done" commit together or not at all: exactly-once in effect. With
// the in-memory [Memory], which is for one process and for tests, the
// function's own side effects are the merchant's to make idempotent.
//
// # Transaction boundaries
//
// One call of Process or Track is one transaction, and it covers only the
// rows of one payment of one account: the event's record, the payment, and
// that payment's refunds. Operations on one payment are serialized (a row
// lock or an advisory lock in PostgreSQL, a keyed lock in Memory);
// operations on different payments, and on different accounts, run in
// parallel. The event's refund is locked too, even before it is stored, so
// that two first events of one refund naming different payments meet: the
// first decides which payment the refund belongs to, and the second is an
// integrity error instead of counting the refund a second time.
//
// # Refunds
//
// A refund event moves its refund through status.ApplyRefund. The first time
// a refund reaches status.RefundSucceeded its amount is added to the
// payment's Refunded, and the payment moves to PartiallyRefunded or, once
// everything is refunded, Refunded. Each refund is counted once, however
// many events report its success.
//
// A refund never establishes a capture. Its amount is counted only on a
// payment stored as captured or later; a refund that succeeds while its
// payment is not stored, or is stored as pending, processing or unknown
// (its capture webhook is late, or was never sent), is kept uncounted, and
// counted once the capture is stored, by Track of a captured GetPayment
// answer or by a payment event. Meanwhile the payment neither moves nor
// reports Succeeded(), so a refund can never make an unpaid order look
// paid, and [Result.NotCounted] (wrapping [ErrNotCaptured]) says why. A
// refund of a payment stored as failed, canceled or expired contradicts the
// store: it is kept, never counted, and NotCounted also wraps
// status.ErrIllegal, worth an alert.
//
// # Reconciliation
//
// Both implementations are also a [DueStore]: they lease, to package
// reconcile, the payments and refunds that are not final and whose webhook
// is overdue, so that they are read back from the provider and applied
// through Process like a webhook. A lease keeps replicas apart and expires
// if its owner dies.
//
// # Implementations
//
// [NewMemory] is for a single process and for tests; package
// store/pgstore is for services with several replicas. Both take their
// semantics from [Decide] and [DecideTrack], and both pass the suite in
// store/storetest, which a third implementation should run too.
package store
