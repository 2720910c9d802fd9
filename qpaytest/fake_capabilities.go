package qpaytest

import (
	"context"

	"github.com/qpay-go/qpay"
)

// A Fake has the optional capabilities of the Providers of package
// providers, since it wraps the same adapters.
var (
	_ qpay.RefundLister      = (*Fake)(nil)
	_ qpay.RemainderRefunder = (*Fake)(nil)
)

// PaymentWithRefunds reads a payment back with its refunds, as the real
// adapter does (qpay.RefundLister).
func (f *Fake) PaymentWithRefunds(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	if err := f.next(qpay.OpGetPayment); err != nil {
		return nil, nil, err
	}
	return f.p.(qpay.RefundLister).PaymentWithRefunds(ctx, id)
}

// RefundRemaining refunds what is left of a payment, as the real adapter
// does (qpay.RemainderRefunder).
func (f *Fake) RefundRemaining(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	if err := f.next(qpay.OpRefund); err != nil {
		return nil, err
	}
	return f.p.(qpay.RemainderRefunder).RefundRemaining(ctx, req)
}

var _ qpay.PaymentFinder = (*Fake)(nil)

// PaymentsByReference lists the payments made under a merchant reference,
// as the real adapter does (qpay.PaymentFinder).
func (f *Fake) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	if err := f.next(qpay.OpFindPayments); err != nil {
		return nil, err
	}
	return f.p.(qpay.PaymentFinder).PaymentsByReference(ctx, reference)
}
