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
	listers := implementing[qpay.RefundLister](s.owners(id))
	if len(listers) == 0 {
		return nil, nil, s.unsupported(qpay.OpGetPayment, "reading a payment's refunds")
	}
	a, err := route(listers, func(l qpay.RefundLister) (answer, error) {
		pay, refunds, err := l.PaymentWithRefunds(ctx, id)
		return answer{pay, refunds}, err
	})
	return a.p, a.refunds, err
}

// RefundRemaining implements qpay.RemainderRefunder, by the payment. As
// for Refund, trying the next configuration after KindNotFound is safe:
// the payment is read back before any refund is asked for.
func (s *switched) RefundRemaining(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	refunders := implementing[qpay.RemainderRefunder](s.owners(req.PaymentID))
	if len(refunders) == 0 {
		return nil, s.unsupported(qpay.OpRefund, "refunding what is left of a payment")
	}
	return route(refunders, func(r qpay.RemainderRefunder) (*qpay.Refund, error) {
		return r.RefundRemaining(ctx, req)
	})
}
