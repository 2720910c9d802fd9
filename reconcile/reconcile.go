package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/telemetry"
	"github.com/qpay-go/qpay/store"
)

// Store is what a Reconciler needs of a store: the Store the webhook path
// uses, and the leases of store.DueStore. store.Memory and pgstore.Store
// are both.
type Store interface {
	store.Store
	store.DueStore
}

// Defaults for a Reconciler's zero fields.
const (
	// DefaultPaymentAfter is the longest page expiry QPay allows
	// (qpay.MaxExpiry) plus five minutes of grace: a payment still pending
	// then was abandoned or its webhook was lost.
	DefaultPaymentAfter = qpay.MaxExpiry + 5*time.Minute
	// DefaultRefundAfter is how long a refund may stay pending before it is
	// read back; Tap's stay pending up to 24 hours and send nothing
	// meanwhile, the backoff spaces the reads out.
	DefaultRefundAfter = 15 * time.Minute
	DefaultBatch       = 50
	DefaultLease       = 2 * time.Minute
	DefaultWorkers     = 4
	// DefaultRate is the read-backs per second one replica allows itself
	// per merchant account, well under both providers' published limits,
	// so that reconciliation never starves the account's live traffic.
	// It is a replica's bound, not the account's: n replicas may read an
	// account's items at up to n times Rate.
	DefaultRate       = 5
	DefaultMinBackoff = time.Minute
	DefaultMaxBackoff = time.Hour
)

// Reconciler reads back from the provider the payments and refunds the
// store holds as not final once their webhook is overdue, and applies each
// answer as the webhook would have been applied: through Store.Process,
// the state machine, and the merchant's Handle, the same function the
// webhook path passes to Process. Several Reconcilers, in as many
// replicas, share one database: each item is leased to one of them at a
// time (store.DueStore).
//
// Fill in Store, Provider and Handle; the other fields have defaults. A
// Reconciler must not be copied after first use.
type Reconciler struct {
	// Store is the webhook path's store.
	Store Store
	// Provider returns the Provider of a merchant account, the same one
	// that verifies that account's webhooks: for a providers.Registry,
	// registry.Get (the account is the merchant ID); for a single merchant,
	// a function returning the one Provider.
	Provider func(account string) (qpay.Provider, error)
	// Handle is the merchant's function, called by Store.Process with the
	// Result, exactly as on the webhook path: fulfilment is written once. It
	// is called only when a read-back moves the stored state; nil is
	// allowed.
	Handle func(ctx context.Context, r store.Result) error
	// Owner names this replica in leases; default host name, process ID and
	// a random suffix.
	Owner string
	// Logger gets one line per item handled, never a key or a body; nil
	// means no logging.
	Logger *slog.Logger
	// PaymentAfter and RefundAfter: how long an item must be unchanged to
	// be due (DefaultPaymentAfter, DefaultRefundAfter). Set PaymentAfter
	// to the longest PaymentRequest.Expiry you use plus a grace.
	PaymentAfter, RefundAfter time.Duration
	// Batch bounds how many items one lease takes (DefaultBatch), Workers
	// how many are read back at once (DefaultWorkers), Lease how long the
	// batch stays this replica's (DefaultLease). A read-back is begun only
	// while more than a quarter of its lease is left and is cut off when an
	// eighth is left, so Lease must exceed the provider's CallTimeout
	// (qpay.HTTPOptions, 60s by default) by more than a quarter: see
	// the package doc.
	Batch, Workers int
	Lease          time.Duration
	// Rate bounds this replica's read-backs per second per merchant
	// account (DefaultRate); bursts up to one second's worth. It is kept in
	// this process, not in the store: with n replicas an account sees up
	// to n times Rate, so set Rate to the account's budget divided by the
	// replicas.
	Rate int
	// MinBackoff and MaxBackoff bound the wait before an item that is still
	// not final is read again: MinBackoff doubled at each check, jittered
	// by up to a tenth, at most MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock of leases, due times and the rate limit; nil means
	// time.Now. The store's own stamps use the real clock. Waits (the rate
	// limit's, the cut-off of a read-back at its lease's end) last as long
	// as Now says is left, slept on the real clock.
	Now func() time.Time
	// Telemetry records a span per round and per item, and counts items by
	// what was done (telemetry.go); the zero value records nothing. Wrap
	// Store with store.WithTelemetry for the store's own spans.
	Telemetry qpay.Telemetry

	once     sync.Once
	tel      *telemetry.Instruments
	owner    string
	limiters sync.Map // account -> *limiter
}

// Stats count what a round did.
type Stats struct {
	Leased    int // items leased
	Applied   int // read back and moved the stored state (Handle called)
	Unchanged int // read back, nothing new (or nothing Process applied)
	Failed    int // not read back or not applied: retried after the backoff
	Skipped   int // handed back unread (the lease was ending, or the round's context ended)
	Lost      int // the lease ended before the item was released
}

func (s *Stats) add(o Stats) {
	s.Leased += o.Leased
	s.Applied += o.Applied
	s.Unchanged += o.Unchanged
	s.Failed += o.Failed
	s.Skipped += o.Skipped
	s.Lost += o.Lost
}

// Run runs a round every interval until ctx ends, and returns ctx's error.
// A round that fails (the database is down) is logged and retried at the
// next tick.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log(ctx, slog.LevelError, "round failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RunOnce is one round: it leases batches and handles them until nothing
// is due, or ctx ends. An item handled in the round is not due again in it
// (its next check is at least MinBackoff away), so each is read back at
// most once per round.
func (r *Reconciler) RunOnce(ctx context.Context) (Stats, error) {
	if err := r.check(); err != nil {
		return Stats{}, err
	}
	r.once.Do(r.init)
	ctx, span := r.startRound(ctx)
	var total Stats
	defer func() { span.End(nil, roundAttrs(total)...) }()
	for ctx.Err() == nil {
		batch, err := r.Store.LeaseDue(ctx, store.DueQuery{
			Now: r.now(), PaymentAfter: orDefault(r.PaymentAfter, DefaultPaymentAfter), RefundAfter: orDefault(r.RefundAfter, DefaultRefundAfter),
			Limit: orDefault(r.Batch, DefaultBatch), Owner: r.owner, Lease: orDefault(r.Lease, DefaultLease),
		})
		total.Leased += len(batch)
		var bs Stats
		if len(batch) > 0 {
			bs = r.handleBatch(ctx, batch)
			total.add(bs)
		}
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		if bs.Skipped == len(batch) && ctx.Err() == nil {
			// Every item's lease ended before it could be read: leasing
			// again would only repeat that. The next round tries again.
			r.log(ctx, slog.LevelWarn, "batch outlived its lease: raise Lease or lower Batch", slog.Int("batch", len(batch)))
			return total, nil
		}
	}
	return total, ctx.Err()
}

func (r *Reconciler) check() error {
	if r.Store == nil || r.Provider == nil {
		return &qpay.Error{Op: OpReconcile, Kind: qpay.KindInvalidRequest, Message: "reconcile: Store and Provider are required"}
	}
	return nil
}

// OpReconcile names the Reconciler in the Op field of its errors.
const OpReconcile = "reconcile"

func (r *Reconciler) init() {
	r.tel = telemetry.New(r.Telemetry)
	r.owner = r.Owner
	if r.owner == "" {
		host, _ := os.Hostname()
		r.owner = fmt.Sprintf("%s-%d-%08x", host, os.Getpid(), rand.Uint32())
	}
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// handleBatch reads the batch back with Workers goroutines. Items whose
// lease is about to end are released untouched: another replica may take
// them as soon as it ends, and an item must never be read by two at once.
func (r *Reconciler) handleBatch(ctx context.Context, batch []store.Due) Stats {
	work := make(chan store.Due)
	var (
		mu    sync.Mutex
		stats Stats
		wg    sync.WaitGroup
	)
	for range min(orDefault(r.Workers, DefaultWorkers), len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				s := r.handle(ctx, d)
				mu.Lock()
				stats.add(s)
				mu.Unlock()
			}
		}()
	}
	rest := batch
send:
	for len(rest) > 0 && ctx.Err() == nil {
		select {
		case work <- rest[0]:
			rest = rest[1:]
		case <-ctx.Done():
			break send
		}
	}
	close(work)
	wg.Wait()
	// Not reached before the context ended: handed back for another
	// replica, or the next round, rather than left to the lease's end.
	for _, d := range rest {
		o := outcome{action: "skipped", err: fmt.Errorf("the round ended: %w", context.Cause(ctx))}
		if _, err := r.release(ctx, d, time.Time{}); err != nil {
			o.err = errors.Join(o.err, err)
		}
		stats.Skipped++
		r.logItem(ctx, d, o)
	}
	return stats
}

// outcome is what handling one item came to, for its log line and Stats.
type outcome struct {
	action string // applied, unchanged, failed, skipped
	result *store.Result
	got    string // the provider's status, when read back
	err    error
	next   time.Time // the next check; zero: due again at once
}

// errLeaseEnding is the cause of an item's read-back cut short because its
// lease was ending.
var errLeaseEnding = errors.New("the item's lease was ending: Lease must exceed the provider's CallTimeout by more than a quarter (see the package doc)")

// handle reads one item back, applies it, releases it and logs one line.
//
// An item is read only while it is surely this replica's: it is begun no
// later than a quarter of the lease (margin) before the lease ends, and the
// rate limit's wait and the provider's call are cut off half a margin
// before it ends, which leaves the rest for Process and the release. Process
// itself runs on the round's context: it is the store's transaction and
// the merchant's function, which are not cut in the middle. Should a
// replica stall past its lease anyway (a paused process), another replica
// may read and apply the item too: the store applies the same fact once
// (the event ID names it) and an older one never over a newer one (the
// state machine), and the stalled replica's release reports the lease lost.
func (r *Reconciler) handle(ctx context.Context, d store.Due) Stats {
	ctx, span := r.startItem(ctx, d)
	var o outcome
	defer func() { r.endItem(ctx, span, d, o) }()
	margin := orDefault(r.Lease, DefaultLease) / 4
	begin := d.LeaseUntil.Add(-margin) // the last moment a read may begin
	if now := r.now(); now.After(begin) {
		o = outcome{action: "skipped", err: errors.New("lease ends too soon to read the item back")}
	} else if ctx.Err() != nil {
		o = outcome{action: "skipped", err: fmt.Errorf("the round ended: %w", context.Cause(ctx))}
	} else {
		// The lease is in the Reconciler's clock, the context's deadline in
		// the real one: the time left is what the two share.
		lctx, cancel := context.WithTimeoutCause(ctx, d.LeaseUntil.Add(-margin/2).Sub(now), errLeaseEnding)
		if err := r.limiter(d.Account).wait(lctx); err != nil {
			o = outcome{action: "skipped", err: err}
		} else if r.now().After(begin) {
			o = outcome{action: "skipped", err: errors.New("lease ends too soon to read the item back after the account's rate limit")}
		} else {
			o = r.readBack(ctx, lctx, d)
			if o.action == "failed" && ctx.Err() == nil && errors.Is(context.Cause(lctx), errLeaseEnding) {
				o.err = fmt.Errorf("%w (%w)", o.err, errLeaseEnding)
			}
		}
		cancel()
	}
	if o.action == "failed" || o.action == "unchanged" {
		o.next = r.backoff(d.Checks)
	}
	var s Stats
	switch o.action {
	case "applied":
		s.Applied = 1
	case "unchanged":
		s.Unchanged = 1
	case "failed":
		s.Failed = 1
	case "skipped":
		s.Skipped = 1
	}
	kept, err := r.release(ctx, d, o.next)
	switch {
	case err != nil:
		o.err = errors.Join(o.err, err)
	case !kept:
		s.Lost = 1
		o.err = errors.Join(o.err, errors.New("the lease had ended and another replica took the item"))
	}
	r.logItem(ctx, d, o)
	return s
}

// release hands d back on a context of its own: a canceled round still
// gives its items back rather than leaving them to the lease's end.
func (r *Reconciler) release(ctx context.Context, d store.Due, next time.Time) (bool, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return r.Store.ReleaseDue(rctx, d, r.owner, next)
}

// readBack asks the provider, on readCtx, and, if its answer is news,
// applies it on ctx.
func (r *Reconciler) readBack(ctx, readCtx context.Context, d store.Due) outcome {
	p, err := r.Provider(d.Account)
	if err == nil && p == nil {
		err = fmt.Errorf("no provider for account %q", d.Account)
	}
	if err != nil {
		return outcome{action: "failed", err: err}
	}
	if p.Name() != d.Provider {
		// The merchant moved to another provider. A providers.Registry
		// keeps the old configuration for the payments it made and routes
		// their reads by the shape of their IDs (qpay.PaymentIDOwner);
		// without that, the item cannot be read.
		if o, ok := p.(qpay.PaymentIDOwner); !ok || !o.OwnsPaymentID(d.PaymentID) {
			return outcome{action: "failed", err: fmt.Errorf("account %q is now on %s, the item was made on %s", d.Account, p.Name(), d.Provider)}
		}
	}
	var ev *qpay.WebhookEvent
	switch d.Type {
	case qpay.EventPayment:
		pay, err := p.GetPayment(readCtx, d.ID)
		if err != nil {
			return outcome{action: "failed", err: err}
		}
		if err := sameObject(d, pay.Provider, pay.Account, pay.ID, pay.ID); err != nil {
			return outcome{action: "failed", err: err}
		}
		if pay.Status == d.Status {
			return outcome{action: "unchanged", got: pay.Status.String()}
		}
		ev = paymentEvent(pay)
	case qpay.EventRefund:
		g, ok := p.(qpay.RefundGetter)
		if !ok {
			return outcome{action: "failed", err: fmt.Errorf("the %s provider cannot read a refund back (no qpay.RefundGetter)", p.Name())}
		}
		ref, err := g.GetRefund(readCtx, d.PaymentID, d.ID)
		if err != nil {
			return outcome{action: "failed", err: err}
		}
		if err := sameObject(d, ref.Provider, ref.Account, ref.ID, ref.PaymentID); err != nil {
			return outcome{action: "failed", err: err}
		}
		if ref.Status == d.RefundStatus {
			return outcome{action: "unchanged", got: ref.Status.String()}
		}
		ev = refundEvent(ref)
	default:
		return outcome{action: "failed", err: fmt.Errorf("item of type %v", d.Type)}
	}
	res, err := r.Store.Process(ctx, ev, r.Handle)
	if err != nil {
		return outcome{action: "failed", err: err}
	}
	o := outcome{action: "unchanged", result: &res, got: gotStatus(ev)}
	if res.Applied {
		o.action = "applied"
	}
	if res.Duplicate || !res.Applied {
		return o
	}
	if (d.Type == qpay.EventPayment && res.Current.Undecided()) ||
		(d.Type == qpay.EventRefund && res.RefundCurrent.Undecided()) {
		o.next = r.backoff(d.Checks) // moved, still not final (pending -> processing)
	}
	return o
}

// sameObject checks that the provider answered for the item asked about,
// in its account: a read-back is applied as a fact, so it must be the fact
// of this row.
func sameObject(d store.Due, provider, account, id, paymentID string) error {
	if provider != d.Provider || account != d.Account || id != d.ID || paymentID != d.PaymentID {
		return &qpay.Error{Provider: d.Provider, Op: OpReconcile, Kind: qpay.KindIntegrity,
			Message: fmt.Sprintf("read back %s %s %s of payment %s in account %q for %s %s %s of payment %s in account %q",
				provider, d.Type, id, paymentID, account, d.Provider, d.Type, d.ID, d.PaymentID, d.Account)}
	}
	return nil
}

func gotStatus(ev *qpay.WebhookEvent) string {
	if ev.Payment != nil {
		return ev.Payment.Status.String()
	}
	return ev.Refund.Status.String()
}

// paymentEvent is the event a read-back payment is processed as. Its ID,
// "reconcile:<payment ID>:<status>", names the fact it reports, so reading
// the same status again is a duplicate, and it is never taken for a
// provider's own event: a webhook of the same change arriving later is
// applied as a repeat (Applied false), and Handle acts once. Every fact in
// it was read back from the provider's API (Verification), so it is made
// only here, of an answer readBack has just had from GetPayment.
func paymentEvent(p *qpay.Payment) *qpay.WebhookEvent {
	return &qpay.WebhookEvent{
		ID: "reconcile:" + p.ID + ":" + p.Status.String(), Provider: p.Provider, Account: p.Account,
		Type: qpay.EventPayment, RawType: "read-back", PaymentID: p.ID, Payment: p,
		Verification: readBack(),
	}
}

// refundEvent is the event a read-back refund is processed as, like
// paymentEvent: "reconcile:<refund ID>:<status>", made only of an answer
// of GetRefund.
func refundEvent(ref *qpay.Refund) *qpay.WebhookEvent {
	return &qpay.WebhookEvent{
		ID: "reconcile:" + ref.ID + ":" + ref.Status.String(), Provider: ref.Provider, Account: ref.Account,
		Type: qpay.EventRefund, RawType: "read-back", PaymentID: ref.PaymentID, Refund: ref,
		Verification: readBack(),
	}
}

// readBack is the Verification of a read-back event: no signature, every
// fact from the provider's authenticated API.
func readBack() qpay.Verification {
	return qpay.Verification{Method: qpay.VerifiedReadBack, ReadBack: qpay.AllFields}
}

// backoff is the next check of an item read checks times before.
func (r *Reconciler) backoff(checks int) time.Time {
	lo, hi := orDefault(r.MinBackoff, DefaultMinBackoff), orDefault(r.MaxBackoff, DefaultMaxBackoff)
	wait := hi
	if checks < 30 && lo<<checks < hi && lo<<checks > 0 {
		wait = lo << checks
	}
	wait += time.Duration(rand.Int64N(int64(wait)/10 + 1))
	return r.now().Add(wait)
}

// logItem writes the one line of an item. Errors are qpay's, which never
// carry a key; bodies are never logged.
func (r *Reconciler) logItem(ctx context.Context, d store.Due, o outcome) {
	if r.Logger == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("action", o.action),
		slog.String("type", d.Type.String()),
		slog.String("account", d.Account),
		slog.String("provider", d.Provider),
		slog.String("id", d.ID),
		slog.Int("checks", d.Checks),
	}
	if d.Type == qpay.EventRefund {
		attrs = append(attrs, slog.String("payment_id", d.PaymentID), slog.String("stored", d.RefundStatus.String()))
	} else {
		attrs = append(attrs, slog.String("stored", d.Status.String()))
	}
	if o.got != "" {
		attrs = append(attrs, slog.String("provider_status", o.got))
	}
	if res := o.result; res != nil {
		attrs = append(attrs, slog.String("event_id", res.EventID), slog.Bool("duplicate", res.Duplicate))
		if res.Ignored != nil {
			attrs = append(attrs, slog.String("ignored", res.Ignored.Error()))
		}
	}
	if !o.next.IsZero() {
		attrs = append(attrs, slog.Time("next_check", o.next))
	}
	level := slog.LevelInfo
	if o.err != nil {
		level = slog.LevelWarn
		if errors.Is(o.err, qpay.KindIntegrity) {
			level = slog.LevelError
		}
		attrs = append(attrs, slog.String("error", o.err.Error()))
	}
	r.Logger.LogAttrs(ctx, level, "qpay: reconcile "+o.action, attrs...)
}

func (r *Reconciler) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if r.Logger != nil {
		r.Logger.LogAttrs(ctx, level, "qpay: reconcile "+msg, append(attrs, slog.String("owner", r.owner))...)
	}
}

// limiter returns the account's limiter, made on first use.
func (r *Reconciler) limiter(account string) *limiter {
	if l, ok := r.limiters.Load(account); ok {
		return l.(*limiter)
	}
	rate := r.Rate
	if rate <= 0 {
		rate = DefaultRate
	}
	l, _ := r.limiters.LoadOrStore(account, newLimiter(rate, r.now))
	return l.(*limiter)
}

// orDefault is a field's value, or def when the field is zero or
// negative. Not cmp.Or: that passes a negative field through, and a
// negative Workers or Lease means no worker or a lease already over.
func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
