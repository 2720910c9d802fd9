package driver

import (
	"context"
	"fmt"

	"github.com/qpay-go/qpay"
)

// One provider key may serve several merchants: a Tap platform key charges
// on behalf of sub-merchants (merchant.id) and signs every sub-merchant's
// webhooks with the one secret; a Checkout key serves every processing
// channel of its entity. A genuine object of one merchant then reads back
// fine through another merchant's configuration, and would be stamped with
// that configuration's Account. So every object a driver decodes from the
// provider carries the owner the provider reports (Payment.Owner,
// Refund.Owner: the field extraction is the adapter's), and here, for
// every read path (GetPayment, the refund path's read, GetRefund, a
// webhook's read-back, the lists of PaymentsByReference, a signed
// webhook's own object, a created payment), an object whose owner differs
// from the configured one (Options.Owner) is refused with
// qpay.KindForeignAccount, never retryable.
//
// An object that reports no owner is let through: nothing says it is
// another merchant's, and refusing it would refuse every answer of a
// provider that leaves the field out (Checkout's GET /payments is
// documented without processing_channel_id; see the adapters), except a
// refund read back by its ID alone, whose payment is then read back and
// decides (refundOwner). A configuration that names no owner compares
// nothing.

// checkOwner refuses what is another merchant's.
func (w *portable) checkOwner(what, id, owner string) error {
	if w.opts.Owner == "" || owner == "" || owner == w.opts.Owner {
		return nil
	}
	return &qpay.Error{Kind: qpay.KindForeignAccount,
		Message: fmt.Sprintf("%s %s belongs to merchant %q at the provider, not to %q that this configuration names: it is not this merchant's (one key serving several merchants?)",
			what, id, owner, w.opts.Owner)}
}

// refundOwner establishes the owner of refund r, read back, that reports
// none while this configuration names one (Tap's refunds carry no merchant,
// UNCONFIRMED; see the Tap adapter's owner.go): its payment is read back,
// and checked (checkRead: the payment asked for, in QAR, this merchant's),
// so that a platform key's refund of another merchant is refused with
// KindForeignAccount like that merchant's charges. It costs one call, on
// the read paths that return a refund by its ID alone (GetRefund, a
// webhook's read-back); the refund path has read the payment already.
func (w *portable) refundOwner(ctx context.Context, r *qpay.Refund) error {
	if w.opts.Owner == "" || r.Owner != "" {
		return nil
	}
	p, err := w.d.GetPayment(ctx, r.PaymentID)
	if err != nil {
		return err
	}
	if err := w.checkRead(r.PaymentID, p); err != nil {
		return err
	}
	if p.Owner == "" {
		return nil // nothing says it is another's (see above)
	}
	r.Owner = p.Owner
	return nil
}
