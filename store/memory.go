package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/store/internal"
)

// Memory is a Store held in the memory of one process: for a service with
// a single replica, and for tests. Its state is lost when the process
// exits, so a provider's redelivery after a restart is processed again.
// Services with several replicas use store/pgstore.
//
// Rows are keyed by account, provider and ID, like those of every Store.
// Operations on one payment are serialized by a keyed lock that is held
// while the merchant's function runs; operations on other payments proceed.
// The function sees, through Payment, the state before the event: the
// change is stored only when the function has returned nil.
type Memory struct {
	now func() time.Time

	mu       sync.Mutex
	held     map[string]chan struct{} // lock keys taken; the channel closes on release
	payments map[key]Payment
	refunds  map[key]Refund
	events   map[key]struct{}    // processed events; nothing of them is needed but their key
	due      map[dueKey]dueState // reconciliation bookkeeping (memory_due.go), made on first use
}

// key is a row's primary key: a merchant account, a provider and that
// provider's ID.
type key struct{ account, provider, id string }

// lockKey names a row for the keyed lock. The parts are joined by NUL,
// which none may contain (internal.CheckKey, qpay.ValidateID), so two rows never
// share a name.
func lockKey(table string, k key) string {
	return table + "\x00" + k.account + "\x00" + k.provider + "\x00" + k.id
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{
		now:      time.Now,
		held:     make(map[string]chan struct{}),
		payments: make(map[key]Payment),
		refunds:  make(map[key]Refund),
		events:   make(map[key]struct{}),
	}
}

// Track implements Store.
func (m *Memory) Track(ctx context.Context, p *qpay.Payment) error {
	if err := CheckPayment(p); err != nil {
		return err
	}
	pk := key{p.Account, p.Provider, p.ID}
	release, err := m.lock(ctx, OpTrack, lockKey("payment", pk))
	if err != nil {
		return err
	}
	defer release()

	c, err := DecideTrack(p, m.snapshot(pk, ""), m.now())
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.write(c)
	return nil
}

// Process implements Store.
func (m *Memory) Process(ctx context.Context, ev *qpay.WebhookEvent, fn func(context.Context, Result) error) (Result, error) {
	paymentID, refundID, err := Keys(ev)
	if err != nil {
		return Result{}, err
	}
	ek, pk := key{ev.Account, ev.Provider, ev.ID}, key{ev.Account, ev.Provider, paymentID}
	// A refund belongs to one payment, but its key is locked as well: an
	// event naming a refund under another payment must meet the stored
	// row, or wait for the one being written, not race it.
	keys := []string{lockKey("event", ek), lockKey("payment", pk)}
	if refundID != "" {
		keys = append(keys, lockKey("refund", key{ev.Account, ev.Provider, refundID}))
	}
	release, err := m.lock(ctx, OpProcess, keys...)
	if err != nil {
		return Result{}, err
	}
	defer release()

	m.mu.Lock()
	_, seen := m.events[ek]
	m.mu.Unlock()
	if seen {
		return Result{EventID: ev.ID, Duplicate: true}, nil
	}

	c, err := Decide(ev, m.snapshot(pk, refundID), m.now())
	if err != nil {
		return Result{}, err
	}
	if fn != nil {
		if err := fn(ctx, c.Result); err != nil {
			return Result{}, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.write(c)
	m.events[ek] = struct{}{}
	return c.Result, nil
}

// Payment implements Store.
func (m *Memory) Payment(ctx context.Context, account, provider, id string) (*Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, &qpay.Error{Provider: provider, Op: OpPayment, Kind: qpay.KindCanceled, Err: err}
	}
	m.mu.Lock()
	p, ok := m.payments[key{account, provider, id}]
	m.mu.Unlock()
	if !ok {
		return nil, notFound(provider, id)
	}
	return &p, nil
}

// snapshot copies the rows an operation on payment pk reads, all of pk's
// account; the caller holds their keys.
func (m *Memory) snapshot(pk key, refundID string) Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s Snapshot
	p, stored := m.payments[pk]
	if stored {
		s.Payment = &p
	}
	if internal.NeedsUncounted(stored, p.Status) {
		// A scan, but only for a payment not stored as captured: the
		// memory store is for one replica and for tests.
		for _, r := range m.refunds {
			if r.Account == pk.account && r.Provider == pk.provider && r.PaymentID == pk.id && r.Status.Succeeded() && !r.Counted {
				s.Uncounted = append(s.Uncounted, r)
			}
		}
	}
	if refundID != "" {
		if r, ok := m.refunds[key{pk.account, pk.provider, refundID}]; ok {
			s.Refund = &r
		}
	}
	return s
}

// write stores a Change; the caller holds m.mu.
func (m *Memory) write(c Change) {
	if c.Payment != nil {
		m.payments[key{c.Payment.Account, c.Payment.Provider, c.Payment.ID}] = *c.Payment
	}
	for _, r := range c.Refunds {
		m.refunds[key{r.Account, r.Provider, r.ID}] = r
	}
}

// lock takes every key at once, or none, so that two operations that need
// overlapping keys can never wait for each other in a circle. It gives up
// when ctx ends, with an *qpay.Error of kind qpay.KindCanceled.
func (m *Memory) lock(ctx context.Context, op string, keys ...string) (release func(), err error) {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	canceled := func() error {
		return &qpay.Error{Op: op, Kind: qpay.KindCanceled, Message: "the operation's context ended", Err: ctx.Err()}
	}
	for {
		// Checked before each attempt, not only while waiting, so that a
		// canceled call never records anything, as in a database.
		if ctx.Err() != nil {
			return nil, canceled()
		}
		m.mu.Lock()
		var busy chan struct{}
		for _, k := range keys {
			if ch, ok := m.held[k]; ok {
				busy = ch
				break
			}
		}
		if busy == nil {
			done := make(chan struct{})
			for _, k := range keys {
				m.held[k] = done
			}
			m.mu.Unlock()
			return func() {
				m.mu.Lock()
				for _, k := range keys {
					delete(m.held, k)
				}
				m.mu.Unlock()
				close(done)
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, canceled()
		}
	}
}

func notFound(provider, id string) error {
	return &qpay.Error{Provider: provider, Op: OpPayment, Kind: qpay.KindNotFound,
		Message: fmt.Sprintf("no payment %s is stored", id), Err: ErrNotFound}
}
