package driver

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// What a replayed delivery costs: the attacker holds one captured genuine
// delivery and posts it again and again.

// A read-back that refuses its delivery for good is kept like one that
// agreed: 20 replays cost one call, whatever the refusal; a delivery
// making another signed claim is read back again; a transient failure is
// never kept.
func TestAReplayedRefusalCostsOneReadBack(t *testing.T) {
	captured := func() *qpay.WebhookEvent { return deliveredPayment() } // signed 10 QAR, CAPTURED
	tests := []struct {
		name  string
		opts  Options
		read  *qpay.Payment
		err   error
		kind  qpay.Kind
		calls int
	}{
		{"the read-back contradicts a signed amount", Options{},
			&qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("11")}, nil, qpay.KindIntegrity, 1},
		{"the read-back contradicts a signed status", Options{},
			&qpay.Payment{ID: "pay_1", Status: status.Failed, RawStatus: "FAILED", Amount: qar("10")}, nil, qpay.KindIntegrity, 1},
		{"the read-back is another merchant's", Options{Owner: "B"},
			&qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Owner: "A"}, nil, qpay.KindForeignAccount, 1},
		{"the provider is down: never kept", Options{},
			nil, &qpay.Error{Kind: qpay.KindUnavailable, Retryable: true}, qpay.KindUnavailable, 20},
		{"the status is not reached yet: a lag, never kept", Options{},
			&qpay.Payment{ID: "pay_1", Status: status.Pending, RawStatus: "INITIATED", Amount: qar("10")}, nil, qpay.KindUnavailable, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &stub{signs: tapLike, read: tt.read, readErr: tt.err}
			p := Wrap(d, tt.opts)
			for range 20 {
				d.event = captured()
				_, err := p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
				var e *qpay.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tt.kind, e.Kind)
				assert.Equal(t, "stub", e.Provider)
			}
			assert.Equal(t, tt.calls, count(d.calls, "get"), "read-backs for 20 replays")
		})
	}
}

// A kept refusal refuses only the signed claim it judged: a genuine
// delivery of the same event making another signed claim, or a delivery
// of another event, is read back and verifies.
func TestAKeptRefusalRefusesOnlyTheSameClaim(t *testing.T) {
	d := &stub{signs: tapLike, read: &qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Reference: "ORD-A"}}
	p := Wrap(d, Options{})
	parse := func(ev *qpay.WebhookEvent) error {
		d.event = ev
		_, err := p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
		return err
	}
	forged := deliveredPayment()
	forged.Payment.Amount = qar("11")
	for range 3 {
		assert.ErrorIs(t, parse(forged), qpay.KindIntegrity)
	}
	require.NoError(t, parse(deliveredPayment()), "the genuine claim of the same event")
	rewritten := deliveredPayment()
	rewritten.Payment.Reference = "ORD-X" // unsigned: the read-back's is taken
	require.NoError(t, parse(rewritten))
	assert.Equal(t, 2, count(d.calls, "get"))
}

// A provider that signs nothing is never answered from the cache, a kept
// refusal included.
func TestARefusalIsNotKeptForAnUnsignedDelivery(t *testing.T) {
	d := &stub{unsigned: true, readErr: &qpay.Error{Kind: qpay.KindNotFound}}
	p := Wrap(d, Options{})
	for range 3 {
		d.event = deliveredPayment()
		_, err := p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
		assert.ErrorIs(t, err, qpay.KindNotFound)
	}
	assert.Equal(t, 3, count(d.calls, "get"))
}

// A signed amount in another currency is no QPay payment or refund,
// whatever the read-back would say: refused before any call, as
// unsupported (acknowledged, not redelivered).
func TestASignedForeignCurrencyIsNotReadBack(t *testing.T) {
	usd, err := money.Parse("10", "USD")
	require.NoError(t, err)
	pay := deliveredPayment()
	pay.Payment.Amount = usd
	refund := deliveredRefund()
	refund.Refund.Amount = usd
	for _, ev := range []*qpay.WebhookEvent{pay, refund} {
		d := &stub{signs: tapLike, event: ev, read: deliveredPayment().Payment, readRef: deliveredRefund().Refund}
		_, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
		assert.ErrorIs(t, err, qpay.KindUnsupported)
		assert.Equal(t, []string{"webhook"}, d.calls, "no read-back")
	}
}

// gated is a driver whose read-backs wait for the test, so that concurrent
// deliveries are all in flight at once.
type gated struct {
	*stub
	open  chan struct{}
	reads atomic.Int32
}

func (g *gated) ParseWebhook(context.Context, http.Header, []byte) (*qpay.WebhookEvent, error) {
	return deliveredPayment(), nil
}

func (g *gated) GetPayment(context.Context, string) (*qpay.Payment, error) {
	g.reads.Add(1)
	<-g.open
	return &qpay.Payment{ID: "pay_1", Status: status.Captured, RawStatus: "CAPTURED", Amount: qar("10"), Metadata: map[string]string{"o": "A"}}, nil
}

// Concurrent replays of one delivery not yet read back share one call,
// and each gets its own event.
func TestConcurrentReplaysShareOneReadBack(t *testing.T) {
	g := &gated{stub: &stub{signs: tapLike}, open: make(chan struct{})}
	p := Wrap(g, Options{})
	key := readBackKey(deliveredPayment().ID, "pay_1")
	const replays = 20
	events := make([]*qpay.WebhookEvent, replays)
	var wg sync.WaitGroup
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, err := p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
			assert.NoError(t, err)
			events[i] = ev
		}()
	}
	for p.(*portable).readBacks.waiters(key) < replays-1 && g.reads.Load() <= 1 {
		runtime.Gosched() // until every replay waits on the one read-back
	}
	close(g.open)
	wg.Wait()
	assert.Equal(t, int32(1), g.reads.Load(), "read-backs for 20 concurrent replays")
	for _, ev := range events[1:] {
		require.NotNil(t, ev)
		assert.NotSame(t, events[0].Payment, ev.Payment, "every event has its own payment")
	}
}

// The provider not finding an object whose webhook it signed is its lag
// (retryable, a call each time), until it has lasted notFoundLasting: then
// it is final, not found, and kept, so that replays stop costing calls.
func TestANotFoundThatHasLastedIsFinalAndKept(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	d := &stub{signs: tapLike, readErr: &qpay.Error{Kind: qpay.KindNotFound}}
	p := Wrap(d, Options{})
	p.(*portable).readBacks.now = func() time.Time { return now }
	parse := func() *qpay.Error {
		d.event = deliveredPayment()
		_, err := p.ParseWebhook(context.Background(), http.Header{}, []byte(`{}`))
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		return e
	}
	for range 2 {
		e := parse()
		assert.Equal(t, qpay.KindUnavailable, e.Kind, "a lag so far")
		assert.True(t, e.Retryable)
	}
	now = now.Add(notFoundLasting)
	e := parse()
	assert.Equal(t, qpay.KindNotFound, e.Kind, "lasted: final")
	assert.False(t, e.Retryable)
	for range 20 {
		assert.Equal(t, qpay.KindNotFound, parse().Kind)
	}
	assert.Equal(t, 3, count(d.calls, "get"), "20 replays of a final not-found cost no call")

	now = now.Add(readBackTTL)
	assert.Equal(t, qpay.KindUnavailable, parse().Kind, "the refusal expires like a read-back; a lag again")
}
