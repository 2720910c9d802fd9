package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxRequestBytes bounds a request body; real ones are a few kilobytes.
const maxRequestBytes = 1 << 20

// IdempotencyWindow is how long every route remembers an idempotency key.
const IdempotencyWindow = 24 * time.Hour

// Call is one API request as the simulator received it, for tests that
// check what an adapter sent. The Authorization header keeps its scheme
// but not its key.
type Call struct {
	Provider string
	Op       string
	Method   string
	Path     string
	Header   http.Header
	Body     []byte // nil when the connection was reset before the body was read
	// Status is the HTTP status answered, 0 when the connection was reset
	// or the answer is still being prepared.
	Status int
}

// Reply is an API answer, built before anything is written so that faults
// can replace, alter or withhold it.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
	// After runs once the answer is flushed (or, with ResetAfterAction,
	// before the connection is dropped): a refund completes there, after
	// its 202 or PENDING was written.
	After func()
}

// Handler is a route's endpoint: the request, its body already read, and
// the answer to give.
type Handler func(r *http.Request, body []byte) Reply

// api wraps route's endpoint for op with what every request goes through,
// in this order: counting, a reset before reading, authentication, reading
// the body, a header idempotency key, a slow answer, an injected status,
// the endpoint itself, a misreport, and a reset after acting.
func (c *Core) api(route Route, op string, h Handler) http.Handler {
	provider := route.Name()
	c.serves[opKey{provider, op}] = true
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, f := c.received(provider, op, r)
		if f != nil && f.ResetBeforeRead {
			c.logf(slog.LevelInfo, "qpaytest: fault: reset before reading", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		}
		if rep, ok := route.Authenticate(r); !ok {
			c.answer(w, route, call, rep)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil || len(body) > maxRequestBytes {
			c.answer(w, route, call, route.BadBody("the request body could not be read or is too large"))
			return
		}
		c.mu.Lock()
		call.Body = body
		c.mu.Unlock()

		idem := c.beginIdempotent(route.IdempotencyKey(op, r, body))
		if f != nil && f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
			}
		}
		if f != nil && f.Status != 0 {
			idem.done(Reply{}) // nothing was done: the key stays free
			c.answer(w, route, call, f.reply(route, op))
			return
		}
		switch {
		case idem.replay != nil && f != nil && f.ResetAfterAction:
			// A replay is the provider's answer to the operation as well:
			// the fault loses it like any other.
			c.logf(slog.LevelInfo, "qpaytest: fault: reset after replaying", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		case idem.replay != nil:
			c.answer(w, route, call, *idem.replay)
			return
		case idem.conflict:
			c.answer(w, route, call, route.ErrorReply(op, http.StatusConflict))
			return
		}

		rep := h(r, body)
		idem.done(rep)
		if f != nil && f.Misreport && rep.Status/100 == 2 {
			rep.Body = route.Misreport(op, rep.Body)
		}
		if f != nil && f.ResetAfterAction {
			// The operation, completion included, happens; only the answer
			// is lost.
			if rep.After != nil {
				rep.After()
			}
			c.logf(slog.LevelInfo, "qpaytest: fault: reset after acting", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		}
		// The answer is flushed before After runs, and being flushed it
		// goes out chunked: the client has it at once but finishes reading
		// the body only when this handler returns. So a refund is complete,
		// and its webhook delivered, by the time an adapter's call returns.
		c.answer(w, route, call, rep)
		if rep.After != nil {
			rep.After()
		}
	})
}

// received counts a request, records it and takes the first matching fault.
func (c *Core) received(provider, op string, r *http.Request) (*Call, *Fault) {
	h := r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme := ""
		if i := strings.IndexByte(a, ' '); i > 0 {
			scheme = a[:i+1]
		}
		h.Set("Authorization", scheme+"[REDACTED]")
	}
	call := &Call{Provider: provider, Op: op, Method: r.Method, Path: r.URL.Path, Header: h}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := opKey{provider, op}
	c.calls[k] = append(c.calls[k], call)
	return call, c.takeFault(provider, op)
}

// answer writes rep and records its status in call.
func (c *Core) answer(w http.ResponseWriter, route Route, call *Call, rep Reply) {
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	c.mu.Lock()
	call.Status = rep.Status
	c.mu.Unlock()
	c.write(w, route, call.Op, rep)
}

// write sends a reply with what the route adds to every answer.
func (c *Core) write(w http.ResponseWriter, route Route, op string, rep Reply) {
	h := w.Header()
	for k, v := range rep.Header {
		h[k] = append([]string(nil), v...)
	}
	if len(rep.Body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	route.Decorate(h)
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	c.logf(slog.LevelInfo, "qpaytest: answered", slog.String("provider", route.Name()), slog.String("op", op), slog.Int("status", rep.Status))
}

// abort drops the connection without an answer. A TCP connection is reset
// (RST, not FIN), the way a failing load balancer does; the in-process
// transport reports it as a network error.
func abort(w http.ResponseWriter) {
	if iw, ok := w.(*inprocWriter); ok {
		iw.reset = true
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// JSONReply encodes v as a JSON answer.
func JSONReply(status int, v any) Reply {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types are encoded here; failing loudly
		// beats answering something the adapter would try to decode.
		return Reply{Status: http.StatusInternalServerError, Body: []byte(`{"error":"qpaytest: cannot encode answer"}`)}
	}
	return Reply{Status: status, Body: b}
}

// idempotent is the state of one request's idempotency key.
type idempotent struct {
	c        *Core
	key      string
	replays  bool // the Core replays what the key answered (see Wire.IdempotencyKey)
	replay   *Reply
	conflict bool
}

// idemEntry is a remembered idempotency key.
type idemEntry struct {
	inFlight bool
	at       time.Time
	status   int
	body     []byte
}

// beginIdempotent looks key up (the route scopes it, e.g. to the path, so
// that a payment's key never replays a refund): a key still being
// processed is a 409, a 2xx answered within 24 hours is replayed (same
// status and body) when the route has the Core replay, and a new key is
// marked as being processed.
//
// Neither provider documents a key reused with another body: the first
// answer is given whatever the body (UNCONFIRMED), which is what a client
// must cope with anyway. What Tap answers to a concurrent duplicate is
// UNCONFIRMED too; its status table's "409 conflict with another request",
// as at Checkout, is the likely answer, and the one given here.
func (c *Core) beginIdempotent(key string, replays bool) *idempotent {
	id := &idempotent{c: c, replays: replays}
	if key == "" {
		return id
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.idem[key]
	switch {
	case e != nil && e.inFlight:
		id.conflict = true
	case e != nil && c.now().Sub(e.at) < IdempotencyWindow:
		id.replay = &Reply{Status: e.status, Body: bytes.Clone(e.body)}
	default:
		c.idem[key] = &idemEntry{inFlight: true}
		id.key = key
	}
	return id
}

// done remembers a 2xx answer for the key, or forgets the key after any
// other answer: only successes are cached (Checkout's rule). A key whose
// route answers repeats itself is only forgotten.
func (id *idempotent) done(rep Reply) {
	if id.key == "" {
		return
	}
	c := id.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if rep.Status/100 != 2 || !id.replays {
		delete(c.idem, id.key)
		return
	}
	c.idem[id.key] = &idemEntry{at: c.now(), status: rep.Status, body: bytes.Clone(rep.Body)}
}

// KeyInFlight reports whether a request with idempotency key (as the route
// scoped it) is being processed, for tests of concurrent retries.
func (c *Core) KeyInFlight(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.idem[key]
	return e != nil && e.inFlight
}

// EqualSecret compares a presented key with the expected one in constant
// time.
func EqualSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
