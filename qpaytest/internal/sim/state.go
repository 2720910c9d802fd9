package sim

import (
	"encoding/json"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// Payment is one payment of any route, in one shape for all, so that the
// page, the controls and expiry are written once. What only its route
// knows is in Data. Fields are guarded by the Core's lock.
type Payment struct {
	Route          Route
	ID             string // chg_..., pay_...
	Token          string // the payment page's, set by Add
	Created        time.Time
	Expires        time.Time
	Amount         money.Money
	Reference      string // the merchant's reference
	Description    string
	Metadata       json.RawMessage // as sent, compacted
	ReturnURL      string
	IdempotencyKey string
	// Data is the route's own part of the payment (customer, references,
	// sessions...), which only the route reads.
	Data any

	State      status.Status // Pending, then Captured, Failed, Canceled or Expired
	Result     Result        // why, once not Pending
	Finished   time.Time
	CardFirst6 string
	CardLast4  string
	Refunds    []*Refund
	// Methods are what the page offers (MethodQPay, MethodCard); nil is
	// the direct QPay page. Method is what the shopper paid with, once
	// paid, and CardScheme the card's scheme for MethodCard.
	Methods    []string
	Method     string
	CardScheme string

	forceDecline bool
}

// Refund is one refund of a payment, of any route.
type Refund struct {
	ID             string
	Payment        *Payment
	Created        time.Time
	Amount         money.Money
	Reference      string
	Metadata       json.RawMessage
	IdempotencyKey string
	State          status.RefundStatus
	Decline        bool // decided when requested (magic amount), applied on completion
	Finished       time.Time
	// Data is the route's own part of the refund.
	Data any
}

// Result is why a payment left Pending. Each route maps every Result to
// its provider's status words and codes.
type Result uint8

// The results a payment can end with.
const (
	ResNone Result = iota
	ResCaptured
	ResInsufficientFunds
	ResIssuerDeclined
	ResAuthenticationFailed
	ResInvalidCard
	ResExpiredCard
	ResCanceled
	ResExpired
)

// State is the normalized status a result leaves a payment in.
func (r Result) State() status.Status {
	switch r {
	case ResCaptured:
		return status.Captured
	case ResInsufficientFunds, ResIssuerDeclined, ResAuthenticationFailed, ResInvalidCard, ResExpiredCard:
		return status.Failed
	case ResCanceled:
		return status.Canceled
	case ResExpired:
		return status.Expired
	}
	return status.Pending
}

// View is the payment's state as the simulator sees it, refunds included
// (Tap's charge itself keeps saying CAPTURED).
func (p *Payment) View() status.Status {
	if p.State != status.Captured {
		return p.State
	}
	done := p.Refunded(false)
	switch {
	case done.IsZero():
		return status.Captured
	case done.Equal(p.Amount):
		return status.Refunded
	}
	return status.PartiallyRefunded
}

// Refunded sums the succeeded refunds, and the pending ones too when
// withPending is set (what may no longer be refunded).
func (p *Payment) Refunded(withPending bool) money.Money {
	sum, _ := money.FromMinor(0, p.Amount.Currency())
	for _, r := range p.Refunds {
		if r.State == status.RefundSucceeded || withPending && r.State == status.RefundPending {
			sum, _ = sum.Add(r.Amount) // same currency, checked when the refund was made
		}
	}
	return sum
}

// Refundable is what may still be refunded.
func (p *Payment) Refundable() money.Money {
	left, err := p.Amount.Sub(p.Refunded(true))
	if err != nil {
		left, _ = money.FromMinor(0, p.Amount.Currency())
	}
	return left
}

// Add registers a new payment and gives it its page. The caller holds the
// lock.
func (c *Core) Add(p *Payment) {
	if c.declineNext {
		c.declineNext = false
		p.forceDecline = true
	}
	if p.Token == "" {
		p.Token = pageToken()
	}
	c.payments[p.ID] = p
	c.byToken[p.Token] = p
	c.all = append(c.all, p)
}

// Alias makes p found by another ID too (Checkout's sid_) in the controls
// and Webhook. The caller holds the lock.
func (c *Core) Alias(p *Payment, id string) { c.aliases[id] = p }

// Payment is the payment with ID id, nil if none. The caller holds the
// lock.
func (c *Core) Payment(id string) *Payment { return c.payments[id] }

// ByAlias is the payment an Alias named id, nil if none. The caller holds
// the lock.
func (c *Core) ByAlias(id string) *Payment { return c.aliases[id] }

// AddRefund registers a new refund of r.Payment. The caller holds the lock.
func (c *Core) AddRefund(r *Refund) {
	r.Payment.Refunds = append(r.Payment.Refunds, r)
	c.refunds[r.ID] = r
	c.allRefunds = append(c.allRefunds, r)
}

// Refund is the refund with ID id, nil if none. The caller holds the lock.
func (c *Core) Refund(id string) *Refund { return c.refunds[id] }

// Refunds is every refund, oldest first. The caller holds the lock and
// does not change the slice.
func (c *Core) Refunds() []*Refund { return c.allRefunds }

// PageURL is the payment page of p.
func (c *Core) PageURL(p *Payment) string { return c.base + "/pay/" + p.Token }

// finish moves a pending payment to res and returns the webhooks to send
// once the lock is released.
func (c *Core) finish(p *Payment, res Result) []Notice {
	if p.State != status.Pending {
		return nil
	}
	p.Result = res
	p.State = res.State()
	p.Finished = c.now()
	p.Route.Finished(p)
	return c.PaymentNotices(p)
}

// ExpireIfDue applies expiry lazily: every access to a payment first
// checks whether its page has lapsed. It returns the webhooks to Send
// once the lock is released. The caller holds the lock.
func (c *Core) ExpireIfDue(p *Payment) []Notice {
	if p.State == status.Pending && !c.now().Before(p.Expires) {
		return c.finish(p, ResExpired)
	}
	return nil
}

// completeRefund settles a pending refund and returns its webhooks.
func (c *Core) completeRefund(r *Refund) []Notice {
	if r.State != status.RefundPending {
		return nil
	}
	r.Finished = c.now()
	if r.Decline {
		r.State = status.RefundFailed
	} else {
		r.State = status.RefundSucceeded
	}
	return c.refundNotices(r)
}

// MagicDecline is the decline an amount asks for, by its fils (the two
// decimals): .51 insufficient funds, .05 declined by the issuer.
func MagicDecline(m money.Money) Result {
	minor, err := m.Minor()
	if err != nil {
		return ResNone
	}
	switch minor % 100 {
	case 51:
		return ResInsufficientFunds
	case 5:
		return ResIssuerDeclined
	}
	return ResNone
}

// MagicRefundDecline reports whether a refund amount asks to be declined:
// fils .52.
func MagicRefundDecline(m money.Money) bool {
	minor, err := m.Minor()
	return err == nil && minor%100 == 52
}

// WithPayment is how a route's endpoint acts on one payment: under the
// lock, it finds the payment (nil for none, answered with missing),
// applies expiry, and lets act build the answer; then, the lock released,
// it sends the webhooks expiry caused, before the answer that reports it
// goes out. The caller does not hold the lock.
func (c *Core) WithPayment(find func() *Payment, missing Reply, act func(p *Payment) Reply) Reply {
	c.mu.Lock()
	p := find()
	if p == nil {
		c.mu.Unlock()
		return missing
	}
	out := c.ExpireIfDue(p)
	rep := act(p)
	c.mu.Unlock()
	c.Send(out)
	return rep
}

// Own is the payment with ID id if route made it, nil otherwise, for
// WithPayment. The caller holds the lock.
func (c *Core) Own(route Route, id string) *Payment {
	if p := c.payments[id]; p != nil && p.Route == route {
		return p
	}
	return nil
}
