package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

var (
	_ driver.Finder   = (*adapter)(nil)
	_ driver.KeyEnder = (*adapter)(nil)
)

// PaymentsByReference implements driver.Finder with Tap's charge list
// (the UNCONFIRMED parts are in lists.go): the charges of the last
// findLookback whose reference.transaction or reference.order is
// reference.
func (a *adapter) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	const op = qpay.OpFindPayments
	now := a.now()
	req := chargeListRequest{
		Period:    period{Date: dateRange{From: now.Add(-findLookback).UnixMilli(), To: now.Add(listSlack).UnixMilli()}},
		Reference: listReference{Transaction: reference, Order: reference},
		Limit:     refundPageSize,
	}
	var out []*qpay.Payment
	for range maxChargePages {
		var page chargeList
		resp, err := a.http.DoJSON(ctx, transport.Request{Op: op, Method: http.MethodPost, Path: "/v2/charges/list", Body: req}, &page)
		switch {
		case err != nil:
			return nil, err
		case page.Charges == nil || (page.Object != "" && page.Object != "list"):
			// Read as "none", an answer of another shape could have the
			// merchant create a second payment for the order.
			return nil, a.protocol(op, resp.Status, resp.Body, "Tap's charge list answered without a charges array", nil)
		}
		last := ""
		for _, raw := range page.Charges {
			var c charge
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, a.protocol(op, resp.Status, raw, "cannot decode a charge in Tap's charge list", err)
			}
			last = c.ID
			if string(c.Reference.Transaction) != reference && string(c.Reference.Order) != reference {
				continue
			}
			p, err := a.chargePayment(op, resp.Status, raw, &c)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		if !page.HasMore || last == "" || last == req.StartingAfter {
			return out, nil
		}
		req.StartingAfter = last
	}
	return nil, &qpay.Error{Provider: providerName, Op: op, Kind: qpay.KindUnsupported,
		Message: fmt.Sprintf("Tap's charge list has more than %d pages for reference %q; cannot tell which charge is the order's", maxChargePages, reference)}
}
