package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Delivery is one webhook the simulator sent (or tried to send).
type Delivery struct {
	Provider string
	// Event is Checkout's event type (payment_captured...) or, for Tap, the
	// object and its status ("charge CAPTURED", "refund REFUNDED").
	Event  string
	URL    string
	Header http.Header // as sent on the last attempt
	Body   []byte      // as sent on the last attempt (Tap's post.attempt changes)
	// Status is the receiver's HTTP status on the last attempt, 0 if none.
	Status   int
	Attempts int
	Err      string // the last attempt's network error, if any
}

// Delivered reports whether the receiver acknowledged the webhook with a
// 2xx.
func (d Delivery) Delivered() bool { return d.Status >= 200 && d.Status < 300 }

// Notice is a webhook a route built for a payment's or refund's current
// state, signed once per attempt (Tap's post.attempt changes the body).
type Notice struct {
	Event    string // as in Delivery.Event
	URL      string
	Attempts [WebhookAttempts]Signed
	// Deliver is whether the provider sends it at all for this state; it
	// is sent only to a URL (Options.ForwardTo, or URL). Core.Webhook
	// builds it either way.
	Deliver  bool
	provider string
}

// Signed is one attempt's signed body.
type Signed struct {
	Header http.Header
	Body   []byte
}

// PaymentNotices are the webhooks p's current state sends: none in
// process, or when the route sends none for it. The caller holds the lock
// and Sends them once it is released.
func (c *Core) PaymentNotices(p *Payment) []Notice {
	if !c.deliver {
		return nil
	}
	n, err := p.Route.PaymentNotice(p)
	return c.deliverable(p.Route, n, err)
}

// refundNotices are the webhooks of a refund that completed.
func (c *Core) refundNotices(r *Refund) []Notice {
	if !c.deliver {
		return nil
	}
	n, err := r.Payment.Route.RefundNotice(r)
	return c.deliverable(r.Payment.Route, n, err)
}

func (c *Core) deliverable(route Route, n Notice, err error) []Notice {
	if err != nil {
		c.logf(slog.LevelError, "qpaytest: cannot build a webhook", slog.String("provider", route.Name()), slog.String("error", err.Error()))
		return nil
	}
	if c.opts.ForwardTo != "" {
		n.URL = c.opts.ForwardTo
	}
	if !n.Deliver || n.URL == "" {
		return nil
	}
	n.provider = route.Name()
	return []Notice{n}
}

// Send delivers webhooks one after the other, synchronously, with Tap's
// retry rule: the first attempt and two more. It must be called without
// the lock: a receiver may well call the simulator back.
func (c *Core) Send(list []Notice) {
	for _, o := range list {
		d := Delivery{Provider: o.provider, Event: o.Event, URL: o.URL}
		for i, a := range o.Attempts {
			if i > 0 && !c.sleep(time.Duration(i)*c.opts.WebhookRetryWait) {
				break
			}
			d.Attempts = i + 1
			d.Header, d.Body = a.Header.Clone(), a.Body
			d.Status, d.Err = c.post(o.URL, a)
			if d.Delivered() {
				break
			}
		}
		c.logf(slog.LevelInfo, "qpaytest: webhook", slog.String("provider", d.Provider), slog.String("event", d.Event),
			slog.Int("status", d.Status), slog.Int("attempts", d.Attempts))
		c.mu.Lock()
		c.deliveries = append(c.deliveries, d)
		c.mu.Unlock()
	}
}

// post makes one delivery attempt.
func (c *Core) post(url string, a Signed) (int, string) {
	ctx, cancel := context.WithTimeout(c.ctx, webhookAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(a.Body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = a.Header.Clone()
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, ""
}

// sleep waits d unless the Core closes first; it reports whether the
// whole wait passed.
func (c *Core) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// SettleRefund completes a refund now (after its answer was written: a
// route calls it from Reply.After) or, with Options.RefundDelay, on a
// timer that Close stops. It takes the lock itself.
func (c *Core) SettleRefund(r *Refund) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if d := c.opts.RefundDelay; d > 0 {
		c.wg.Add(1)
		var t *time.Timer
		// The callback takes the lock first, so it sees t set below.
		t = time.AfterFunc(d, func() {
			defer c.wg.Done()
			c.mu.Lock()
			delete(c.timers, t)
			if c.closed {
				c.mu.Unlock()
				return
			}
			out := c.completeRefund(r)
			c.mu.Unlock()
			c.Send(out)
		})
		c.timers[t] = struct{}{}
		c.mu.Unlock()
		return
	}
	out := c.completeRefund(r)
	c.mu.Unlock()
	c.Send(out)
}

// Deliveries returns every webhook sent so far, oldest first.
func (c *Core) Deliveries() []Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Delivery, len(c.deliveries))
	for i, d := range c.deliveries {
		d.Header = d.Header.Clone()
		d.Body = bytes.Clone(d.Body)
		out[i] = d
	}
	return out
}

// Webhook builds, without sending it, the signed webhook that reports the
// current state of a payment (by ID or alias) or of a refund, as its
// route would deliver it, whatever the state (also those for which the
// provider sends nothing), so that tests can replay them.
func (c *Core) Webhook(id string) (http.Header, []byte, error) {
	c.mu.Lock()
	var n Notice
	var err error
	var out []Notice
	p := c.find(id)
	r := c.refunds[id]
	switch {
	case p != nil:
		out = c.ExpireIfDue(p)
		n, err = p.Route.PaymentNotice(p)
	case r != nil:
		n, err = r.Payment.Route.RefundNotice(r)
	default:
		c.mu.Unlock()
		return nil, nil, fmt.Errorf("qpaytest: no payment or refund %q", id)
	}
	c.mu.Unlock()
	c.Send(out)
	if err != nil {
		return nil, nil, err
	}
	first := n.Attempts[0]
	return first.Header, first.Body, nil
}
