package qpay

import "context"

// Recover is the recovery path after a crash between CreatePayment and
// saving the payment's ID, when the merchant has only the order reference:
// it lists the payments the provider holds under reference (PaymentFinder)
// and returns the newest one that did not fail, or nil when there is none,
// so that a second payment is created only for an order that has none
// going. Track what it returns (store.Store.Track), then go on as after
// CreatePayment: send the shopper to RedirectURL while it is pending, or
// fulfil it if it is captured.
//
// A Provider without PaymentFinder is an *Error of kind KindUnsupported:
// without the list, "none" cannot be told from "not looked".
func Recover(ctx context.Context, p Provider, reference string) (*Payment, error) {
	f, ok := p.(PaymentFinder)
	if !ok {
		return nil, &Error{Provider: p.Name(), Op: OpFindPayments, Kind: KindUnsupported,
			Message: "this Provider cannot list payments by reference (no qpay.PaymentFinder)"}
	}
	found, err := f.PaymentsByReference(ctx, reference)
	if err != nil {
		return nil, err
	}
	for _, pay := range found {
		if !pay.Status.Failure() {
			return pay, nil
		}
	}
	return nil, nil
}
