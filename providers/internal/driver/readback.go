package driver

import (
	"bytes"
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
// Only a read-back that agreed with its delivery is kept.
type readBackCache struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[string]readBackEntry
	order   []queued // oldest first
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
}

func newReadBackCache() *readBackCache {
	return &readBackCache{now: time.Now, entries: make(map[string]readBackEntry)}
}

// key names the read-back of object id for event eventID.
func readBackKey(eventID, id string) string { return eventID + "\x00" + id }

// get returns a copy of the entry under key, if it is fresh.
func (c *readBackCache) get(key string) (readBackEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().Sub(e.at) >= readBackTTL {
		return readBackEntry{}, false
	}
	return readBackEntry{at: e.at, payment: clonePayment(e.payment), refund: cloneRefund(e.refund)}, true
}

// put keeps a copy of what was read back under key, then evicts what has
// expired and, beyond the bound, the oldest.
func (c *readBackCache) put(key string, p *qpay.Payment, r *qpay.Refund) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.entries[key] = readBackEntry{at: now, payment: clonePayment(p), refund: cloneRefund(r)}
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
