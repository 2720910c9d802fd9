// Package reconcile reads back, from the provider, the payments and refunds
// whose webhook never came, and applies the answers the way webhooks are
// applied.
//
// Webhooks get lost: Tap sends none for an abandoned (expired) payment,
// none while a refund is pending (up to 24 hours), and gives up on a
// delivery after two retries. A [Reconciler] asks the store
// ([store.DueStore]) for what is not final and overdue, reads each item
// back through the merchant's own Provider (the one that verifies its
// webhooks), and hands the answer to [store.Store.Process] as an event: the
// same state machine, the same de-duplication and the same merchant
// function as the webhook path. A missed webhook is a late poll, and
// fulfilment is written once:
//
//	fulfil := func(ctx context.Context, r store.Result) error { ... } // act on r.Applied
//	webhooks := &qpay.WebhookHandler{
//		Provider: registry.Resolver(func(r *http.Request) string { return r.PathValue("merchant") }),
//		Handle: func(ctx context.Context, ev *qpay.WebhookEvent) error {
//			_, err := st.Process(ctx, ev, fulfil)
//			return err
//		},
//	}
//	rec := &reconcile.Reconciler{Store: st, Provider: registry.Get, Handle: fulfil, Logger: logger}
//	go rec.Run(ctx, time.Minute)
//
// # What is due
//
// A payment that is Pending, Processing or Unknown and unchanged for
// PaymentAfter (by default the longest page expiry QPay allows plus a
// grace), and a refund that is Pending or Unknown and unchanged for
// RefundAfter. An item read back and still not final is not due again for
// MinBackoff, doubled at every check up to MaxBackoff. A payment whose
// provider answer equals the stored status is not sent to Process at all.
//
// # Several replicas
//
// Items are leased in batches (Batch) for Lease. With package
// store/pgstore a lease is one UPDATE over a SELECT ... FOR UPDATE SKIP
// LOCKED: replicas pass over each other's rows instead of queueing behind
// them, and a row leased by one is handed to no other until it is
// released or the lease has expired. A replica that dies holding a batch
// delays it by one lease, no more. An item whose lease is about to end is
// released unread rather than read by two replicas at once, and an item
// read and applied twice anyway (a lease lost to a stalled process) is
// still applied once: its event ID names the fact read back, so the second
// application is a duplicate.
//
// Leases compare times from the replicas' clocks (Now), which NTP keeps
// within milliseconds of each other, against leases of minutes.
//
// # Limits
//
// Read-backs are bounded per merchant account (Rate per second), Workers
// at a time per replica. A round (RunOnce) stops when nothing is due or
// when its context ends; items it had not reached are released at once,
// items in flight are finished. Every item handled writes one log line
// (action applied, unchanged, failed or skipped, with the account,
// provider, ID, stored and provider status, and the next check); no key and
// no body is ever logged.
//
// Refunds are read back through the optional [qpay.RefundGetter]; a
// Provider without it leaves its refunds to their webhooks, and each check
// logs that.
package reconcile
