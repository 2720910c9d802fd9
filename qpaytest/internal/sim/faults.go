package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Fault makes the simulator misbehave for the next matching requests.
// Faults are consumed in the order they were injected; a request takes the
// first one that matches its provider and operation. Several effects may be
// combined (a Delay and then a Status, say), except that nothing follows a
// ResetBeforeRead.
type Fault struct {
	// Provider is the route's name: "tap" or "checkout".
	Provider string
	// Op is the operation: create_payment, get_payment, refund,
	// list_refunds, or get_refund (Tap only).
	Op string
	// Times is how many requests the fault hits; 0 means 1.
	Times int
	// Status answers with this HTTP status instead of doing the operation.
	// The body is the provider's documented error body for that status
	// (Tap: {"errors":[...]} with 1103, 2104, 1144/1160, 9999 or 2101;
	// Checkout: none for 401/403/404/409, a ValidationError for 400/422/429,
	// an HTML page for 5xx) unless Body is set.
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// Body replaces the default error body of Status.
	Body string
	// Delay holds the answer back this long (a slow provider). The
	// request's idempotency key (Checkout's header, Tap's
	// reference.idempotent) counts as being processed meanwhile, so a
	// second request with the same key gets 409.
	Delay time.Duration
	// ResetBeforeRead drops the connection before the request body is read:
	// the provider never acted.
	ResetBeforeRead bool
	// ResetAfterAction performs the operation, then drops the connection
	// without answering: the provider acted but the caller cannot know.
	ResetAfterAction bool
	// Misreport performs the operation and then contradicts the request in
	// the answer: another amount (Tap charge or refund), another reference
	// (Checkout's 202s, which echo no amount) or another payment ID (a GET).
	Misreport bool
}

// String describes the fault, for test failure messages.
func (f Fault) String() string {
	return fmt.Sprintf("qpaytest.Fault{%s %s times=%d status=%d delay=%v reset_before=%t reset_after=%t misreport=%t}",
		f.Provider, f.Op, f.Times, f.Status, f.Delay, f.ResetBeforeRead, f.ResetAfterAction, f.Misreport)
}

// Inject adds a fault. It fails for a provider or operation the simulator
// does not serve, a fault with no effect, or contradictory effects.
func (c *Core) Inject(f Fault) error {
	route := c.routes[f.Provider]
	if route == nil {
		return fmt.Errorf("qpaytest: fault for unknown provider %q", f.Provider)
	}
	if !c.serves[opKey{f.Provider, f.Op}] {
		for k := range c.serves {
			if k.op == f.Op {
				return fmt.Errorf("qpaytest: %s has no %s endpoint", f.Provider, f.Op)
			}
		}
		return fmt.Errorf("qpaytest: fault for unknown operation %q", f.Op)
	}
	switch {
	case f.Times < 0:
		return fmt.Errorf("qpaytest: fault Times %d is negative", f.Times)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("qpaytest: fault Status %d is not an HTTP status", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("qpaytest: fault Delay %v is negative", f.Delay)
	case f.ResetBeforeRead && (f.Status != 0 || f.Delay != 0 || f.ResetAfterAction || f.Misreport):
		return fmt.Errorf("qpaytest: nothing can follow ResetBeforeRead")
	case f.Status != 0 && (f.ResetAfterAction || f.Misreport):
		return fmt.Errorf("qpaytest: a fault Status replaces the operation, so it cannot also act")
	case f.Status == 0 && f.Delay == 0 && !f.ResetBeforeRead && !f.ResetAfterAction && !f.Misreport:
		return fmt.Errorf("qpaytest: fault %v has no effect", f)
	}
	if f.Times == 0 {
		f.Times = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.faults = append(c.faults, &f)
	return nil
}

// takeFault returns a copy of the first fault for provider and op and uses
// one of its Times. The caller holds the lock.
func (c *Core) takeFault(provider, op string) *Fault {
	for i, f := range c.faults {
		if f.Provider != provider || f.Op != op {
			continue
		}
		taken := *f
		if f.Times--; f.Times <= 0 {
			c.faults = append(c.faults[:i], c.faults[i+1:]...)
		}
		return &taken
	}
	return nil
}

// reply is the fault's answer.
func (f *Fault) reply(route Route, op string) Reply {
	rep := route.ErrorReply(op, f.Status)
	if f.Body != "" {
		rep.Body = []byte(f.Body)
		rep.Header = http.Header{}
		if b := bytes.TrimSpace(rep.Body); len(b) > 0 && (b[0] == '{' || b[0] == '[') {
			rep.Header.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			rep.Header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	if f.RetryAfter != "" {
		if rep.Header == nil {
			rep.Header = http.Header{}
		}
		rep.Header.Set("Retry-After", f.RetryAfter)
	}
	return rep
}

// PendingFaults counts the injected faults not yet used up.
func (c *Core) PendingFaults() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.faults)
}

// Rewrite applies edit to a JSON object answer, for a route's Misreport:
// a body that is not an object, or that edit declines (false), comes back
// unchanged.
func Rewrite(body []byte, edit func(m map[string]json.RawMessage) bool) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || !edit(m) {
		return body
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
