package qpay

import (
	"context"

	"github.com/qpay-go/qpay/money"
)

// RefundLister is implemented by Providers that can read a payment back
// together with its refunds: the way to know what is still refundable on a
// provider whose payment reports no refunded total (Tap's charge keeps
// saying CAPTURED, with no refunded amount, after partial refunds). It is
// optional, like RefundGetter; every Provider built by package providers
// implements it.
type RefundLister interface {
	// PaymentWithRefunds reads payment id back with the refunds the
	// provider lists for it. The payment's Refunded is counted from them
	// (the refunds that have not failed: a pending refund's money is
	// already promised back) when that is more than the provider's own
	// total, and its Status moves forward to PartiallyRefunded or Refunded
	// to match, so that Payment.Refundable is right on every provider.
	// It may cost more than one request.
	PaymentWithRefunds(ctx context.Context, id string) (*Payment, []*Refund, error)
}

// RemainderRefunder is implemented by Providers that can refund what is
// left of a payment in one call, without the caller reading the payment
// first.
type RemainderRefunder interface {
	// RefundRemaining refunds everything still refundable on payment
	// req.PaymentID. req.Amount must be the zero Money: the amount is the
	// provider's own count of what is left. As with Refund, req.Reference
	// names the refund: a call repeated with the same reference (a retry
	// after a timeout or a crash) returns the refund made under it instead
	// of refunding anything again. Nothing left to refund is an *Error of
	// kind KindInvalidRequest.
	RefundRemaining(ctx context.Context, req RefundRequest) (*Refund, error)
}

// Refundable returns how much of payment id is still refundable, reading
// its refunds where p implements RefundLister, and from GetPayment's
// answer otherwise (right only where the provider reports a refunded
// total).
func Refundable(ctx context.Context, p Provider, id string) (money.Money, error) {
	var (
		pay *Payment
		err error
	)
	if l, ok := p.(RefundLister); ok {
		pay, _, err = l.PaymentWithRefunds(ctx, id)
	} else {
		pay, err = p.GetPayment(ctx, id)
	}
	if err != nil {
		return money.Money{}, err
	}
	return pay.Refundable()
}

// RefundRemaining refunds what is left of payment req.PaymentID through
// p's RemainderRefunder. A Provider without one is an *Error of kind
// KindUnsupported: computing the amount here, from an answer that may
// leave refunds out, could refund too much.
func RefundRemaining(ctx context.Context, p Provider, req RefundRequest) (*Refund, error) {
	r, ok := p.(RemainderRefunder)
	if !ok {
		return nil, &Error{Provider: p.Name(), Op: OpRefund, Kind: KindUnsupported,
			Message: "this Provider cannot refund the remainder of a payment (no qpay.RemainderRefunder)"}
	}
	return r.RefundRemaining(ctx, req)
}
