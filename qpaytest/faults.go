package qpaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// Fault makes the simulator misbehave for the next matching requests.
// Faults are consumed in the order they were injected; a request takes the
// first one that matches its provider and operation. Several effects may be
// combined (a Delay and then a Status, say), except that nothing follows a
// ResetBeforeRead.
type Fault struct {
	// Provider is ProviderTap or ProviderCheckout.
	Provider string
	// Op is OpCreatePayment, OpGetPayment, OpRefund, OpListRefunds or
	// OpGetRefund (Tap only).
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
	// Delay holds the answer back this long (a slow provider). A Checkout
	// request's idempotency key counts as being processed meanwhile, so a
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
func (s *Server) Inject(f Fault) error {
	if f.Provider != ProviderTap && f.Provider != ProviderCheckout {
		return fmt.Errorf("qpaytest: fault for unknown provider %q", f.Provider)
	}
	switch f.Op {
	case OpCreatePayment, OpGetPayment, OpRefund, OpListRefunds:
	case OpGetRefund:
		if f.Provider != ProviderTap {
			return fmt.Errorf("qpaytest: %s has no %s endpoint", f.Provider, f.Op)
		}
	default:
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	s.faults = append(s.faults, &f)
	return nil
}

// takeFault returns a copy of the first fault for provider and op and uses
// one of its Times. The caller holds s.mu.
func (s *Server) takeFault(provider, op string) *Fault {
	for i, f := range s.faults {
		if f.Provider != provider || f.Op != op {
			continue
		}
		taken := *f
		if f.Times--; f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &taken
	}
	return nil
}

// reply is the fault's answer.
func (f *Fault) reply(provider, op string) reply {
	rep := defaultErrorReply(provider, op, f.Status)
	if f.Body != "" {
		rep.body = []byte(f.Body)
		rep.header = http.Header{}
		if b := bytes.TrimSpace(rep.body); len(b) > 0 && (b[0] == '{' || b[0] == '[') {
			rep.header.Set("Content-Type", "application/json; charset=utf-8")
		} else {
			rep.header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	if f.RetryAfter != "" {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		rep.header.Set("Retry-After", f.RetryAfter)
	}
	return rep
}

// defaultErrorReply is the provider's documented answer for an HTTP error
// status, or the closest to it.
func defaultErrorReply(provider, op string, code int) reply {
	if provider == ProviderTap {
		switch {
		case code == http.StatusBadRequest:
			return tapErrors(code, tapError{"1103", "Invalid inputs"})
		case code == http.StatusUnauthorized:
			return tapErrors(code, tapError{"2104", "Invalid API Key"})
		case code == http.StatusNotFound && op == OpGetRefund:
			return tapErrors(code, tapError{"1160", "Refund not found"})
		case code == http.StatusNotFound:
			return tapErrors(code, tapError{"1144", "Charge not found"})
		case code == http.StatusInternalServerError:
			return tapErrors(code, tapError{"9999", "Internal server error"})
		case code > 500:
			return tapErrors(code, tapError{"2101", "Server unavailable"})
		}
		return reply{status: code} // 429 and the rest: Tap documents no body
	}
	switch {
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		rep := ckoInvalid("request_invalid")
		rep.status = code
		return rep
	case code == http.StatusTooManyRequests:
		rep := ckoInvalid("api_calls_quota_exceeded")
		rep.status = code
		return rep
	case code >= 500:
		// A gateway in front of Checkout answers in HTML, which an adapter
		// must survive.
		h := http.Header{}
		h.Set("Content-Type", "text/html; charset=utf-8")
		text := http.StatusText(code)
		return reply{status: code, header: h,
			body: []byte(fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>", code, text, code, text))}
	}
	return reply{status: code} // 401, 403, 404, 409: no body
}

// misreport rewrites a successful answer so that it contradicts its
// request. A body it cannot read is returned unchanged.
func misreport(provider, op string, body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	switch {
	case op == OpGetPayment && provider == ProviderTap:
		m["id"], _ = json.Marshal(tapID("chg"))
	case op == OpGetPayment:
		m["id"], _ = json.Marshal(checkoutID("pay"))
	case provider == ProviderCheckout:
		var ref string
		_ = json.Unmarshal(m["reference"], &ref)
		m["reference"], _ = json.Marshal(ref + "-misreported")
	default:
		d, err := decimal.NewFromString(string(m["amount"]))
		if err != nil {
			return body
		}
		m["amount"] = json.RawMessage(d.Add(decimal.NewFromInt(1)).String())
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
