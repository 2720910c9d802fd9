package sim

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// ErrNotFound is an unknown ID in a control call.
var ErrNotFound = errors.New("qpaytest: no such payment")

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
	// Methods are what the payment page offers (MethodQPay, MethodCard);
	// Method is what the shopper paid with, "" until then.
	Methods []string
	Method  string
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
func (c *Core) Lookup(id string) (View, error) {
	c.mu.Lock()
	p := c.find(id)
	if p == nil {
		c.mu.Unlock()
		return View{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	out := c.ExpireIfDue(p)
	v := c.viewOf(p)
	c.mu.Unlock()
	c.Send(out)
	return v, nil
}

// Payments returns every payment of both providers, oldest first.
func (c *Core) Payments() []View {
	c.mu.Lock()
	var out []Notice
	views := make([]View, 0, len(c.all))
	for _, p := range c.all {
		out = append(out, c.ExpireIfDue(p)...)
		views = append(views, c.viewOf(p))
	}
	c.mu.Unlock()
	c.Send(out)
	return views
}

// find looks a payment up by any of its IDs, sessions included whatever
// their age. The caller holds c.mu.
func (c *Core) find(id string) *Payment {
	if p := c.payments[id]; p != nil {
		return p
	}
	return c.aliases[id]
}

func (c *Core) viewOf(p *Payment) View {
	v := View{
		Provider:       p.Route.Name(),
		ID:             p.ID,
		Status:         p.View(),
		Amount:         p.Amount,
		Refunded:       p.Refunded(false),
		Reference:      p.Reference,
		ReturnURL:      p.ReturnURL,
		PageURL:        c.PageURL(p),
		IdempotencyKey: p.IdempotencyKey,
		Metadata:       bytes.Clone(p.Metadata),
		Created:        p.Created,
		Expires:        p.Expires,
		Methods:        []string{MethodQPay},
		Method:         p.Method,
	}
	if len(p.Methods) > 0 {
		v.Methods = append([]string(nil), p.Methods...)
	}
	for _, r := range p.Refunds {
		v.Refunds = append(v.Refunds, RefundView{ID: r.ID, Status: r.State, Amount: r.Amount, Reference: r.Reference, Created: r.Created})
	}
	p.Route.Describe(p, &v)
	return v
}

// Settle finishes a pending payment as the shopper would on its page, with
// the same webhooks: to is status.Captured (paid with TestCard, whatever
// the amount), status.Failed (declined, insufficient funds),
// status.Canceled or status.Expired. The shopper is not redirected.
func (c *Core) Settle(id string, to status.Status) error { return c.settle(id, "", to) }

func (c *Core) settle(id, method string, to status.Status) error {
	var res Result
	switch to {
	case status.Captured:
		res = ResCaptured
	case status.Failed:
		res = ResInsufficientFunds
	case status.Canceled:
		res = ResCanceled
	case status.Expired:
		res = ResExpired
	default:
		return fmt.Errorf("qpaytest: a payment can be settled as captured, failed, canceled or expired, not %s", to)
	}
	c.mu.Lock()
	p := c.find(id)
	if p == nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	out := c.ExpireIfDue(p)
	if p.State != status.Pending {
		c.mu.Unlock()
		c.Send(out)
		return fmt.Errorf("%w: payment %s is %s", ErrNotPending, p.ID, p.View())
	}
	if method == "" {
		method = p.firstMethod()
	}
	if !p.Offers(method) && (res == ResCaptured || res == ResInsufficientFunds) {
		c.mu.Unlock()
		c.Send(out)
		return fmt.Errorf("qpaytest: payment %s: this page does not take %s", p.ID, method)
	}
	number, scheme := TestCardNumber, "NAPS"
	if method == MethodCard {
		number, scheme = TestVisaNumber, VisaScheme
	}
	switch res {
	case ResCaptured:
		paidWith(p, method, number, scheme)
	case ResInsufficientFunds:
		paidWith(p, method, DeclineCardNumber, scheme)
	case ResExpired:
		p.Expires = c.now()
	}
	out = append(out, c.finish(p, res)...)
	c.mu.Unlock()
	c.Send(out)
	return nil
}

// Expire lapses a pending payment's page now: Tap reports ABANDONED (and,
// as Tap, sends no webhook), Checkout reports Expired and sends
// payment_expired.
func (c *Core) Expire(id string) error { return c.Settle(id, status.Expired) }

// ForceDecline makes paying the pending payment id fail, whatever the card
// (Tap DECLINED 507 "Declined, Card Issuer", Checkout Declined).
func (c *Core) ForceDecline(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.find(id)
	if p == nil {
		return fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if p.State != status.Pending {
		return fmt.Errorf("%w: payment %s is %s", ErrNotPending, p.ID, p.View())
	}
	p.forceDecline = true
	return nil
}

// DeclineNext makes the next payment created, with either provider, fail
// when paid, as ForceDecline does.
func (c *Core) DeclineNext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.declineNext = true
}

// Requests counts the API requests received for provider and op, including
// those that failed (authentication, validation, faults).
func (c *Core) Requests(provider, op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls[opKey{provider, op}])
}

// Calls returns the API requests received for provider and op, oldest
// first, for tests that check what an adapter sent.
func (c *Core) Calls(provider, op string) []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls[opKey{provider, op}]
	out := make([]Call, len(calls))
	for i, c := range calls {
		out[i] = *c
		out[i].Header = c.Header.Clone()
		out[i].Body = bytes.Clone(c.Body)
	}
	return out
}
