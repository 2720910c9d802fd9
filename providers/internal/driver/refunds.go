package driver

import (
	"context"

	"github.com/qpay-go/qpay"
)

// The optional capabilities every portable Provider has: see
// qpay.RefundLister and qpay.RemainderRefunder. They are written once
// here, over Driver.PaymentForRefund, so that both providers count refunds
// the same way the refundable check of Refund does.
var (
	_ qpay.RefundLister      = (*portable)(nil)
	_ qpay.RemainderRefunder = (*portable)(nil)
)

// PaymentWithRefunds implements qpay.RefundLister.
func (w *portable) PaymentWithRefunds(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	const op = qpay.OpGetPayment
	if err := qpay.ValidateID(id); err != nil {
		return nil, nil, w.finish(op, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "payment ID " + err.Error()})
	}
	p, refunds, err := w.d.PaymentForRefund(ctx, id)
	if err != nil {
		return nil, nil, w.finish(op, err)
	}
	if err := w.checkRead(id, p); err != nil {
		return nil, nil, w.finish(op, err)
	}
	for _, r := range refunds {
		if r == nil || r.ID == "" {
			return nil, nil, w.finish(op, protocol("the provider listed a refund of payment %s without an ID", p.ID))
		}
		if r.PaymentID != "" && r.PaymentID != p.ID {
			return nil, nil, w.finish(op, integrity("the provider listed refund %s of payment %s among the refunds of payment %s", r.ID, r.PaymentID, p.ID))
		}
		r.Provider, r.Account, r.PaymentID = w.d.Name(), w.opts.Account, p.ID
	}
	if err := countRefunds(p, refunds); err != nil {
		return nil, nil, w.finish(op, err)
	}
	return p, refunds, nil
}

// RefundRemaining implements qpay.RemainderRefunder. It counts what is
// left from the provider's refunds, then refunds it through Refund, which
// reads the payment again: a refund made by someone else in between makes
// the amount too large and is refused by Refund's own check, never sent.
// One read more than a plain Refund buys that, and keeps one path for
// idempotency keys, the search by reference and ambiguous failures.
func (w *portable) RefundRemaining(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	const op = qpay.OpRefund
	if req.Amount.Currency() != "" {
		return nil, w.finish(op, invalid("RefundRemaining takes no amount (it refunds what is left), got %s", req.Amount))
	}
	p, refunds, err := w.PaymentWithRefunds(ctx, req.PaymentID)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if r := byReference(refunds, req.Reference); r != nil && req.Reference != "" {
		// A retry: the refund made under this reference is the answer,
		// whatever it came to.
		same := qpay.RefundRequest{PaymentID: p.ID, Amount: r.Amount, Reference: req.Reference}
		var shares []qpay.Split
		if r.Amount.Currency() != "" {
			if shares, err = refundSplits(same, p); err != nil {
				return nil, w.finish(op, err)
			}
		}
		if err := w.checkRefund(same, shares, p, r); err != nil {
			return nil, w.finish(op, err)
		}
		return r, nil
	}
	left, err := p.Refundable()
	if err != nil {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindIntegrity, Message: "payment " + p.ID + " reports more refunded than paid", Err: err})
	}
	if !left.IsPositive() {
		return nil, w.finish(op, invalid("payment %s (%s) has nothing left to refund", p.ID, p.Status))
	}
	req.Amount = left
	return w.Refund(ctx, req)
}
