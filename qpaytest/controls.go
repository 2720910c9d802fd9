package qpaytest

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// errNotFound is an unknown ID in a control call.
var errNotFound = errors.New("qpaytest: no such payment")

// View is a payment as the simulator holds it.
type View struct {
	Provider  string
	ID        string // chg_... or pay_...
	SessionID string // Checkout's sid_..., valid once the shopper is sent back
	// Status is the simulator's own view, refunds included: a Tap charge
	// that was partly refunded is PartiallyRefunded here while Tap itself
	// keeps reporting CAPTURED.
	Status         status.Status
	RawStatus      string // what the provider reports, e.g. "CAPTURED" or "Partially Refunded"
	Code           string // Tap's response.code or Checkout's source.qpay_status
	Message        string // Tap's response.message or Checkout's source.status_message
	Amount         money.Money
	Refunded       money.Money // succeeded refunds
	Reference      string
	ReturnURL      string
	FailureURL     string // Checkout only
	WebhookURL     string // Tap's post.url
	PageURL        string // the payment page (transaction.url, _links.redirect.href)
	IdempotencyKey string
	Metadata       []byte // as sent, compacted
	Created        time.Time
	Expires        time.Time
	Refunds        []RefundView // oldest first
}

// RefundView is a refund as the simulator holds it.
type RefundView struct {
	ID        string // re_... or act_...
	Status    status.RefundStatus
	RawStatus string // Tap's status; for Checkout "Pending", "Approved" or "Declined"
	Amount    money.Money
	Reference string
	Created   time.Time
}

// Lookup returns a payment by its chg_, pay_ or sid_ ID. It applies expiry
// first, like any access.
func (s *Server) Lookup(id string) (View, error) {
	s.mu.Lock()
	p := s.find(id)
	if p == nil {
		s.mu.Unlock()
		return View{}, fmt.Errorf("%w: %q", errNotFound, id)
	}
	out := s.expireIfDue(p)
	v := s.viewOf(p)
	s.mu.Unlock()
	s.send(out)
	return v, nil
}

// Payments returns every payment of both providers, oldest first.
func (s *Server) Payments() []View {
	s.mu.Lock()
	var out []outbound
	views := make([]View, 0, len(s.all))
	for _, p := range s.all {
		out = append(out, s.expireIfDue(p)...)
		views = append(views, s.viewOf(p))
	}
	s.mu.Unlock()
	s.send(out)
	return views
}

// find looks a payment up by any of its IDs, sessions included whatever
// their age. The caller holds s.mu.
func (s *Server) find(id string) *payment {
	if p := s.payments[id]; p != nil {
		return p
	}
	return s.bySession[id]
}

func (s *Server) viewOf(p *payment) View {
	o := p.result.outcome()
	v := View{
		Provider:       p.provider,
		ID:             p.id,
		SessionID:      p.sessionID,
		Status:         p.view(),
		RawStatus:      p.rawStatus(),
		Amount:         p.amount,
		Refunded:       p.refunded(false),
		Reference:      p.reference,
		ReturnURL:      p.returnURL,
		FailureURL:     p.failureURL,
		WebhookURL:     p.postURL,
		PageURL:        s.pageURL(p),
		IdempotencyKey: p.idemKey,
		Metadata:       bytes.Clone(p.metadata),
		Created:        p.created,
		Expires:        p.expires,
	}
	if p.provider == ProviderTap {
		v.Code, v.Message = o.tapCode, o.tapMessage
	} else {
		v.Code, v.Message = o.qpayStatus, o.qpayText
	}
	for _, r := range p.refunds {
		rv := RefundView{ID: r.id, Status: r.state, Amount: r.amount, Reference: r.reference, Created: r.created}
		ro := r.outcome()
		switch {
		case p.provider == ProviderTap:
			rv.RawStatus = ro.tapStatus
		case ro.approved == nil:
			rv.RawStatus = "Pending"
		case *ro.approved:
			rv.RawStatus = "Approved"
		default:
			rv.RawStatus = "Declined"
		}
		v.Refunds = append(v.Refunds, rv)
	}
	return v
}

// Settle finishes a pending payment as the shopper would on its page, with
// the same webhooks: to is status.Captured (paid with TestCard, whatever
// the amount), status.Failed (declined, insufficient funds),
// status.Canceled or status.Expired. The shopper is not redirected.
func (s *Server) Settle(id string, to status.Status) error {
	var res result
	switch to {
	case status.Captured:
		res = resCaptured
	case status.Failed:
		res = resInsufficientFunds
	case status.Canceled:
		res = resCanceled
	case status.Expired:
		res = resExpired
	default:
		return fmt.Errorf("qpaytest: a payment can be settled as captured, failed, canceled or expired, not %s", to)
	}
	s.mu.Lock()
	p := s.find(id)
	if p == nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: %q", errNotFound, id)
	}
	out := s.expireIfDue(p)
	if p.state != status.Pending {
		s.mu.Unlock()
		s.send(out)
		return fmt.Errorf("%w: payment %s is %s", ErrNotPending, p.id, p.view())
	}
	switch res {
	case resCaptured:
		p.cardFirst6, p.cardLast4 = TestCardNumber[:6], TestCardNumber[len(TestCardNumber)-4:]
	case resInsufficientFunds:
		p.cardFirst6, p.cardLast4 = DeclineCardNumber[:6], DeclineCardNumber[len(DeclineCardNumber)-4:]
	case resExpired:
		p.expires = s.now()
	}
	out = append(out, s.finish(p, res)...)
	s.mu.Unlock()
	s.send(out)
	return nil
}

// Expire lapses a pending payment's page now: Tap reports ABANDONED (and,
// as Tap, sends no webhook), Checkout reports Expired and sends
// payment_expired.
func (s *Server) Expire(id string) error { return s.Settle(id, status.Expired) }

// ForceDecline makes paying the pending payment id fail, whatever the card
// (Tap DECLINED 507 "Declined, Card Issuer", Checkout Declined).
func (s *Server) ForceDecline(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.find(id)
	if p == nil {
		return fmt.Errorf("%w: %q", errNotFound, id)
	}
	if p.state != status.Pending {
		return fmt.Errorf("%w: payment %s is %s", ErrNotPending, p.id, p.view())
	}
	p.forceDecline = true
	return nil
}

// DeclineNext makes the next payment created, with either provider, fail
// when paid, as ForceDecline does.
func (s *Server) DeclineNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declineNext = true
}

// Requests counts the API requests received for provider and op, including
// those that failed (authentication, validation, faults).
func (s *Server) Requests(provider, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[opKey{provider, op}])
}

// Calls returns the API requests received for provider and op, oldest
// first, for tests that check what an adapter sent.
func (s *Server) Calls(provider, op string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls[opKey{provider, op}]
	out := make([]Call, len(calls))
	for i, c := range calls {
		out[i] = *c
		out[i].Header = c.Header.Clone()
		out[i].Body = bytes.Clone(c.Body)
	}
	return out
}
