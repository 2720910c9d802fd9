package driver

import (
	"fmt"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// Capable is implemented by drivers that can do more than the direct QPay
// page: a provider's hosted page (qpay.PaymentRequest.Page) or
// marketplace splits (Splits). Supports reports, before any request,
// whether the driver can carry out req as asked: nil if it can, or an
// *qpay.Error of kind qpay.KindUnsupported saying what the provider
// cannot do. A driver that does not implement Capable gets every such
// request refused the same way, so that no driver, present or future,
// can drop a page or a split silently.
type Capable interface {
	Supports(req qpay.PaymentRequest) error
}

// Unsupported is the error a Capable driver returns for what its provider
// cannot do.
func Unsupported(format string, args ...any) error {
	return &qpay.Error{Kind: qpay.KindUnsupported, Message: fmt.Sprintf(format, args...)}
}

// supports asks the driver about a request beyond the direct QPay page.
func (w *portable) supports(req qpay.PaymentRequest) error {
	if req.Page == qpay.PageQPay && len(req.Splits) == 0 {
		return nil
	}
	c, ok := w.d.(Capable)
	if !ok {
		return Unsupported("%s: qpay takes payments on the direct QPay page only for this provider (asked: page %s, %d splits)",
			w.d.Name(), req.Page, len(req.Splits))
	}
	return c.Supports(req)
}

// created completes a payment just created from req with what the request
// said and the provider need not echo.
func created(req qpay.PaymentRequest, p *qpay.Payment) {
	if p.Metadata == nil && len(req.Metadata) > 0 {
		// As for the amount: what the provider does not echo (Checkout's
		// 202 and 201), the request says.
		p.Metadata = make(map[string]string, len(req.Metadata))
		for k, v := range req.Metadata {
			p.Metadata[k] = v
		}
	}
	p.ReadHostedMetadata()
	if p.Page == qpay.PageQPay {
		p.Page = req.Page
	}
	p.RequireQPay = p.RequireQPay || req.RequireQPay
	if p.Page == qpay.PageQPay && !p.Method.Known() {
		// The direct page takes nothing else.
		p.Method = qpay.Method{Type: qpay.MethodQPay}
	}
}

// read completes a payment read back (GetPayment, PaymentForRefund, a
// webhook): the page and the QPay requirement travel in its metadata.
func read(p *qpay.Payment) {
	p.ReadHostedMetadata()
}

// refundSplits divides a refund of a split payment between its
// recipients in proportion to their shares (money.Share, rounded down:
// the remainder is taken from the merchant), which is what a refund
// carries to providers that take back a share per recipient (Tap's
// destinations). A payment without splits gives none.
func refundSplits(req qpay.RefundRequest, p *qpay.Payment) ([]qpay.Split, error) {
	if len(p.Splits) == 0 {
		return nil, nil
	}
	out := make([]qpay.Split, 0, len(p.Splits))
	for _, s := range p.Splits {
		part, err := money.Share(s.Amount, p.Amount, req.Amount)
		if err != nil {
			return nil, &qpay.Error{Kind: qpay.KindIntegrity, Err: err,
				Message: fmt.Sprintf("payment %s reports a split to %s of %s, which cannot be shared out of %s", p.ID, s.Recipient, s.Amount, p.Amount)}
		}
		if part.IsPositive() {
			out = append(out, qpay.Split{Recipient: s.Recipient, Amount: part, Reference: s.Reference})
		}
	}
	return out, nil
}
