package providers

import (
	"context"

	"github.com/qpay-go/qpay"
)

// A merchant with older configurations has the refund capabilities of its
// configurations, routed by the payment as GetPayment and Refund are.
var (
	_ qpay.RefundLister      = (*switched)(nil)
	_ qpay.RemainderRefunder = (*switched)(nil)
)

// PaymentWithRefunds implements qpay.RefundLister, by the payment.
func (s *switched) PaymentWithRefunds(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	type answer struct {
		p       *qpay.Payment
		refunds []*qpay.Refund
	}
	var listers []qpay.Provider
	for _, p := range s.owners(id) {
		if _, ok := p.(qpay.RefundLister); ok {
			listers = append(listers, p)
		}
	}
	if len(listers) == 0 {
		return nil, nil, s.unsupported(qpay.OpGetPayment, "reading a payment's refunds")
	}
	a, err := route(listers, func(p qpay.Provider) (answer, error) {
		pay, refunds, err := p.(qpay.RefundLister).PaymentWithRefunds(ctx, id)
		return answer{pay, refunds}, err
	})
	return a.p, a.refunds, err
}

// RefundRemaining implements qpay.RemainderRefunder, by the payment. As
// for Refund, trying the next configuration after KindNotFound is safe:
// the payment is read back before any refund is asked for.
func (s *switched) RefundRemaining(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	var refunders []qpay.Provider
	for _, p := range s.owners(req.PaymentID) {
		if _, ok := p.(qpay.RemainderRefunder); ok {
			refunders = append(refunders, p)
		}
	}
	if len(refunders) == 0 {
		return nil, s.unsupported(qpay.OpRefund, "refunding what is left of a payment")
	}
	return route(refunders, func(p qpay.Provider) (*qpay.Refund, error) {
		return p.(qpay.RemainderRefunder).RefundRemaining(ctx, req)
	})
}
