package qpaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/qpay-go/qpay/status"
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

// outbound is a webhook waiting to be sent, signed once per attempt.
type outbound struct {
	provider string
	event    string
	url      string
	attempts [webhookAttempts]signedBody
}

type signedBody struct {
	header http.Header
	body   []byte
}

// paymentWebhooks are the webhooks a payment's new state sends. Tap posts
// only final states, and nothing for ABANDONED; Checkout posts every
// change. The caller holds s.mu.
func (s *Server) paymentWebhooks(p *payment) []outbound {
	if !s.deliver {
		return nil
	}
	switch {
	case p.provider == ProviderTap && p.postURL != "" && p.state != status.Pending && p.result != resExpired:
		return s.tapOutbound(p.postURL, "charge "+p.result.outcome().tapStatus, func(attempt int) any {
			return s.tapCharge(p, "POST", attempt)
		})
	case p.provider == ProviderCheckout && s.webhookURL != "":
		return s.ckoOutbound(s.ckoPaymentEvent(p))
	}
	return nil
}

// pendingWebhooks is Checkout's payment_pending for a new payment; Tap
// sends nothing for INITIATED. The caller holds s.mu.
func (s *Server) pendingWebhooks(p *payment) []outbound {
	if !s.deliver || p.provider != ProviderCheckout || s.webhookURL == "" {
		return nil
	}
	return s.ckoOutbound(s.ckoPaymentEvent(p))
}

// refundWebhooks are the webhooks of a refund that completed: Tap posts
// the refund object to the refund's post.url, Checkout an event. The
// caller holds s.mu.
func (s *Server) refundWebhooks(r *refund) []outbound {
	if !s.deliver {
		return nil
	}
	switch {
	case r.payment.provider == ProviderTap && r.postURL != "":
		return s.tapOutbound(r.postURL, "refund "+r.outcome().tapStatus, func(attempt int) any {
			return s.tapRefund(r, attempt)
		})
	case r.payment.provider == ProviderCheckout && s.webhookURL != "":
		return s.ckoOutbound(s.ckoRefundEvent(r))
	}
	return nil
}

func (s *Server) tapOutbound(url, event string, object func(attempt int) any) []outbound {
	o := outbound{provider: ProviderTap, event: event, url: url}
	for i := range o.attempts {
		body, err := json.Marshal(object(i + 1))
		if err != nil {
			s.logf(slog.LevelError, "qpaytest: cannot encode a Tap webhook", slog.String("error", err.Error()))
			return nil
		}
		h, err := TapWebhook(s.opts.TapSecretKey, body)
		if err != nil {
			s.logf(slog.LevelError, "qpaytest: cannot sign a Tap webhook", slog.String("error", err.Error()))
			return nil
		}
		o.attempts[i] = signedBody{h, body}
	}
	return []outbound{o}
}

func (s *Server) ckoOutbound(ev ckoEventJSON) []outbound {
	body, err := json.Marshal(ev)
	if err != nil {
		s.logf(slog.LevelError, "qpaytest: cannot encode a Checkout event", slog.String("error", err.Error()))
		return nil
	}
	h := s.ckoHeader(body)
	o := outbound{provider: ProviderCheckout, event: ev.Type, url: s.webhookURL}
	for i := range o.attempts {
		o.attempts[i] = signedBody{h, body}
	}
	return []outbound{o}
}

func (s *Server) ckoHeader(body []byte) http.Header {
	h := CheckoutWebhook(s.opts.CheckoutWebhookSecret, body)
	if a := s.opts.CheckoutWebhookAuthorization; a != "" {
		h.Set("Authorization", a.Reveal())
	}
	return h
}

// send delivers webhooks one after the other, synchronously, with Tap's
// retry rule: the first attempt and two more. It must be called without
// s.mu: a receiver may well call the simulator back.
func (s *Server) send(list []outbound) {
	for _, o := range list {
		d := Delivery{Provider: o.provider, Event: o.event, URL: o.url}
		for i, a := range o.attempts {
			if i > 0 && !s.sleep(time.Duration(i)*s.opts.WebhookRetryWait) {
				break
			}
			d.Attempts = i + 1
			d.Header, d.Body = a.header.Clone(), a.body
			d.Status, d.Err = s.post(o.url, a)
			if d.Delivered() {
				break
			}
		}
		s.logf(slog.LevelInfo, "qpaytest: webhook", slog.String("provider", d.Provider), slog.String("event", d.Event),
			slog.Int("status", d.Status), slog.Int("attempts", d.Attempts))
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
	}
}

// post makes one delivery attempt.
func (s *Server) post(url string, a signedBody) (int, string) {
	ctx, cancel := context.WithTimeout(s.ctx, webhookAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(a.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = a.header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, ""
}

// sleep waits d unless the server closes first; it reports whether the
// whole wait passed.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// settleRefund completes a refund now (after its answer was written) or,
// with Options.RefundDelay, on a timer that Close stops.
func (s *Server) settleRefund(r *refund) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if d := s.opts.RefundDelay; d > 0 {
		s.wg.Add(1)
		var t *time.Timer
		// The callback takes s.mu first, so it sees t set below.
		t = time.AfterFunc(d, func() {
			defer s.wg.Done()
			s.mu.Lock()
			delete(s.timers, t)
			if s.closed {
				s.mu.Unlock()
				return
			}
			out := s.completeRefund(r)
			s.mu.Unlock()
			s.send(out)
		})
		s.timers[t] = struct{}{}
		s.mu.Unlock()
		return
	}
	out := s.completeRefund(r)
	s.mu.Unlock()
	s.send(out)
}

// Deliveries returns every webhook sent so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		d.Header = d.Header.Clone()
		d.Body = bytes.Clone(d.Body)
		out[i] = d
	}
	return out
}

// Webhook builds, without sending it, the correctly signed webhook that
// reports the current state of a payment (chg_, pay_ or sid_ ID) or of a
// refund (re_ or act_ ID), as its provider would deliver it: Tap's charge
// or refund object with a hashstring header, or Checkout's event with a
// Cko-Signature header. It works for any state, including those for which
// Tap sends nothing (INITIATED, ABANDONED), so that tests can replay them.
func (s *Server) Webhook(id string) (http.Header, []byte, error) {
	s.mu.Lock()
	var obj any
	var h http.Header
	var out []outbound
	p := s.payments[id]
	if p == nil && strings.HasPrefix(id, "sid_") {
		p = s.bySession[id]
	}
	r := s.refunds[id]
	switch {
	case p != nil:
		out = s.expireIfDue(p)
		if p.provider == ProviderTap {
			obj = s.tapCharge(p, "POST", 1)
		} else {
			obj = s.ckoPaymentEvent(p)
		}
	case r != nil:
		if r.payment.provider == ProviderTap {
			obj = s.tapRefund(r, 1)
		} else {
			obj = s.ckoRefundEvent(r)
		}
	default:
		s.mu.Unlock()
		return nil, nil, fmt.Errorf("qpaytest: no payment or refund %q", id)
	}
	provider := ProviderCheckout
	if p != nil && p.provider == ProviderTap || r != nil && r.payment.provider == ProviderTap {
		provider = ProviderTap
	}
	body, err := json.Marshal(obj)
	if err == nil && provider == ProviderCheckout {
		h = s.ckoHeader(body)
	}
	s.mu.Unlock()
	s.send(out)
	if err != nil {
		return nil, nil, fmt.Errorf("qpaytest: encode webhook: %w", err)
	}
	if provider == ProviderTap {
		if h, err = TapWebhook(s.opts.TapSecretKey, body); err != nil {
			return nil, nil, err
		}
	}
	return h, body, nil
}
