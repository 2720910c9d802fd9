package driver

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
)

// Bounds of the read-back cache.
const (
	// readBackTTL is how long an object read back for a webhook event
	// answers the same event again: long enough to cover a provider's
	// quick redeliveries and a replay flood, short enough that nothing is
	// kept for long.
	readBackTTL = 2 * time.Minute
	// notFoundLasting is how long the provider may not find an object
	// whose webhook it signed before that is final (KindNotFound, kept as
	// a refusal) rather than its lag: far beyond a read replica's delay,
	// and within readBackTTL, so that the first 404's record is still
	// kept when it is reached.
	notFoundLasting = time.Minute
	// readBackEntries bounds the cache: real read-backs are a few
	// kilobytes each.
	readBackEntries = 1024
)

// readBackCache keeps, for a short while, the object read back for each
// webhook event, by event ID. The event ID comes from signed fields only,
// so a replay of a captured delivery, rewritten in its unsigned fields or
// not, is the same event: without the cache every replay would cost the
// merchant one API call, and a flood of replays could spend the account's
// rate limit. The delivery is still verified (signature, then its signed
// fields against the cached object) every time; only the call is saved.
//
// A read-back that refused its delivery for good is kept too, for the same
// while (refuse, refused): an integrity failure (signed facts the
// read-back contradicts), another merchant's object, an object the
// provider finally does not have. Without it, every replay of one captured
// genuine delivery whose read-back disagrees would cost a call, and the
// 5xx it answers would have the provider redeliver it forever. A refusal
// is kept under refusalKey: the event ID, the object and what the
// delivery's signed facts claim, so that it refuses only a delivery making
// the same signed claim, never another genuine one. A transient failure
// (network, 5xx, 429) or a lag (a status not reached yet) is never kept.
//
// Concurrent read-backs under one key share one call (do), so that a
// burst of replays of one uncached delivery costs one call too.
type readBackCache struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]readBackEntry
	order   []queued // oldest first
	flights map[string]*flight
}

// flight is one read-back in progress, which callers under the same key
// wait for instead of calling again.
type flight struct {
	done    chan struct{}
	waiting int // callers sharing it, beyond the first (for tests)
	entry   readBackEntry
	err     error
}

// queued is one put, in the order of puts.
type queued struct {
	key string
	at  time.Time
}

type readBackEntry struct {
	at      time.Time
	payment *qpay.Payment
	refund  *qpay.Refund
	refusal *qpay.Error // a kept refusal (refuse), under a refusalKey
	// notFound: under a refusalKey, the provider did not find the object
	// at (a lag so far; lasting)
	notFound bool
}

// lasting returns err, a read-back's failure for the delivery under key (a
// refusalKey), as final when it is a 404 for a signed ID (notFoundYet) and
// the first such 404 for key is notFoundLasting old: the provider's lag has
// become an object it does not have, and a replay of the delivery no
// longer costs a call each time (refuse keeps it).
func (c *readBackCache) lasting(key string, err error) error {
	var yet *notFoundYet
	var e *qpay.Error
	if !errors.As(err, &yet) || !errors.As(err, &e) {
		return err
	}
	c.mu.Lock()
	first, ok := c.entries[key]
	now := c.now()
	c.mu.Unlock()
	if !ok || !first.notFound || now.Sub(first.at) >= readBackTTL {
		c.store(key, readBackEntry{notFound: true})
		return err
	}
	if now.Sub(first.at) < notFoundLasting {
		return err
	}
	out := *e
	out.Kind, out.Retryable, out.Err = qpay.KindNotFound, false, yet.err
	out.Message = fmt.Sprintf("%s (for %s now: taken as not found)", e.Message, now.Sub(first.at).Round(time.Second))
	return &out
}

func newReadBackCache() *readBackCache {
	return &readBackCache{now: time.Now, entries: make(map[string]readBackEntry), flights: make(map[string]*flight)}
}

// key names the read-back of object id for event eventID.
func readBackKey(eventID, id string) string { return eventID + "\x00" + id }

// refusalKey names a refusal of the delivery under key whose signed
// claims are claim.
func refusalKey(key, claim string) string { return key + "\x00refused\x00" + claim }

// refusable reports whether err is a read-back's final word on a delivery,
// one a replay of it would get again: kept by refuse.
func refusable(err error) bool {
	var e *qpay.Error
	if !errors.As(err, &e) || e.Retryable {
		return false
	}
	switch e.Kind {
	case qpay.KindIntegrity, qpay.KindForeignAccount, qpay.KindNotFound:
		return true
	}
	return false
}

// refuse keeps err under key (a refusalKey) if it is refusable.
func (c *readBackCache) refuse(key string, err error) {
	var e *qpay.Error
	if !refusable(err) || !errors.As(err, &e) {
		return
	}
	kept := *e
	c.store(key, readBackEntry{refusal: &kept})
}

// refused returns the refusal kept under key, as a new error, if it is
// fresh.
func (c *readBackCache) refused(key string) (error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.refusal == nil || c.now().Sub(e.at) >= readBackTTL {
		return nil, false
	}
	out := *e.refusal
	return &out, true
}

// do calls read once for all concurrent callers under key, and hands each
// its own copy of the answer.
func (c *readBackCache) do(key string, read func() (readBackEntry, error)) (readBackEntry, error) {
	c.mu.Lock()
	if f, ok := c.flights[key]; ok {
		f.waiting++
		c.mu.Unlock()
		<-f.done
		return f.entry.clone(), cloneError(f.err)
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.flights, key)
		c.mu.Unlock()
		close(f.done)
	}()
	f.entry, f.err = read()
	return f.entry.clone(), cloneError(f.err)
}

// waiters is how many callers share the read-back in progress under key.
func (c *readBackCache) waiters(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.flights[key]; ok {
		return f.waiting
	}
	return -1
}

func (e readBackEntry) clone() readBackEntry {
	return readBackEntry{at: e.at, payment: clonePayment(e.payment), refund: cloneRefund(e.refund)}
}

// cloneError copies a *qpay.Error, which the portable layer completes in
// place (finish), so that callers sharing one answer never share it.
func cloneError(err error) error {
	var e *qpay.Error
	if err == nil || !errors.As(err, &e) || e != err {
		return err
	}
	out := *e
	return &out
}

// get returns a copy of the entry under key, if it is fresh.
func (c *readBackCache) get(key string) (readBackEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.refusal != nil || c.now().Sub(e.at) >= readBackTTL {
		return readBackEntry{}, false
	}
	return e.clone(), true
}

// put keeps a copy of what was read back under key, then evicts what has
// expired and, beyond the bound, the oldest.
func (c *readBackCache) put(key string, p *qpay.Payment, r *qpay.Refund) {
	c.store(key, readBackEntry{payment: clonePayment(p), refund: cloneRefund(r)})
}

// store keeps e under key, then evicts as put says.
func (c *readBackCache) store(key string, e readBackEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e.at = now
	c.entries[key] = e
	c.order = append(c.order, queued{key, now})
	for len(c.order) > 0 {
		q := c.order[0]
		e, ok := c.entries[q.key]
		switch {
		case !ok || !e.at.Equal(q.at):
			// Evicted already, or put again since: a later place in the
			// queue stands for it.
		case len(c.entries) > readBackEntries || now.Sub(e.at) >= readBackTTL:
			delete(c.entries, q.key)
		default:
			return
		}
		c.order = c.order[1:]
	}
}

func clonePayment(p *qpay.Payment) *qpay.Payment {
	if p == nil {
		return nil
	}
	out := *p
	out.Metadata = maps.Clone(p.Metadata)
	out.Raw = bytes.Clone(p.Raw)
	out.Splits = slices.Clone(p.Splits)
	return &out
}

func cloneRefund(r *qpay.Refund) *qpay.Refund {
	if r == nil {
		return nil
	}
	out := *r
	out.Raw = bytes.Clone(r.Raw)
	out.Splits = slices.Clone(r.Splits)
	return &out
}
