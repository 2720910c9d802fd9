package store

import (
	"fmt"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store/internal"
)

// Snapshot is what a Store has read, inside the transaction that handles an
// event or a Track, about the rows the operation touches. Decide and
// DecideTrack are pure functions of it, so that every implementation has
// the same semantics.
type Snapshot struct {
	// Payment is the stored payment, or nil when none is stored.
	Payment *Payment
	// Refund is the stored refund a refund event is about, or nil when none
	// is stored. Always nil for payment events and Track.
	Refund *Refund
	// Uncounted are the payment's succeeded refunds whose amount has not
	// been added to the payment yet: they arrived before the payment was
	// stored, or while it was stored as not captured. A store only needs
	// to read them when Payment is nil or not captured
	// (!Payment.Status.Succeeded()): once a payment is stored as captured,
	// none of its refunds stays uncounted.
	Uncounted []Refund
}

// Change is what a Store writes, in the same transaction, for one event or
// Track.
type Change struct {
	// Result is handed to the merchant's function and returned by Process.
	Result Result
	// Payment is the payment row to insert or update, or nil when the
	// payment is unchanged (or not stored and still unknown).
	Payment *Payment
	// Refunds are the refund rows to insert or update.
	Refunds []Refund
}

// Keys checks that ev is a complete, verified event and returns the IDs of
// the rows it touches, all in ev.Account: its payment and, for a refund
// event, its refund (refundID is "" for payment events). A malformed event
// is an *qpay.Error of kind qpay.KindInvalidRequest: Provider.ParseWebhook
// never returns one, so it was built by hand. A payment or refund whose
// Account is not the event's is qpay.KindIntegrity: the key that verified
// the event is the account's, and it vouches for that account only.
func Keys(ev *qpay.WebhookEvent) (paymentID, refundID string, err error) {
	bad := func(format string, args ...any) (string, string, error) {
		e := &qpay.Error{Op: OpProcess, Kind: qpay.KindInvalidRequest, Message: fmt.Sprintf(format, args...)}
		if ev != nil {
			e.Provider = ev.Provider
		}
		return "", "", e
	}
	if ev == nil {
		return bad("no event")
	}
	if err := internal.CheckKey(ev.Provider); err != nil {
		return bad("event provider %v", err)
	}
	if err := internal.CheckKey(ev.ID); err != nil {
		return bad("event ID %v", err)
	}
	if err := checkAccount(ev.Account); err != nil {
		return bad("event account %v", err)
	}
	// Checked once the type is known to carry its object; reported after
	// the malformations, which say more about a hand-built event.
	var otherAccount string
	switch ev.Type {
	case qpay.EventPayment:
		p := ev.Payment
		if p == nil {
			return bad("payment event %s carries no payment", ev.ID)
		}
		paymentID = p.ID
		if p.Amount.Currency() == "" {
			return bad("payment event %s carries no amount", ev.ID)
		}
		if p.Provider != "" && p.Provider != ev.Provider {
			return bad("payment event %s from %s carries a %s payment", ev.ID, ev.Provider, p.Provider)
		}
		otherAccount = p.Account
	case qpay.EventRefund:
		r := ev.Refund
		if r == nil {
			return bad("refund event %s carries no refund", ev.ID)
		}
		if err := qpay.ValidateID(r.ID); err != nil {
			return bad("refund event %s: refund ID %v", ev.ID, err)
		}
		paymentID, refundID = r.PaymentID, r.ID
		if r.Amount.Currency() == "" {
			return bad("refund event %s carries no amount", ev.ID)
		}
		if r.Provider != "" && r.Provider != ev.Provider {
			return bad("refund event %s from %s carries a %s refund", ev.ID, ev.Provider, r.Provider)
		}
		otherAccount = r.Account
	default:
		return bad("event %s has no type", ev.ID)
	}
	if err := qpay.ValidateID(paymentID); err != nil {
		return bad("event %s: payment ID %v", ev.ID, err)
	}
	if ev.PaymentID != "" && ev.PaymentID != paymentID {
		return bad("event %s names payment %s but carries payment %s", ev.ID, ev.PaymentID, paymentID)
	}
	if otherAccount != ev.Account {
		return "", "", integrity(ev.Provider, OpProcess, "event %s of account %q carries a %s of account %q",
			ev.ID, ev.Account, ev.Type, otherAccount)
	}
	return paymentID, refundID, nil
}

// checkAccount accepts the empty account (a single merchant) and what
// checkKey accepts.
func checkAccount(s string) error {
	if s == "" {
		return nil
	}
	return internal.CheckKey(s)
}

// Decide computes what ev does to the rows in snap. Process calls it inside
// its transaction, after recording the event and reading snap, and before
// calling the merchant's function; an error means nothing may be recorded.
// now stamps the rows that change.
func Decide(ev *qpay.WebhookEvent, snap Snapshot, now time.Time) (Change, error) {
	if _, _, err := Keys(ev); err != nil {
		return Change{}, err
	}
	var (
		c   Change
		err error
	)
	if ev.Type == qpay.EventPayment {
		c, err = decidePayment(ev, snap, now)
	} else {
		c, err = decideRefund(ev, snap, now)
	}
	if err != nil {
		return Change{}, err
	}
	c.Result.EventID = ev.ID
	return c, nil
}

// DecideTrack computes what Track(p) does to the rows in snap. The Result
// in the Change has no EventID.
func DecideTrack(p *qpay.Payment, snap Snapshot, now time.Time) (Change, error) {
	if err := CheckPayment(p); err != nil {
		return Change{}, err
	}
	return applyPayment(OpTrack, p.Account, p.Provider, p, snap, now)
}

// CheckPayment checks that p can be tracked: an account ("" or a key a
// database can store), a provider, a valid ID and an amount. A malformed
// payment is an *qpay.Error of kind qpay.KindInvalidRequest.
func CheckPayment(p *qpay.Payment) error {
	bad := func(format string, args ...any) error {
		return &qpay.Error{Op: OpTrack, Kind: qpay.KindInvalidRequest, Message: fmt.Sprintf(format, args...)}
	}
	if p == nil {
		return bad("no payment")
	}
	if err := internal.CheckKey(p.Provider); err != nil {
		return bad("payment provider %v", err)
	}
	if err := checkAccount(p.Account); err != nil {
		return bad("payment account %v", err)
	}
	if err := qpay.ValidateID(p.ID); err != nil {
		return bad("payment ID %v", err)
	}
	if p.Amount.Currency() == "" {
		return bad("payment %s has no amount", p.ID)
	}
	return nil
}

func decidePayment(ev *qpay.WebhookEvent, snap Snapshot, now time.Time) (Change, error) {
	return applyPayment(OpProcess, ev.Account, ev.Provider, ev.Payment, snap, now)
}

// applyPayment is a payment report (an event or a Track) applied to the
// stored payment: checked against it, then moved through the state machine.
// The snapshot is the caller's read of account's rows; a stored payment of
// another account is refused rather than written under the wrong key.
func applyPayment(op, account, provider string, p *qpay.Payment, snap Snapshot, now time.Time) (Change, error) {
	if snap.Payment != nil && (snap.Payment.Account != account || snap.Payment.Provider != provider || snap.Payment.ID != p.ID) {
		return Change{}, integrity(provider, op, "payment %s of account %q was read for account %q payment %s",
			snap.Payment.ID, snap.Payment.Account, account, p.ID)
	}
	var (
		cur     Payment
		created = snap.Payment == nil
		changed = created
	)
	if created {
		zero, err := money.FromMinor(0, p.Amount.Currency())
		if err != nil {
			return Change{}, &qpay.Error{Provider: provider, Op: op, Kind: qpay.KindInvalidRequest,
				Message: fmt.Sprintf("payment %s: amount %s", p.ID, p.Amount), Err: err}
		}
		cur = Payment{Account: account, Provider: provider, ID: p.ID, RawStatus: p.RawStatus, Amount: p.Amount, Refunded: zero}
	} else {
		cur = *snap.Payment
		if err := sameAmount(op, &cur, p.Amount); err != nil {
			return Change{}, err
		}
	}
	prev := cur.Status
	next, applied := status.Apply(cur.Status, p.Status)
	var ignored error
	if applied {
		cur.Status, cur.RawStatus, changed = next, p.RawStatus, true
	} else {
		ignored = status.Check(cur.Status, p.Status)
	}
	switch {
	case p.Reference == "" || p.Reference == cur.Reference:
	case cur.Reference == "":
		cur.Reference, changed = p.Reference, true
	default:
		// The report is verified (signed, or read back from the
		// provider), so it names another order than the one stored: a
		// payment is never moved under another order's reference.
		return Change{}, integrity(provider, op, "payment %s was stored with reference %q, the report says %q",
			p.ID, cur.Reference, p.Reference)
	}

	// How the shopper paid, and whether QPay was required: the first
	// known method, replaced only by a non-QPay one, and a requirement
	// once reported kept, so that no later report can hide a mismatch.
	if m := p.Method; m.Known() && m != cur.Method && (!cur.Method.Known() || (cur.Method.IsQPay() && !m.IsQPay())) {
		cur.Method, changed = m, true
	}
	if p.RequireQPay && !cur.RequireQPay {
		cur.RequireQPay, changed = true, true
	}

	// Refunds that succeeded while the payment's capture was not
	// established are counted when it is, once.
	var refunds []Refund
	if !prev.Succeeded() && cur.Status.Succeeded() {
		var err error
		if refunds, err = countEarlyRefunds(op, &cur, snap.Uncounted, now); err != nil {
			return Change{}, err
		}
		changed = changed || len(refunds) > 0
	}

	c := Change{Refunds: refunds, Result: Result{
		Applied:  applied,
		Previous: prev,
		Current:  cur.Status,
		Ignored:  ignored,
	}}
	if changed {
		cur.UpdatedAt = now
		c.Payment = &cur
	}
	out := cur
	c.Result.Payment = &out
	return c, nil
}

// countEarlyRefunds adds to a payment whose capture is being established
// (stored for the first time as captured or later, or moved there) the
// refunds that succeeded before, and returns them marked counted.
func countEarlyRefunds(op string, p *Payment, uncounted []Refund, now time.Time) ([]Refund, error) {
	var out []Refund
	for _, r := range uncounted {
		if r.Counted || !r.Status.Succeeded() || r.PaymentID != p.ID || r.Provider != p.Provider || r.Account != p.Account {
			continue // not what the caller was asked to read; never count it
		}
		if err := addRefund(op, p, r.ID, r.Amount); err != nil {
			return nil, err
		}
		r.Counted = true
		r.UpdatedAt = now
		out = append(out, r)
	}
	return out, nil
}

func decideRefund(ev *qpay.WebhookEvent, snap Snapshot, now time.Time) (Change, error) {
	r := ev.Refund
	const op = OpProcess
	if snap.Payment != nil && (snap.Payment.Account != ev.Account || snap.Payment.Provider != ev.Provider || snap.Payment.ID != r.PaymentID) {
		return Change{}, integrity(ev.Provider, op, "payment %s of account %q was read for account %q payment %s",
			snap.Payment.ID, snap.Payment.Account, ev.Account, r.PaymentID)
	}
	var cur Refund
	if snap.Refund == nil {
		cur = Refund{Account: ev.Account, Provider: ev.Provider, ID: r.ID, PaymentID: r.PaymentID, RawStatus: r.RawStatus, Amount: r.Amount}
	} else {
		cur = *snap.Refund
		if cur.Account != ev.Account || cur.Provider != ev.Provider || cur.ID != r.ID {
			return Change{}, integrity(ev.Provider, op, "refund %s of account %q was read for account %q refund %s",
				cur.ID, cur.Account, ev.Account, r.ID)
		}
		if cur.PaymentID != r.PaymentID {
			return Change{}, integrity(ev.Provider, op, "refund %s was stored for payment %s, the event says payment %s", r.ID, cur.PaymentID, r.PaymentID)
		}
		if !cur.Amount.Equal(r.Amount) {
			return Change{}, integrity(ev.Provider, op, "refund %s was stored as %s, the event says %s", r.ID, cur.Amount, r.Amount)
		}
	}
	prev := cur.Status
	next, applied := status.ApplyRefund(cur.Status, r.Status)
	var ignored error
	if applied {
		cur.Status, cur.RawStatus = next, r.RawStatus
	} else {
		ignored = status.CheckRefund(cur.Status, r.Status)
	}
	if cur.Reference == "" {
		cur.Reference = r.Reference
	}
	cur.UpdatedAt = now

	c := Change{Result: Result{
		Applied:        applied,
		RefundPrevious: prev,
		RefundCurrent:  cur.Status,
		Ignored:        ignored,
	}}
	if snap.Payment != nil {
		pay := *snap.Payment
		c.Result.Previous = pay.Status
		if pay.Amount.Currency() != r.Amount.Currency() {
			return Change{}, integrity(ev.Provider, op, "refund %s is in %s, payment %s in %s", r.ID, r.Amount.Currency(), pay.ID, pay.Amount.Currency())
		}
		if cmp, _ := r.Amount.Cmp(pay.Amount); cmp > 0 {
			return Change{}, integrity(ev.Provider, op, "refund %s of %s exceeds payment %s of %s", r.ID, r.Amount, pay.ID, pay.Amount)
		}
		switch {
		case !cur.Status.Succeeded() || cur.Counted:
		case pay.Status.Succeeded():
			if err := addRefund(op, &pay, r.ID, cur.Amount); err != nil {
				return Change{}, err
			}
			cur.Counted = true
			pay.UpdatedAt = now
			c.Payment = &pay
		case pay.Status.Failure():
			// Money given back from a payment that never took any: the
			// provider contradicts the store. Kept, never counted.
			c.Result.NotCounted = fmt.Errorf("%w; %w: refund %s of payment %s, which is stored as %s",
				ErrNotCaptured, status.ErrIllegal, r.ID, pay.ID, pay.Status)
		default:
			c.Result.NotCounted = fmt.Errorf("%w: refund %s of payment %s, which is stored as %s; it is counted when the capture is stored",
				ErrNotCaptured, r.ID, pay.ID, pay.Status)
		}
		c.Result.Current = pay.Status
		out := pay
		c.Result.Payment = &out
	} else if cur.Status.Succeeded() && !cur.Counted {
		c.Result.NotCounted = fmt.Errorf("%w: refund %s of payment %s, which is not stored; it is counted when the payment is stored as captured",
			ErrNotCaptured, r.ID, r.PaymentID)
	}
	c.Refunds = []Refund{cur}
	return c, nil
}

// addRefund adds a succeeded refund to p, whose capture is established, and
// moves p to PartiallyRefunded or Refunded. A refund never establishes a
// capture: a payment not stored as captured or later is refused here (its
// callers keep such refunds uncounted), so that no refund can make an
// unpaid order look paid. The total never exceeds the captured amount.
func addRefund(op string, p *Payment, refundID string, amount money.Money) error {
	if !p.Status.Succeeded() {
		return integrity(p.Provider, op, "refund %s cannot be counted on payment %s, which is %s: its capture is not established",
			refundID, p.ID, p.Status)
	}
	if p.Amount.Currency() != amount.Currency() {
		return integrity(p.Provider, op, "refund %s is in %s, payment %s in %s", refundID, amount.Currency(), p.ID, p.Amount.Currency())
	}
	total, err := p.Refunded.Add(amount)
	if err != nil {
		return &qpay.Error{Provider: p.Provider, Op: op, Kind: qpay.KindIntegrity,
			Message: fmt.Sprintf("refund %s cannot be added to payment %s", refundID, p.ID), Err: err}
	}
	cmp, _ := total.Cmp(p.Amount) // same currency, checked above
	if cmp > 0 {
		return integrity(p.Provider, op, "refund %s of %s would bring payment %s to %s refunded, more than its %s",
			refundID, amount, p.ID, total, p.Amount)
	}
	p.Refunded = total
	target := status.PartiallyRefunded
	if cmp == 0 {
		target = status.Refunded
	}
	p.Status, _ = status.Apply(p.Status, target)
	return nil
}

// sameAmount is the integrity check of a report against the stored payment.
func sameAmount(op string, stored *Payment, got money.Money) error {
	if stored.Amount.Equal(got) {
		return nil
	}
	return integrity(stored.Provider, op, "payment %s was stored as %s, the report says %s", stored.ID, stored.Amount, got)
}

func integrity(provider, op, format string, args ...any) error {
	return &qpay.Error{Provider: provider, Op: op, Kind: qpay.KindIntegrity, Message: fmt.Sprintf(format, args...)}
}
