// Package storetest is the suite every store.Store implementation passes,
// the way the provider adapters share one conformance suite: the same
// scenarios, run against the in-memory store and against PostgreSQL, so
// that the two cannot drift apart. A third implementation runs it too:
//
//	func TestSuite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, n int) []store.Store { ... })
//	}
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// Open returns n Stores that share one fresh, empty backing store, the way
// n replicas of a service share one database: for PostgreSQL, n Stores with
// a connection pool each over one new schema; for an in-process store, n
// references to one new value. Cleanup is registered on t.
type Open func(t *testing.T, n int) []store.Store

// Concurrency sets the size of the concurrent-delivery scenario: Replicas
// stores each handle PerReplica simultaneous deliveries of one event.
const (
	Replicas   = 2
	PerReplica = 500
)

// Run runs every scenario, each against fresh stores from open.
func Run(t *testing.T, open Open) {
	t.Helper()
	scenarios := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"TrackThenRead", testTrack},
		{"UnknownPaymentIsNotFound", testNotFound},
		{"DuplicateEventRunsFnOnce", testDuplicate},
		{"StalePendingAfterCapturedChangesNothing", testStale},
		{"IllegalFailedAfterCapturedIsRefused", testIllegal},
		{"SameStatusUnderAnotherEventID", testUnchanged},
		{"UntrackedPaymentIsStoredFromEvent", testUntracked},
		{"TrackNeverRollsBack", testTrackAfterEvent},
		{"PartialThenFullRefund", testRefunds},
		{"RefundIsCountedOnce", testRefundCountedOnce},
		{"RefundBeforePaymentIsCountedLater", testEarlyRefund},
		{"RefundNeverMovesAnUncapturedPayment", testRefundOfUncaptured},
		{"EarlyRefundWaitsForTheCapture", testEarlyRefundOfUncaptured},
		{"IntegrityErrorsChangeNothing", testIntegrity},
		{"FnErrorRecordsNothing", testFnError},
		{"CanceledContextRecordsNothing", testCanceled},
		{"MalformedEventsAreRefused", testMalformed},
		{"ConcurrentDeliveriesRunFnOnce", testConcurrentDuplicates},
		{"ConcurrentEventsOfOnePaymentLoseNothing", testConcurrentRefunds},
		{"ConcurrentEventsOfAnUntrackedPaymentLoseNothing", testConcurrentUntracked},
		{"AnotherAccountsEventCannotMoveAPayment", testForgedByAnotherAccount},
		{"AnotherAccountsRefundsAreNotCounted", testRefundsOfAnotherAccount},
		{"AccountMismatchInsideAnEventIsRefused", testAccountMismatch},
		{"ConcurrentFirstEventsOfOneRefundCountItOnce", testConcurrentNewRefund},
		{"MethodMismatchReachesTheCallback", testMethodMismatch},
		{"QPayRequiredAndUsedIsNoMismatch", testMethodMatch},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}

const (
	provider  = "tap"
	paymentID = "chg_TS01A1020231234Xy9Z0123456"
	// single is the account of a single-merchant setup, the one the
	// scenarios use unless they are about accounts.
	single = ""
)

// qar is an amount in QAR; the suite's amounts are constants.
func qar(amount string) money.Money { return money.MustParse(amount, "QAR") }

// rawStatus is what the providers' words look like; the suite only checks
// that the stored one follows the applied status.
func rawStatus(s fmt.Stringer) string { return "RAW_" + s.String() }

func payment(id string, st status.Status, amount money.Money) *qpay.Payment {
	return &qpay.Payment{Provider: provider, ID: id, Status: st, RawStatus: rawStatus(st), Amount: amount, Reference: "ORD-" + id[len(id)-4:]}
}

func paymentEvent(eventID, id string, st status.Status, amount money.Money) *qpay.WebhookEvent {
	p := payment(id, st, amount)
	return &qpay.WebhookEvent{ID: eventID, Provider: provider, Type: qpay.EventPayment, RawType: "charge", PaymentID: id, Payment: p}
}

func refundEvent(eventID, payID, refundID string, st status.RefundStatus, amount money.Money) *qpay.WebhookEvent {
	r := &qpay.Refund{Provider: provider, ID: refundID, PaymentID: payID, Status: st, RawStatus: rawStatus(st), Amount: amount, Reference: "RFD-" + refundID}
	return &qpay.WebhookEvent{ID: eventID, Provider: provider, Type: qpay.EventRefund, RawType: "refund", PaymentID: payID, Refund: r}
}

// inAccount stamps ev, and the payment or refund it carries, with account,
// as the Provider of that merchant account does.
func inAccount(account string, ev *qpay.WebhookEvent) *qpay.WebhookEvent {
	ev.Account = account
	if ev.Payment != nil {
		ev.Payment.Account = account
	}
	if ev.Refund != nil {
		ev.Refund.Account = account
	}
	return ev
}

// recorder is a merchant's function that remembers every call.
type recorder struct {
	mu      sync.Mutex
	results []store.Result
}

func (r *recorder) fn(_ context.Context, res store.Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, res)
	return nil
}

func (r *recorder) calls() []store.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.Result(nil), r.results...)
}

func process(t *testing.T, s store.Store, ev *qpay.WebhookEvent, rec *recorder) store.Result {
	t.Helper()
	res, err := s.Process(context.Background(), ev, rec.fn)
	require.NoError(t, err, "event %s", ev.ID)
	require.Equal(t, ev.ID, res.EventID)
	return res
}

func track(t *testing.T, s store.Store, p *qpay.Payment) {
	t.Helper()
	require.NoError(t, s.Track(context.Background(), p))
}

func stored(t *testing.T, s store.Store, id string) *store.Payment {
	t.Helper()
	return storedIn(t, s, single, id)
}

func storedIn(t *testing.T, s store.Store, account, id string) *store.Payment {
	t.Helper()
	p, err := s.Payment(context.Background(), account, provider, id)
	require.NoError(t, err)
	require.Equal(t, account, p.Account, "the stored payment's account")
	return p
}

// requireState checks what a merchant reads back.
func requireState(t *testing.T, s store.Store, id string, st status.Status, refunded string) {
	t.Helper()
	requireStateIn(t, s, single, id, st, refunded)
}

func requireStateIn(t *testing.T, s store.Store, account, id string, st status.Status, refunded string) {
	t.Helper()
	p := storedIn(t, s, account, id)
	assert.Equal(t, st, p.Status, "status of %s", id)
	assert.Equal(t, rawStatusOf(p), p.RawStatus, "raw status follows the applied status")
	assert.Equal(t, refunded, p.Refunded.String(), "refunded of %s", id)
}

// rawStatusOf is the raw status the suite's reports carry for the stored
// status; refund moves (PartiallyRefunded, Refunded) keep the raw status of
// the last payment report, which the suite's reports never set to those.
func rawStatusOf(p *store.Payment) string {
	if p.Status == status.PartiallyRefunded || p.Status == status.Refunded {
		return p.RawStatus
	}
	return rawStatus(p.Status)
}

func testTrack(t *testing.T, open Open) {
	s := open(t, 1)[0]
	before := time.Now()
	p := payment(paymentID, status.Pending, qar("79.10"))
	track(t, s, p)
	track(t, s, p) // idempotent

	got := stored(t, s, paymentID)
	assert.Equal(t, provider, got.Provider)
	assert.Equal(t, paymentID, got.ID)
	assert.Equal(t, status.Pending, got.Status)
	assert.Equal(t, "RAW_pending", got.RawStatus)
	assert.True(t, got.Amount.Equal(qar("79.10")), "amount %s", got.Amount)
	assert.Equal(t, "QAR 0.00", got.Refunded.String())
	assert.Equal(t, p.Reference, got.Reference)
	assert.WithinDuration(t, before, got.UpdatedAt, time.Minute)

	// A read-back after capture moves the stored payment on.
	track(t, s, payment(paymentID, status.Captured, qar("79.10")))
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")
}

func testNotFound(t *testing.T, open Open) {
	s := open(t, 1)[0]
	_, err := s.Payment(context.Background(), single, provider, "chg_missing")
	require.Error(t, err)
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorIs(t, err, qpay.KindNotFound)

	track(t, s, payment(paymentID, status.Pending, qar("1.00")))
	_, err = s.Payment(context.Background(), single, "checkout", paymentID)
	assert.ErrorIs(t, err, store.ErrNotFound, "payments are keyed by provider too")
	_, err = s.Payment(context.Background(), "merchant-b", provider, paymentID)
	assert.ErrorIs(t, err, store.ErrNotFound, "payments are keyed by account too")
}

func testDuplicate(t *testing.T, open Open) {
	s := open(t, 1)[0]
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	var rec recorder
	ev := paymentEvent("evt_captured", paymentID, status.Captured, qar("79.10"))

	first := process(t, s, ev, &rec)
	assert.False(t, first.Duplicate)
	assert.True(t, first.Applied)
	assert.Equal(t, status.Pending, first.Previous)
	assert.Equal(t, status.Captured, first.Current)
	assert.NoError(t, first.Ignored)
	require.NotNil(t, first.Payment)
	assert.Equal(t, status.Captured, first.Payment.Status)

	for i := 0; i < 3; i++ {
		again := process(t, s, ev, &rec)
		assert.Equal(t, store.Result{EventID: ev.ID, Duplicate: true}, again, "redelivery %d", i+1)
	}
	require.Len(t, rec.calls(), 1, "fn runs once")
	assert.Equal(t, first, rec.calls()[0], "fn sees what Process returns")
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")

	// The same event ID from the other provider is another event.
	other := paymentEvent("evt_captured", "pay_other0001", status.Captured, qar("5.00"))
	other.Provider, other.Payment.Provider = "checkout", "checkout"
	res, err := s.Process(context.Background(), other, rec.fn)
	require.NoError(t, err)
	assert.False(t, res.Duplicate, "event IDs are unique per provider")
}

func testStale(t *testing.T, open Open) {
	s := open(t, 1)[0]
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	var rec recorder
	process(t, s, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10")), &rec)
	before := stored(t, s, paymentID)

	for _, late := range []status.Status{status.Pending, status.Processing, status.Unknown} {
		res := process(t, s, paymentEvent("evt_late_"+late.String(), paymentID, late, qar("79.10")), &rec)
		assert.False(t, res.Applied, "%s after captured", late)
		assert.ErrorIs(t, res.Ignored, status.ErrStale, "%s after captured", late)
		assert.Equal(t, status.Captured, res.Previous)
		assert.Equal(t, status.Captured, res.Current)
	}
	after := stored(t, s, paymentID)
	assert.Equal(t, *before, *after, "a stale event changes nothing, not even the time")
	assert.Len(t, rec.calls(), 4, "fn sees ignored events too, to log them")

	res := process(t, s, paymentEvent("evt_late_pending", paymentID, status.Pending, qar("79.10")), &rec)
	assert.True(t, res.Duplicate, "an ignored event is still recorded")
}

func testIllegal(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	process(t, s, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10")), &rec)

	for _, bad := range []status.Status{status.Failed, status.Canceled, status.Expired} {
		res := process(t, s, paymentEvent("evt_"+bad.String(), paymentID, bad, qar("79.10")), &rec)
		assert.False(t, res.Applied)
		assert.ErrorIs(t, res.Ignored, status.ErrIllegal, "%s after captured", bad)
		assert.Equal(t, status.Captured, res.Current)
	}
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")

	// And the other way round: the first final outcome wins.
	const declined = "chg_TS01A1020231234Xy9Z0DECL"
	track(t, s, payment(declined, status.Pending, qar("5.00")))
	process(t, s, paymentEvent("evt_d1", declined, status.Failed, qar("5.00")), &rec)
	res := process(t, s, paymentEvent("evt_d2", declined, status.Captured, qar("5.00")), &rec)
	assert.ErrorIs(t, res.Ignored, status.ErrIllegal)
	requireState(t, s, declined, status.Failed, "QAR 0.00")
}

func testUnchanged(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	// Checkout sends payment_captured and payment_paid for one capture.
	first := process(t, s, paymentEvent("evt_captured", paymentID, status.Captured, qar("79.10")), &rec)
	second := process(t, s, paymentEvent("evt_paid", paymentID, status.Captured, qar("79.10")), &rec)
	assert.True(t, first.Applied)
	assert.False(t, second.Applied, "only one of the two ships the order")
	assert.ErrorIs(t, second.Ignored, status.ErrUnchanged)
	assert.Len(t, rec.calls(), 2)
}

func testUntracked(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	res := process(t, s, paymentEvent("evt_1", paymentID, status.Captured, qar("12.50")), &rec)
	assert.True(t, res.Applied)
	assert.Equal(t, status.Unknown, res.Previous)
	assert.Equal(t, status.Captured, res.Current)
	got := stored(t, s, paymentID)
	assert.True(t, got.Amount.Equal(qar("12.50")))
	assert.Equal(t, "ORD-3456", got.Reference)
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")

	// From then on the event's amount is the one every report must match.
	_, err := s.Process(context.Background(), paymentEvent("evt_2", paymentID, status.Captured, qar("12.51")), rec.fn)
	assert.ErrorIs(t, err, qpay.KindIntegrity)
	assert.ErrorIs(t, s.Track(context.Background(), payment(paymentID, status.Captured, qar("99.00"))), qpay.KindIntegrity)
}

func testTrackAfterEvent(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	// The webhook can beat the code that tracks CreatePayment's answer.
	process(t, s, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10")), &rec)
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")
}

func testRefunds(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	track(t, s, payment(paymentID, status.Pending, qar("100.00")))
	process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("100.00")), &rec)

	steps := []struct {
		event, refund   string
		st              status.RefundStatus
		amount          string
		applied         bool
		payment         status.Status
		refunded        string
		refundPrev, now status.RefundStatus
	}{
		{"evt_r1_pending", "re_1", status.RefundPending, "30.00", true, status.Captured, "QAR 0.00", status.RefundUnknown, status.RefundPending},
		{"evt_r1_done", "re_1", status.RefundSucceeded, "30.00", true, status.PartiallyRefunded, "QAR 30.00", status.RefundPending, status.RefundSucceeded},
		{"evt_r1_late", "re_1", status.RefundPending, "30.00", false, status.PartiallyRefunded, "QAR 30.00", status.RefundSucceeded, status.RefundSucceeded},
		{"evt_r2_failed", "re_2", status.RefundFailed, "70.00", true, status.PartiallyRefunded, "QAR 30.00", status.RefundUnknown, status.RefundFailed},
		{"evt_r3_done", "re_3", status.RefundSucceeded, "70.00", true, status.Refunded, "QAR 100.00", status.RefundUnknown, status.RefundSucceeded},
	}
	for _, st := range steps {
		res := process(t, s, refundEvent(st.event, paymentID, st.refund, st.st, qar(st.amount)), &rec)
		assert.Equal(t, st.applied, res.Applied, st.event)
		assert.Equal(t, st.refundPrev, res.RefundPrevious, st.event)
		assert.Equal(t, st.now, res.RefundCurrent, st.event)
		assert.Equal(t, st.payment, res.Current, st.event)
		require.NotNil(t, res.Payment, st.event)
		assert.Equal(t, st.refunded, res.Payment.Refunded.String(), st.event)
		requireState(t, s, paymentID, st.payment, st.refunded)
	}
	assert.Len(t, rec.calls(), len(steps)+1)
}

func testRefundCountedOnce(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	track(t, s, payment(paymentID, status.Captured, qar("100.00")))
	// The refund's success reported by two events (e.g. a redelivery
	// under a new ID, or the refund webhook and a derived one).
	process(t, s, refundEvent("evt_a", paymentID, "re_1", status.RefundSucceeded, qar("40.00")), &rec)
	res := process(t, s, refundEvent("evt_b", paymentID, "re_1", status.RefundSucceeded, qar("40.00")), &rec)
	assert.False(t, res.Applied)
	assert.ErrorIs(t, res.Ignored, status.ErrUnchanged)
	// A contradiction after success never takes the money count back.
	res = process(t, s, refundEvent("evt_c", paymentID, "re_1", status.RefundFailed, qar("40.00")), &rec)
	assert.ErrorIs(t, res.Ignored, status.ErrIllegal)
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 40.00")
}

func testEarlyRefund(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	res := process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)
	assert.True(t, res.Applied)
	assert.ErrorIs(t, res.NotCounted, store.ErrNotCaptured)
	assert.Nil(t, res.Payment, "the payment is not stored yet")
	assert.Equal(t, status.Unknown, res.Current)
	_, err := s.Payment(context.Background(), single, provider, paymentID)
	require.ErrorIs(t, err, store.ErrNotFound, "a refund alone does not say how much was paid")

	track(t, s, payment(paymentID, status.Captured, qar("100.00")))
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 25.00")

	// Counted once: neither its redelivery nor a repeat under a new ID
	// adds it again.
	process(t, s, refundEvent("evt_r1b", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)
	track(t, s, payment(paymentID, status.Captured, qar("100.00")))
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 25.00")

	// The same holds when a payment event, not Track, stores the payment.
	const other = "chg_TS01A1020231234Xy9Z0OTHR"
	process(t, s, refundEvent("evt_o1", other, "re_o1", status.RefundSucceeded, qar("10.00")), &rec)
	res = process(t, s, paymentEvent("evt_o2", other, status.Captured, qar("10.00")), &rec)
	assert.Equal(t, status.Refunded, res.Current)
	requireState(t, s, other, status.Refunded, "QAR 10.00")
}

// testRefundOfUncaptured: a refund never establishes a capture. A
// succeeded refund of a payment stored as not captured is kept but not
// counted, so the payment is neither refunded nor Succeeded(); it is
// counted when the capture is stored, if a capture can still come.
func testRefundOfUncaptured(t *testing.T, open Open) {
	cases := []struct {
		stored   status.Status
		illegal  bool          // the refund contradicts a final failure
		capture  status.Status // the status after a later capture event
		refunded string        // and the refunded amount then
	}{
		{status.Unknown, false, status.PartiallyRefunded, "QAR 25.00"},
		{status.Pending, false, status.PartiallyRefunded, "QAR 25.00"},
		{status.Processing, false, status.PartiallyRefunded, "QAR 25.00"},
		{status.Failed, true, status.Failed, "QAR 0.00"},
		{status.Canceled, true, status.Canceled, "QAR 0.00"},
		{status.Expired, true, status.Expired, "QAR 0.00"},
	}
	for _, c := range cases {
		t.Run(c.stored.String(), func(t *testing.T) {
			s := open(t, 1)[0]
			var rec recorder
			track(t, s, payment(paymentID, c.stored, qar("100.00")))

			res := process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)
			assert.True(t, res.Applied, "the refund's own status is recorded")
			assert.Equal(t, status.RefundSucceeded, res.RefundCurrent)
			assert.ErrorIs(t, res.NotCounted, store.ErrNotCaptured)
			assert.Equal(t, c.illegal, errors.Is(res.NotCounted, status.ErrIllegal), "%v", res.NotCounted)
			assert.Equal(t, c.stored, res.Current, "the payment does not move")
			require.NotNil(t, res.Payment)
			assert.False(t, res.Payment.Status.Succeeded(), "an unpaid order never looks paid")
			requireState(t, s, paymentID, c.stored, "QAR 0.00")

			// Its redelivery under another ID changes nothing either.
			process(t, s, refundEvent("evt_r1b", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)
			requireState(t, s, paymentID, c.stored, "QAR 0.00")

			// The capture, when it can still come, counts it once.
			process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("100.00")), &rec)
			track(t, s, payment(paymentID, status.Captured, qar("100.00")))
			p := stored(t, s, paymentID)
			assert.Equal(t, c.capture, p.Status)
			assert.Equal(t, c.refunded, p.Refunded.String())
		})
	}
}

// testEarlyRefundOfUncaptured: a refund that arrives before its payment is
// stored is not counted when the payment is first stored as pending, only
// when its capture is.
func testEarlyRefundOfUncaptured(t *testing.T, open Open) {
	s := open(t, 1)[0]
	var rec recorder
	process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)

	track(t, s, payment(paymentID, status.Pending, qar("100.00")))
	requireState(t, s, paymentID, status.Pending, "QAR 0.00")
	res := process(t, s, paymentEvent("evt_pending", paymentID, status.Processing, qar("100.00")), &rec)
	assert.False(t, res.Payment.Status.Succeeded())
	requireState(t, s, paymentID, status.Processing, "QAR 0.00")

	res = process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("100.00")), &rec)
	assert.Equal(t, status.PartiallyRefunded, res.Current)
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 25.00")

	// Counted once, whatever follows.
	track(t, s, payment(paymentID, status.Captured, qar("100.00")))
	process(t, s, refundEvent("evt_r1b", paymentID, "re_1", status.RefundSucceeded, qar("25.00")), &rec)
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 25.00")

	// A payment first stored as failed never counts an early refund.
	const failed = "chg_TS01A1020231234Xy9Z0FAIL"
	process(t, s, refundEvent("evt_f1", failed, "re_f1", status.RefundSucceeded, qar("10.00")), &rec)
	res = process(t, s, paymentEvent("evt_f2", failed, status.Failed, qar("10.00")), &rec)
	assert.Equal(t, status.Failed, res.Current)
	requireState(t, s, failed, status.Failed, "QAR 0.00")
}

func testIntegrity(t *testing.T, open Open) {
	cases := []struct {
		name string
		// setup runs first; bad must then fail with KindIntegrity.
		setup func(t *testing.T, s store.Store, rec *recorder)
		bad   func(s store.Store, rec *recorder) error
		want  status.Status
	}{
		{
			name: "payment event with another amount",
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), paymentEvent("evt_bad", paymentID, status.Captured, qar("7.91")), rec.fn)
				return err
			},
			want: status.Pending,
		},
		{
			name: "payment event with another currency",
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), paymentEvent("evt_bad", paymentID, status.Captured, money.MustParse("79.100", "KWD")), rec.fn)
				return err
			},
			want: status.Pending,
		},
		{
			name: "refund in another currency",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("79.10")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), refundEvent("evt_bad", paymentID, "re_1", status.RefundSucceeded, money.MustParse("10.000", "KWD")), rec.fn)
				return err
			},
			want: status.Captured,
		},
		{
			name: "refund larger than the payment",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("79.10")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), refundEvent("evt_bad", paymentID, "re_1", status.RefundPending, qar("79.11")), rec.fn)
				return err
			},
			want: status.Captured,
		},
		{
			name: "refunds adding up to more than the payment",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("79.10")), rec)
				process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("50.00")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), refundEvent("evt_bad", paymentID, "re_2", status.RefundSucceeded, qar("29.11")), rec.fn)
				return err
			},
			want: status.PartiallyRefunded,
		},
		{
			name: "refund reported with another amount than stored",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("79.10")), rec)
				process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundPending, qar("10.00")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), refundEvent("evt_bad", paymentID, "re_1", status.RefundSucceeded, qar("20.00")), rec.fn)
				return err
			},
			want: status.Captured,
		},
		{
			name: "refunds kept uncounted adding up to more than the payment, at its capture",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("50.00")), rec)
				process(t, s, refundEvent("evt_r2", paymentID, "re_2", status.RefundSucceeded, qar("29.11")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), paymentEvent("evt_bad", paymentID, status.Captured, qar("79.10")), rec.fn)
				return err
			},
			want: status.Pending,
		},
		{
			name: "refund reported under another payment than stored",
			setup: func(t *testing.T, s store.Store, rec *recorder) {
				process(t, s, paymentEvent("evt_cap", paymentID, status.Captured, qar("79.10")), rec)
				process(t, s, refundEvent("evt_r1", paymentID, "re_1", status.RefundPending, qar("10.00")), rec)
			},
			bad: func(s store.Store, rec *recorder) error {
				_, err := s.Process(context.Background(), refundEvent("evt_bad", "chg_TS01A1020231234Xy9Z0OTHR", "re_1", status.RefundSucceeded, qar("10.00")), rec.fn)
				return err
			},
			want: status.Captured,
		},
		{
			name: "payment event with another reference",
			bad: func(s store.Store, rec *recorder) error {
				ev := paymentEvent("evt_bad", paymentID, status.Captured, qar("79.10"))
				ev.Payment.Reference = "ORD-another-order"
				_, err := s.Process(context.Background(), ev, rec.fn)
				return err
			},
			want: status.Pending,
		},
		{
			name: "track with another reference",
			bad: func(s store.Store, _ *recorder) error {
				p := payment(paymentID, status.Captured, qar("79.10"))
				p.Reference = "ORD-another-order"
				return s.Track(context.Background(), p)
			},
			want: status.Pending,
		},
		{
			name: "track with another amount",
			bad: func(s store.Store, _ *recorder) error {
				return s.Track(context.Background(), payment(paymentID, status.Captured, qar("79.00")))
			},
			want: status.Pending,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, 1)[0]
			var rec recorder
			track(t, s, payment(paymentID, status.Pending, qar("79.10")))
			if c.setup != nil {
				c.setup(t, s, &rec)
			}
			before := stored(t, s, paymentID)
			calls := len(rec.calls())

			for attempt := 0; attempt < 2; attempt++ { // the redelivery is refused the same way
				err := c.bad(s, &rec)
				require.Error(t, err)
				assert.ErrorIs(t, err, qpay.KindIntegrity, "attempt %d: %v", attempt, err)
				var qe *qpay.Error
				require.ErrorAs(t, err, &qe)
				assert.NotEmpty(t, qe.Message)
			}
			assert.Len(t, rec.calls(), calls, "fn is not called")
			assert.Equal(t, *before, *stored(t, s, paymentID), "nothing changes")
			assert.Equal(t, c.want, before.Status)
		})
	}
}

func testFnError(t *testing.T, open Open) {
	s := open(t, 1)[0]
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	ev := paymentEvent("evt_1", paymentID, status.Captured, qar("79.10"))

	boom := errors.New("orders database is down")
	calls := 0
	_, err := s.Process(context.Background(), ev, func(_ context.Context, r store.Result) error {
		calls++
		assert.True(t, r.Applied, "fn sees the change it is asked to accept")
		return boom
	})
	require.ErrorIs(t, err, boom, "fn's error comes back as it is")
	requireState(t, s, paymentID, status.Pending, "QAR 0.00")

	var rec recorder
	res := process(t, s, ev, &rec)
	assert.False(t, res.Duplicate, "the redelivery is processed again")
	assert.True(t, res.Applied)
	assert.Equal(t, 1, calls)
	assert.Len(t, rec.calls(), 1)
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")

	// The same holds for a refund: nothing of it is kept.
	_, err = s.Process(context.Background(), refundEvent("evt_r", paymentID, "re_1", status.RefundSucceeded, qar("9.10")),
		func(context.Context, store.Result) error { return boom })
	require.ErrorIs(t, err, boom)
	requireState(t, s, paymentID, status.Captured, "QAR 0.00")
	res = process(t, s, refundEvent("evt_r", paymentID, "re_1", status.RefundSucceeded, qar("9.10")), &rec)
	assert.True(t, res.Applied)
	assert.Equal(t, status.RefundUnknown, res.RefundPrevious, "the failed attempt stored no refund")
	requireState(t, s, paymentID, status.PartiallyRefunded, "QAR 9.10")
}

func testCanceled(t *testing.T, open Open) {
	s := open(t, 1)[0]
	track(t, s, payment(paymentID, status.Pending, qar("79.10")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ev := paymentEvent("evt_1", paymentID, status.Captured, qar("79.10"))

	var rec recorder
	_, err := s.Process(ctx, ev, rec.fn)
	require.Error(t, err)
	assert.ErrorIs(t, err, qpay.KindCanceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, s.Track(ctx, payment(paymentID, status.Captured, qar("79.10"))), qpay.KindCanceled)
	assert.Empty(t, rec.calls())
	requireState(t, s, paymentID, status.Pending, "QAR 0.00")

	res := process(t, s, ev, &rec)
	assert.True(t, res.Applied, "nothing was recorded by the canceled call")
}

func testMalformed(t *testing.T, open Open) {
	s := open(t, 1)[0]
	valid := func() *qpay.WebhookEvent { return paymentEvent("evt_1", paymentID, status.Captured, qar("1.00")) }
	validRefund := func() *qpay.WebhookEvent {
		return refundEvent("evt_r", paymentID, "re_1", status.RefundSucceeded, qar("1.00"))
	}
	cases := []struct {
		name string
		ev   func() *qpay.WebhookEvent
	}{
		{"nil event", func() *qpay.WebhookEvent { return nil }},
		{"no event ID", func() *qpay.WebhookEvent { e := valid(); e.ID = ""; return e }},
		{"NUL in event ID", func() *qpay.WebhookEvent { e := valid(); e.ID = "evt_\x00"; return e }},
		{"event ID too long", func() *qpay.WebhookEvent { e := valid(); e.ID = "evt_" + strings.Repeat("x", 300); return e }},
		{"no provider", func() *qpay.WebhookEvent { e := valid(); e.Provider = ""; return e }},
		{"control character in account", func() *qpay.WebhookEvent { return inAccount("shop\n1", valid()) }},
		{"account too long", func() *qpay.WebhookEvent { return inAccount(strings.Repeat("m", 300), valid()) }},
		{"no type", func() *qpay.WebhookEvent { e := valid(); e.Type = 0; return e }},
		{"payment event without payment", func() *qpay.WebhookEvent { e := valid(); e.Payment = nil; return e }},
		{"payment without ID", func() *qpay.WebhookEvent { e := valid(); e.Payment.ID = ""; e.PaymentID = ""; return e }},
		{"payment ID with a slash", func() *qpay.WebhookEvent { e := valid(); e.Payment.ID = "chg/1"; e.PaymentID = ""; return e }},
		{"payment without amount", func() *qpay.WebhookEvent { e := valid(); e.Payment.Amount = money.Money{}; return e }},
		{"payment of the other provider", func() *qpay.WebhookEvent { e := valid(); e.Payment.Provider = "checkout"; return e }},
		{"event names another payment", func() *qpay.WebhookEvent { e := valid(); e.PaymentID = "chg_other"; return e }},
		{"refund event without refund", func() *qpay.WebhookEvent { e := validRefund(); e.Refund = nil; return e }},
		{"refund without ID", func() *qpay.WebhookEvent { e := validRefund(); e.Refund.ID = ""; return e }},
		{"refund without payment", func() *qpay.WebhookEvent { e := validRefund(); e.Refund.PaymentID = ""; e.PaymentID = ""; return e }},
		{"refund without amount", func() *qpay.WebhookEvent { e := validRefund(); e.Refund.Amount = money.Money{}; return e }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			_, err := s.Process(context.Background(), c.ev(), func(context.Context, store.Result) error { called = true; return nil })
			require.Error(t, err)
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			assert.False(t, called)
		})
	}
	_, err := s.Payment(context.Background(), single, provider, paymentID)
	assert.ErrorIs(t, err, store.ErrNotFound, "nothing was stored")
	for _, p := range []*qpay.Payment{nil, {Provider: provider, ID: paymentID}, {ID: paymentID, Amount: qar("1.00")},
		{Provider: provider, Account: "shop\x00", ID: paymentID, Amount: qar("1.00")}} {
		assert.ErrorIs(t, s.Track(context.Background(), p), qpay.KindInvalidRequest, "%+v", p)
	}
}

// testConcurrentDuplicates is the acceptance test: one event
// delivered Replicas*PerReplica times at once, spread over replicas that
// share one backing store; the merchant's function runs exactly once.
func testConcurrentDuplicates(t *testing.T, open Open) {
	replicas := open(t, Replicas)
	track(t, replicas[0], payment(paymentID, status.Pending, qar("79.10")))
	ev := paymentEvent("evt_once", paymentID, status.Captured, qar("79.10"))

	var (
		ran, duplicates atomic.Int64
		start           = make(chan struct{})
		wg              sync.WaitGroup
		errs            = make(chan error, Replicas*PerReplica)
	)
	fn := func(context.Context, store.Result) error {
		ran.Add(1)
		time.Sleep(20 * time.Millisecond) // hold the event while the others pile up
		return nil
	}
	for _, s := range replicas {
		for i := 0; i < PerReplica; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// Every delivery carries its own copy, as each HTTP
				// request decodes its own.
				res, err := s.Process(context.Background(), paymentEvent(ev.ID, paymentID, status.Captured, qar("79.10")), fn)
				if err != nil {
					errs <- err
					return
				}
				if res.Duplicate {
					duplicates.Add(1)
				}
			}()
		}
	}
	began := time.Now()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Process: %v", err)
	}
	t.Logf("%d deliveries of one event over %d replicas in %v", Replicas*PerReplica, Replicas, time.Since(began).Round(time.Millisecond))
	assert.EqualValues(t, 1, ran.Load(), "fn ran exactly once")
	assert.EqualValues(t, Replicas*PerReplica-1, duplicates.Load())
	for _, s := range replicas {
		requireState(t, s, paymentID, status.Captured, "QAR 0.00")
	}
}

// testConcurrentRefunds delivers many different events of one payment at
// once, each several times, on several replicas: no update may be lost and
// no refund counted twice.
func testConcurrentRefunds(t *testing.T, open Open) {
	replicas := open(t, Replicas)
	track(t, replicas[0], payment(paymentID, status.Captured, qar("100.00")))
	const refunds, copies = 10, 3

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		seen  = map[string]int{}
	)
	fn := func(_ context.Context, r store.Result) error {
		mu.Lock()
		seen[r.EventID]++
		mu.Unlock()
		return nil
	}
	for i := 0; i < refunds; i++ {
		id := fmt.Sprintf("re_%02d", i)
		for _, st := range []status.RefundStatus{status.RefundPending, status.RefundSucceeded} {
			for c := 0; c < copies; c++ {
				s := replicas[(i+c)%len(replicas)]
				ev := refundEvent("evt_"+id+"_"+st.String(), paymentID, id, st, qar("10.00"))
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := s.Process(context.Background(), ev, fn)
					assert.NoError(t, err, ev.ID)
				}()
			}
		}
	}
	close(start)
	wg.Wait()

	assert.Len(t, seen, refunds*2, "every event was processed")
	for id, n := range seen {
		assert.Equal(t, 1, n, "fn ran once for %s", id)
	}
	for _, s := range replicas {
		requireState(t, s, paymentID, status.Refunded, "QAR 100.00")
	}
}

// testConcurrentUntracked races the events of payments the store has never
// seen: payment events that each would create the payment, and refunds that
// succeed before, during or after that. A store that serializes only on an
// existing row loses one of them here.
func testConcurrentUntracked(t *testing.T, open Open) {
	replicas := open(t, Replicas)
	const payments, refunds, copies = 5, 10, 2

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		seen  = map[string]int{}
	)
	fn := func(_ context.Context, r store.Result) error {
		mu.Lock()
		seen[r.EventID]++
		mu.Unlock()
		return nil
	}
	deliver := func(i int, ev *qpay.WebhookEvent) {
		for c := 0; c < copies; c++ {
			s := replicas[(i+c)%len(replicas)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.Process(context.Background(), ev, fn)
				assert.NoError(t, err, ev.ID)
			}()
		}
	}
	ids := make([]string, payments)
	for p := range ids {
		ids[p] = fmt.Sprintf("chg_race%02d", p)
		for i, st := range []status.Status{status.Pending, status.Processing, status.Captured} {
			deliver(i, paymentEvent(fmt.Sprintf("evt_%s_%s", ids[p], st), ids[p], st, qar("100.00")))
		}
		for r := 0; r < refunds; r++ {
			refundID := fmt.Sprintf("re_%s_%02d", ids[p], r)
			deliver(r, refundEvent("evt_"+refundID, ids[p], refundID, status.RefundSucceeded, qar("10.00")))
		}
	}
	close(start)
	wg.Wait()

	assert.Len(t, seen, payments*(3+refunds), "every event was processed")
	for id, n := range seen {
		assert.Equal(t, 1, n, "fn ran once for %s", id)
	}
	for _, id := range ids {
		requireState(t, replicas[0], id, status.Refunded, "QAR 100.00")
	}
}

// testForgedByAnotherAccount is the marketplace attack: merchant B signs,
// with its own key, a "captured" body for merchant A's payment and posts it
// to its own webhook route. The store shared by every merchant must not
// move A's payment, nor take A's genuine event (which, for Tap, has the
// same derived event ID) for a duplicate.
func testForgedByAnotherAccount(t *testing.T, open Open) {
	s := open(t, 1)[0]
	const a, b = "merchant-a", "merchant-b"
	pay := payment(paymentID, status.Pending, qar("79.10"))
	pay.Account = a
	track(t, s, pay)
	var rec recorder

	const eventID = "tap:" + paymentID + ":CAPTURED"
	forged := process(t, s, inAccount(b, paymentEvent(eventID, paymentID, status.Captured, qar("79.10"))), &rec)
	assert.False(t, forged.Duplicate)
	require.NotNil(t, forged.Payment)
	assert.Equal(t, b, forged.Payment.Account, "the event is B's, about B's rows only")
	requireStateIn(t, s, a, paymentID, status.Pending, "QAR 0.00")
	_, err := s.Payment(context.Background(), single, provider, paymentID)
	assert.ErrorIs(t, err, store.ErrNotFound, "nor does it land in the single-merchant account")

	// B's reports are checked against B's rows, never A's: another amount
	// is no integrity error of A's payment, and changes nothing of it.
	other := process(t, s, inAccount(b, paymentEvent("evt_b_other", "chg_b_other", status.Captured, qar("1.00"))), &rec)
	assert.True(t, other.Applied)
	requireStateIn(t, s, a, paymentID, status.Pending, "QAR 0.00")

	genuine := process(t, s, inAccount(a, paymentEvent(eventID, paymentID, status.Captured, qar("79.10"))), &rec)
	assert.False(t, genuine.Duplicate, "A's event is not B's")
	assert.True(t, genuine.Applied)
	assert.Equal(t, status.Pending, genuine.Previous)
	assert.Equal(t, status.Captured, genuine.Current)
	require.NotNil(t, genuine.Payment)
	assert.Equal(t, a, genuine.Payment.Account)
	requireStateIn(t, s, a, paymentID, status.Captured, "QAR 0.00")
	assert.Len(t, rec.calls(), 3)

	// Each account's redelivery is its own duplicate.
	for _, acct := range []string{a, b} {
		again := process(t, s, inAccount(acct, paymentEvent(eventID, paymentID, status.Captured, qar("79.10"))), &rec)
		assert.True(t, again.Duplicate, "redelivery to %s", acct)
	}
	assert.Len(t, rec.calls(), 3)
}

// testRefundsOfAnotherAccount: refund events of another account, for a
// payment ID of this one, are never counted on it, neither at once nor as
// refunds that arrived before the payment was stored.
func testRefundsOfAnotherAccount(t *testing.T, open Open) {
	s := open(t, 1)[0]
	const a, b = "merchant-a", "merchant-b"
	var rec recorder
	pay := payment(paymentID, status.Captured, qar("100.00"))
	pay.Account = a
	track(t, s, pay)

	res := process(t, s, inAccount(b, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("100.00"))), &rec)
	assert.Nil(t, res.Payment, "B has no such payment")
	requireStateIn(t, s, a, paymentID, status.Captured, "QAR 0.00")

	// A's own refund of the same ID is A's, whatever B said about it.
	res = process(t, s, inAccount(a, refundEvent("evt_r1", paymentID, "re_1", status.RefundSucceeded, qar("30.00"))), &rec)
	assert.False(t, res.Duplicate)
	assert.True(t, res.Applied)
	assert.Equal(t, status.RefundUnknown, res.RefundPrevious)
	requireStateIn(t, s, a, paymentID, status.PartiallyRefunded, "QAR 30.00")

	// B's early refund waits for B's payment, not A's.
	const early = "chg_TS01A1020231234Xy9Z0EARL"
	process(t, s, inAccount(b, refundEvent("evt_e1", early, "re_e1", status.RefundSucceeded, qar("40.00"))), &rec)
	pay = payment(early, status.Captured, qar("100.00"))
	pay.Account = a
	track(t, s, pay)
	requireStateIn(t, s, a, early, status.Captured, "QAR 0.00")
	pay = payment(early, status.Captured, qar("100.00"))
	pay.Account = b
	track(t, s, pay)
	requireStateIn(t, s, b, early, status.PartiallyRefunded, "QAR 40.00")
	requireStateIn(t, s, a, early, status.Captured, "QAR 0.00")
}

// testAccountMismatch: the key that verified an event vouches for its
// account only, so an event carrying another account's payment or refund
// is an integrity error, never applied to either account.
func testAccountMismatch(t *testing.T, open Open) {
	s := open(t, 1)[0]
	const a, b = "merchant-a", "merchant-b"
	pay := payment(paymentID, status.Pending, qar("79.10"))
	pay.Account = a
	track(t, s, pay)
	cases := []struct {
		name string
		ev   func() *qpay.WebhookEvent
	}{
		{"payment of another account", func() *qpay.WebhookEvent {
			e := inAccount(b, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10")))
			e.Payment.Account = a
			return e
		}},
		{"payment of the single-merchant account", func() *qpay.WebhookEvent {
			e := inAccount(a, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10")))
			e.Payment.Account = single
			return e
		}},
		{"refund of another account", func() *qpay.WebhookEvent {
			e := inAccount(b, refundEvent("evt_r", paymentID, "re_1", status.RefundSucceeded, qar("1.00")))
			e.Refund.Account = a
			return e
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for attempt := 0; attempt < 2; attempt++ {
				called := false
				_, err := s.Process(context.Background(), c.ev(), func(context.Context, store.Result) error { called = true; return nil })
				require.Error(t, err)
				assert.ErrorIs(t, err, qpay.KindIntegrity, "attempt %d: %v", attempt, err)
				assert.False(t, called)
			}
		})
	}
	requireStateIn(t, s, a, paymentID, status.Pending, "QAR 0.00")
	_, err := s.Payment(context.Background(), b, provider, paymentID)
	assert.ErrorIs(t, err, store.ErrNotFound)

	// Nothing of them was recorded: the genuine events are processed.
	var rec recorder
	res := process(t, s, inAccount(a, paymentEvent("evt_1", paymentID, status.Captured, qar("79.10"))), &rec)
	assert.True(t, res.Applied)
	res = process(t, s, inAccount(a, refundEvent("evt_r", paymentID, "re_1", status.RefundSucceeded, qar("1.00"))), &rec)
	assert.True(t, res.Applied)
	requireStateIn(t, s, a, paymentID, status.PartiallyRefunded, "QAR 1.00")
}

// testConcurrentNewRefund races the first events of refunds no store has
// seen, half of them naming one payment and half another (a forged or
// broken report): each refund belongs to whichever payment's event is
// processed first, the events naming the other are integrity errors, and
// no refund is counted twice. A store that locks only existing refund rows
// lets both sides find no refund and count it on both payments.
func testConcurrentNewRefund(t *testing.T, open Open) {
	replicas := open(t, Replicas)
	const refunds, copies = 20, 3
	pays := []string{"chg_TS01A1020231234Xy9Z0PAY1", "chg_TS01A1020231234Xy9Z0PAY2"}
	for _, id := range pays {
		track(t, replicas[0], payment(id, status.Captured, qar("1000.00")))
	}

	type outcome struct {
		refund, payment string
		err             error
	}
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		outcomes = make(chan outcome, refunds*len(pays)*copies)
	)
	for r := 0; r < refunds; r++ {
		refundID := fmt.Sprintf("re_new%02d", r)
		for p, payID := range pays {
			for c := 0; c < copies; c++ {
				s := replicas[(r+p+c)%len(replicas)]
				ev := refundEvent(fmt.Sprintf("evt_%s_%d_%d", refundID, p, c), payID, refundID, status.RefundSucceeded, qar("10.00"))
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := s.Process(context.Background(), ev, nil)
					outcomes <- outcome{refundID, payID, err}
				}()
			}
		}
	}
	close(start)
	wg.Wait()
	close(outcomes)

	owners := map[string]map[string]bool{} // refund -> payments whose events were accepted
	for o := range outcomes {
		if owners[o.refund] == nil {
			owners[o.refund] = map[string]bool{}
		}
		if o.err != nil {
			assert.ErrorIs(t, o.err, qpay.KindIntegrity, "refund %s for %s: %v", o.refund, o.payment, o.err)
			continue
		}
		owners[o.refund][o.payment] = true
	}
	require.Len(t, owners, refunds)
	total := qar("0.00")
	for refund, by := range owners {
		assert.Len(t, by, 1, "refund %s was accepted for %v", refund, by)
	}
	for _, id := range pays {
		p := stored(t, replicas[1%len(replicas)], id)
		var err error
		total, err = total.Add(p.Refunded)
		require.NoError(t, err)
	}
	assert.Equal(t, qar(fmt.Sprintf("%d.00", refunds*10)).String(), total.String(), "every refund counted once")
}

var (
	card     = qpay.Method{Type: qpay.MethodCard, Scheme: "VISA", Raw: "VISA"}
	qpayPaid = qpay.Method{Type: qpay.MethodQPay, Scheme: "NAPS", Raw: "QPAY"}
)

// testMethodMismatch is a RequireQPay hosted page the shopper paid by card:
// the store keeps the requirement from Track and the method from the
// capture's report, which carries no requirement (a read-back or webhook
// without the metadata), so the merchant's function sees Captured and a
// MethodError of kind qpay.KindMethodMismatch. A later report saying QPay
// does not hide it.
func testMethodMismatch(t *testing.T, open Open) {
	s := open(t, 1)[0]
	p := payment(paymentID, status.Pending, qar("79.10"))
	p.RequireQPay = true
	track(t, s, p)
	assert.NoError(t, stored(t, s, paymentID).MethodError(), "no method known yet: nothing to report")

	ev := paymentEvent("ev-1", paymentID, status.Captured, qar("79.10"))
	ev.Payment.Method = card
	rec := &recorder{}
	res := process(t, s, ev, rec)
	require.True(t, res.Applied)
	calls := rec.calls()
	require.Len(t, calls, 1)
	got := calls[0].Payment
	require.NotNil(t, got)
	assert.Equal(t, status.Captured, got.Status)
	assert.Equal(t, card, got.Method)
	assert.True(t, got.RequireQPay)
	err := got.MethodError()
	require.Error(t, err, "the callback can tell a card payment on a RequireQPay page")
	assert.ErrorIs(t, err, qpay.KindMethodMismatch)

	later := payment(paymentID, status.Captured, qar("79.10"))
	later.Method = qpayPaid
	track(t, s, later)
	res = process(t, s, refundEvent("ev-r1", paymentID, "re_M1", status.RefundSucceeded, qar("79.10")), rec)
	require.NotNil(t, res.Payment)
	assert.Equal(t, card, res.Payment.Method, "a later QPay report never replaces a card")
	assert.ErrorIs(t, res.Payment.MethodError(), qpay.KindMethodMismatch, "a refund's Result carries it too")
	kept := stored(t, s, paymentID)
	assert.Equal(t, card, kept.Method)
	assert.True(t, kept.RequireQPay)
	assert.ErrorIs(t, kept.MethodError(), qpay.KindMethodMismatch)
}

// testMethodMatch: QPay required and used, or not required and paid by
// card, is no mismatch; the method is stored either way.
func testMethodMatch(t *testing.T, open Open) {
	s := open(t, 1)[0]
	for i, c := range []struct {
		require bool
		method  qpay.Method
	}{{true, qpayPaid}, {false, card}, {false, qpayPaid}} {
		id := dueID(i)
		p := payment(id, status.Pending, qar("10.00"))
		p.RequireQPay = c.require
		track(t, s, p)
		ev := paymentEvent(fmt.Sprintf("ev-m%d", i), id, status.Captured, qar("10.00"))
		ev.Payment.Method = c.method
		ev.Payment.RequireQPay = c.require
		rec := &recorder{}
		process(t, s, ev, rec)
		calls := rec.calls()
		require.Len(t, calls, 1)
		assert.NoError(t, calls[0].Payment.MethodError(), "require %v, paid by %s", c.require, c.method.Type)
		got := stored(t, s, id)
		assert.Equal(t, c.method, got.Method)
		assert.Equal(t, c.require, got.RequireQPay)
	}
}
