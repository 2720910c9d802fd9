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
//	fulfil := func(ctx context.Context, r store.Result) error { ... } // act on r.Applied; check r.Payment.MethodError()
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
// delays it by one lease, no more.
//
// An item is read only while its lease is surely this replica's: a
// read-back is begun only while more than a quarter of the lease is left
// (otherwise the item is handed back unread, Stats.Skipped), and the rate
// limit's wait and the provider's call are cut off when an eighth is left
// (the item fails and is retried after its backoff), which leaves the last
// eighth for Process and the release. Process itself, the store's
// transaction and the merchant's function, is never cut in the middle.
//
// The lease therefore bounds the provider's HTTP call: Lease must exceed
// the provider's CallTimeout (qpay.HTTPOptions, the bound of one whole call
// with its retries, 60s by default) by more than a quarter, or a call slow
// enough to use its CallTimeout is cut off. With the defaults (Lease 2
// minutes) a read begun at once has 105s, one begun last 15s; a provider
// slow on every call gets the first items of each worker read and the
// later ones handed back. Raise Lease, or lower Batch against Workers,
// rather than shorten the cut-off.
//
// Should a replica stall past its lease anyway (a paused process, a clock
// that jumps), another replica may take the item, and both may read and
// apply it. That is harmless: the same fact read twice is one event, since
// the event ID ("reconcile:<ID>:<status>") names the fact and Store.Process
// de-duplicates it across replicas; an older fact applied after a newer one
// is stale to the state machine and changes nothing; the merchant's
// function acts once (TestStalledReplicaPastItsLease shows both, on the
// memory store and on PostgreSQL). The stalled replica's release then
// changes nothing and is counted as Stats.Lost.
//
// With package store/pgstore, leases and due times are judged by the
// database's clock, never by the replicas' (Now): replicas whose clocks
// drift apart by more than a lease still cannot hold one item at once.
// Now decides only this replica's own cut-offs: the store reports each
// lease's end in Now's clock (no later than its real end) and takes the
// next check in it. The memory store, for one process, compares with Now.
//
// # Limits
//
// Read-backs are bounded per replica and per merchant account (Rate per
// second), Workers at a time per replica. The rate is kept in each
// replica's memory, not in the store: n replicas may read one account at up
// to n times Rate, so set Rate to the account's budget divided by the
// replicas. A bound shared through the database would cost a round trip and
// a contended row per read-back, and a new method of every DueStore, for
// traffic that is small beside an account's own; leases already keep two
// replicas from reading the same item. The rate limit runs on the
// Reconciler's clock (Now), like leases and due times. A round (RunOnce) stops when nothing is due or
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
