package qpaytest

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

// idempotencyWindow is how long both providers remember an idempotency key.
const idempotencyWindow = 24 * time.Hour

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

// reply is an API answer, built before anything is written so that faults
// can replace, alter or withhold it.
type reply struct {
	status int
	header http.Header
	body   []byte
	// after runs once the answer is flushed (or, with ResetAfterAction,
	// before the connection is dropped): a refund completes there, after
	// its 202 or PENDING was written.
	after func()
}

type apiFunc func(r *http.Request, body []byte) reply

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	tap := func(op string, h apiFunc) http.Handler { return s.api(ProviderTap, op, h) }
	cko := func(op string, h apiFunc) http.Handler { return s.api(ProviderCheckout, op, h) }

	// Tap documents the paths with a trailing slash and its own SDKs call
	// them without one: both are served.
	mux.Handle("POST /tap/v2/charges", tap(OpCreatePayment, s.tapCreateCharge))
	mux.Handle("POST /tap/v2/charges/{$}", tap(OpCreatePayment, s.tapCreateCharge))
	mux.Handle("GET /tap/v2/charges/{id}", tap(OpGetPayment, s.tapGetCharge))
	mux.Handle("POST /tap/v2/refunds", tap(OpRefund, s.tapCreateRefund))
	mux.Handle("POST /tap/v2/refunds/{$}", tap(OpRefund, s.tapCreateRefund))
	mux.Handle("GET /tap/v2/refunds/{id}", tap(OpGetRefund, s.tapGetRefund))
	mux.Handle("POST /tap/v2/refunds/list", tap(OpListRefunds, s.tapListRefunds))

	mux.Handle("POST /checkout/payments", cko(OpCreatePayment, s.ckoCreatePayment))
	mux.Handle("GET /checkout/payments/{id}", cko(OpGetPayment, s.ckoGetPayment))
	mux.Handle("GET /checkout/payments/{id}/actions", cko(OpListRefunds, s.ckoActions))
	mux.Handle("POST /checkout/payments/{id}/refunds", cko(OpRefund, s.ckoRefund))

	mux.HandleFunc("GET /pay/{token}", s.servePage)
	mux.HandleFunc("POST /pay/{token}", s.submitPage)
	return mux
}

// api wraps an endpoint with what every request goes through, in this
// order: counting, a reset before reading, authentication, reading the
// body, Checkout's idempotency key, a slow answer, an injected status, the
// endpoint itself, a misreport, and a reset after acting.
func (s *Server) api(provider, op string, h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call, f := s.received(provider, op, r)
		if f != nil && f.ResetBeforeRead {
			s.logf(slog.LevelInfo, "qpaytest: fault: reset before reading", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		}
		if rep, ok := s.authenticate(provider, r); !ok {
			s.answer(w, call, rep)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil || len(body) > maxRequestBytes {
			s.answer(w, call, badBody(provider, "the request body could not be read or is too large"))
			return
		}
		s.mu.Lock()
		call.Body = body
		s.mu.Unlock()

		idem := s.beginIdempotent(provider, r)
		if f != nil && f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
			}
		}
		if f != nil && f.Status != 0 {
			idem.done(reply{}) // nothing was done: the key stays free
			s.answer(w, call, f.reply(provider, op))
			return
		}
		switch {
		case idem.replay != nil && f != nil && f.ResetAfterAction:
			// A replay is the provider's answer to the operation as well:
			// the fault loses it like any other.
			s.logf(slog.LevelInfo, "qpaytest: fault: reset after replaying", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		case idem.replay != nil:
			s.answer(w, call, *idem.replay)
			return
		case idem.conflict:
			s.answer(w, call, reply{status: http.StatusConflict})
			return
		}

		rep := h(r, body)
		idem.done(rep)
		if f != nil && f.Misreport && rep.status/100 == 2 {
			rep.body = misreport(provider, op, rep.body)
		}
		if f != nil && f.ResetAfterAction {
			// The operation, completion included, happens; only the answer
			// is lost.
			if rep.after != nil {
				rep.after()
			}
			s.logf(slog.LevelInfo, "qpaytest: fault: reset after acting", slog.String("provider", provider), slog.String("op", op))
			abort(w)
			return
		}
		// The answer is flushed before after() runs, and being flushed it
		// goes out chunked: the client has it at once but finishes reading
		// the body only when this handler returns. So a refund is complete,
		// and its webhook delivered, by the time an adapter's call returns.
		s.answer(w, call, rep)
		if rep.after != nil {
			rep.after()
		}
	})
}

// received counts a request, records it and takes the first matching fault.
func (s *Server) received(provider, op string, r *http.Request) (*Call, *Fault) {
	h := r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme := ""
		if i := strings.IndexByte(a, ' '); i > 0 {
			scheme = a[:i+1]
		}
		h.Set("Authorization", scheme+"[REDACTED]")
	}
	c := &Call{Provider: provider, Op: op, Method: r.Method, Path: r.URL.Path, Header: h}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := opKey{provider, op}
	s.calls[k] = append(s.calls[k], c)
	return c, s.takeFault(provider, op)
}

// answer writes rep and records its status in call.
func (s *Server) answer(w http.ResponseWriter, call *Call, rep reply) {
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	s.mu.Lock()
	call.Status = rep.status
	s.mu.Unlock()
	s.write(w, call.Provider, call.Op, rep)
}

// authenticate checks the key: Tap wants "Bearer <key>"; Checkout takes
// its key bare (previous platform) or after "Bearer " (current platform).
func (s *Server) authenticate(provider string, r *http.Request) (reply, bool) {
	got := r.Header.Get("Authorization")
	if provider == ProviderTap {
		key, bearer := strings.CutPrefix(got, "Bearer ")
		switch {
		case got == "":
			return tapErrors(http.StatusUnauthorized, tapError{"2107", "Authorization Required"}), false
		case bearer && strings.HasPrefix(key, "pk_"):
			return tapErrors(http.StatusUnauthorized, tapError{"2106", "Please use the secret key"}), false
		case !bearer || !equalSecret(key, s.opts.TapSecretKey.Reveal()):
			return tapErrors(http.StatusUnauthorized, tapError{"2104", "Invalid API Key"}), false
		}
		return reply{}, true
	}
	key := strings.TrimPrefix(got, "Bearer ")
	if got == "" || !equalSecret(key, s.opts.CheckoutSecretKey.Reveal()) {
		return reply{status: http.StatusUnauthorized}, false // Checkout: 401 with no body
	}
	return reply{}, true
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// write sends a reply. Every Checkout answer carries a Cko-Request-Id.
func (s *Server) write(w http.ResponseWriter, provider, op string, rep reply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = append([]string(nil), v...)
	}
	if len(rep.body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if provider == ProviderCheckout {
		h.Set("Cko-Request-Id", requestID())
	}
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	s.logf(slog.LevelInfo, "qpaytest: answered", slog.String("provider", provider), slog.String("op", op), slog.Int("status", rep.status))
}

// abort drops the connection without an answer. A TCP connection is reset
// (RST, not FIN), the way a failing load balancer does; a Fake's in-process
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

// jsonReply encodes v as a JSON answer.
func jsonReply(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types are encoded here; failing loudly
		// beats answering something the adapter would try to decode.
		return reply{status: http.StatusInternalServerError, body: []byte(`{"error":"qpaytest: cannot encode answer"}`)}
	}
	return reply{status: status, body: b}
}

func badBody(provider, msg string) reply {
	if provider == ProviderTap {
		return tapErrors(http.StatusBadRequest, tapError{"2100", msg})
	}
	return ckoInvalid("request_invalid")
}

// idempotent is the state of Checkout's Cko-Idempotency-Key for one
// request. Tap's key travels in the body and is handled by its endpoints.
type idempotent struct {
	s        *Server
	key      string
	replay   *reply
	conflict bool
}

// ckoIdem is a remembered Cko-Idempotency-Key.
type ckoIdem struct {
	inFlight bool
	at       time.Time
	status   int
	body     []byte
}

// beginIdempotent looks a Checkout POST's key up: a 2xx answered within 24
// hours is replayed (same status and body), a key still being processed is
// a 409, and a new key is marked as being processed. Keys are scoped to the
// path, so a payment's key never replays a refund.
func (s *Server) beginIdempotent(provider string, r *http.Request) *idempotent {
	id := &idempotent{s: s}
	key := r.Header.Get("Cko-Idempotency-Key")
	if provider != ProviderCheckout || r.Method != http.MethodPost || key == "" {
		return id
	}
	k := r.URL.Path + "\x00" + key
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.ckoIdem[k]
	switch {
	case e != nil && e.inFlight:
		id.conflict = true
	case e != nil && s.now().Sub(e.at) < idempotencyWindow:
		id.replay = &reply{status: e.status, body: bytes.Clone(e.body)}
	default:
		s.ckoIdem[k] = &ckoIdem{inFlight: true}
		id.key = k
	}
	return id
}

// done remembers a 2xx answer for the key, or forgets the key after any
// other answer: Checkout caches successes only.
func (id *idempotent) done(rep reply) {
	if id.key == "" {
		return
	}
	s := id.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep.status/100 != 2 {
		delete(s.ckoIdem, id.key)
		return
	}
	s.ckoIdem[id.key] = &ckoIdem{at: s.now(), status: rep.status, body: bytes.Clone(rep.body)}
}
