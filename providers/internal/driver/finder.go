package driver

import (
	"context"
	"fmt"
	"slices"

	"github.com/qpay-go/qpay"
)

// Finder is implemented by drivers that can list the payments made under a
// merchant reference (qpay.PaymentFinder). The driver may return payments
// of other references, where the provider's filter is loose or not
// honoured: the portable layer keeps those of the reference only.
type Finder interface {
	PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error)
}

var _ qpay.PaymentFinder = (*portable)(nil)

// PaymentsByReference implements qpay.PaymentFinder.
func (w *portable) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	const op = qpay.OpFindPayments
	switch {
	case reference == "":
		return nil, w.finish(op, invalid("reference is required"))
	case len(reference) > qpay.MaxReferenceLen:
		return nil, w.finish(op, invalid("reference is %d bytes, at most %d allowed", len(reference), qpay.MaxReferenceLen))
	}
	f, ok := w.d.(Finder)
	if !ok {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindUnsupported, Message: fmt.Sprintf("the %s driver cannot list payments by reference", w.d.Name())})
	}
	found, err := f.PaymentsByReference(ctx, reference)
	if err != nil {
		return nil, w.finish(op, err)
	}
	out := make([]*qpay.Payment, 0, len(found))
	for _, p := range found {
		if p == nil || p.Reference != reference {
			continue // the provider's filter let it through; it is another order's
		}
		if w.checkOwner("payment", p.ID, p.Owner) != nil {
			// Another merchant's order under the same key and reference
			// (a platform key): not this merchant's to recover.
			continue
		}
		if err := w.checkRead(p.ID, p); err != nil {
			return nil, w.finish(op, err)
		}
		out = append(out, p)
	}
	// Newest first, whatever order the provider listed them in: the newest
	// is the one a crashed CreatePayment most likely made.
	slices.SortStableFunc(out, func(a, b *qpay.Payment) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}
