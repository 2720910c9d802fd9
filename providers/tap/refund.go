package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// Bounds of one read-back of a charge's refunds through the refund list.
const (
	refundPageSize = 50 // Tap's maximum page size
	maxRefundPages = 20
	// listSlack extends the period past "now" so that a refund stamped by a
	// clock ahead of ours is still listed.
	listSlack = 24 * time.Hour
)

// PaymentForRefund implements driver.Driver: the charge and its refunds,
// which the portable layer adds up (Tap's charge reports no total).
func (a *adapter) PaymentForRefund(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	p, _, err := a.getCharge(ctx, qpay.OpRefund, id)
	if err != nil || p.Status != status.Captured {
		// Anything but a capture is refused by the portable layer before
		// any refund request, so its refunds need not be read.
		return p, nil, err
	}
	refunds, complete, err := a.chargeRefunds(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if !complete {
		// Without every refund, neither the refundable amount nor the
		// search by reference can be trusted: refuse rather than risk a
		// second refund.
		return nil, nil, &qpay.Error{Provider: providerName, Op: qpay.OpRefund, Kind: qpay.KindUnsupported,
			Message: fmt.Sprintf("charge %s has more refunds than %d pages of Tap's refund list; cannot tell what was refunded", p.ID, maxRefundPages)}
	}
	return p, refunds, nil
}

// Refund implements driver.Driver.
//
// Tap's reference.idempotent already makes a resend within 24 hours return
// the first refund. Because a duplicated refund loses money, qpay does not
// lean on that alone: a resend after an ambiguous failure (no answer, or a
// 5xx) first reads the charge's refunds back. (The portable layer adds the
// rest: a refund whose reference the charge already has is returned instead
// of being made again, and so is one found after a call that failed
// ambiguously.)
func (a *adapter) Refund(ctx context.Context, req qpay.RefundRequest, p *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error) {
	reason := req.Reason
	if reason == "" {
		reason = defaultRefundReason
	}
	body := refundRequest{
		ChargeID:  p.ID,
		Amount:    json.Number(req.Amount.Fixed()),
		Currency:  req.Amount.Currency(),
		Reason:    reason,
		Reference: refundReference{Merchant: req.Reference, Idempotent: req.IdempotencyKey},
		Metadata:  req.Metadata,
		// The portable layer has shared the refund out between the
		// charge's destinations (doc.go, "Marketplace splits").
		Destinations: newDestinations(shares),
	}
	if u := p.WebhookURL; u != "" {
		// Tap posts a refund's webhook to the refund's own post.url; the
		// charge's is where the merchant receives Tap's webhooks.
		body.Post = &link{URL: u}
	}

	var found *qpay.Refund
	resp, err := a.http.Do(ctx, transport.Request{
		Op:             qpay.OpRefund,
		Method:         http.MethodPost,
		Path:           "/v2/refunds",
		Body:           body,
		IdempotencyKey: req.IdempotencyKey,
		Reconcile: func(ctx context.Context) (bool, error) {
			r, complete, err := a.findRefund(ctx, p, req.Reference)
			switch {
			case err != nil:
				return false, err
			case r != nil:
				found = r
				return true, nil
			case !complete:
				return false, fmt.Errorf("charge %s has more refunds than %d pages of the refund list; cannot tell whether refund %q was made", p.ID, maxRefundPages, req.Reference)
			}
			return false, nil
		},
	})
	switch {
	case err != nil:
		return nil, err
	case resp.Reconciled:
		return found, nil
	}
	return a.decodeRefund(qpay.OpRefund, resp.Status, resp.Body)
}

// GetRefund implements driver.Driver with GET /v2/refunds/{id}, which
// finds a refund by its own ID; the refund names its charge (charge_id),
// which the portable layer checks.
func (a *adapter) GetRefund(ctx context.Context, _, refundID string) (*qpay.Refund, error) {
	resp, err := a.http.Do(ctx, transport.Request{
		Op:     qpay.OpGetRefund,
		Method: http.MethodGet,
		Path:   "/v2/refunds/" + url.PathEscape(refundID),
	})
	if err != nil {
		return nil, err
	}
	return a.decodeRefund(qpay.OpGetRefund, resp.Status, resp.Body)
}

// findRefund looks for the refund of charge p whose merchant reference is
// reference. complete is false when the list was cut at maxRefundPages.
func (a *adapter) findRefund(ctx context.Context, p *qpay.Payment, reference string) (r *qpay.Refund, complete bool, err error) {
	refunds, complete, err := a.chargeRefunds(ctx, p)
	if err != nil {
		return nil, false, err
	}
	for _, r := range refunds {
		if r.Reference == reference {
			return r, complete, nil
		}
	}
	return nil, complete, nil
}

// chargeRefunds reads the refunds of charge p back through the refund list
// (UNCONFIRMED endpoint, see the package documentation), filtered by the
// undocumented charges field (lists.go). Where Tap honours it, one page
// holds the charge's refunds; where it does not, every refund since the
// charge was created is paged through, as the filter by period is the
// documented one, and those of other charges are dropped here either way.
func (a *adapter) chargeRefunds(ctx context.Context, p *qpay.Payment) (refunds []*qpay.Refund, complete bool, err error) {
	var from int64
	if !p.CreatedAt.IsZero() {
		from = p.CreatedAt.UnixMilli()
	}
	req := refundListRequest{
		Period:  period{Date: dateRange{From: from, To: a.now().Add(listSlack).UnixMilli()}},
		Charges: chargesFilter(p.ID),
		Limit:   refundPageSize,
	}
	for range maxRefundPages {
		var page refundList
		resp, err := a.http.DoJSON(ctx, transport.Request{
			Op:     qpay.OpRefund,
			Method: http.MethodPost,
			Path:   "/v2/refunds/list",
			Body:   req,
		}, &page)
		if req.Charges != nil && chargesFilterRefused(err) {
			// The page is asked again, unfiltered; the refused request
			// counts as a page, which keeps the loop bounded.
			req.Charges = nil
			continue
		}
		var e *qpay.Error
		switch {
		case errors.As(err, &e) && e.Kind == qpay.KindNotFound:
			// The charge was just read; a 404 here says the list endpoint
			// is not what Tap serves (UNCONFIRMED), not that it is gone.
			e.Kind, e.Retryable = qpay.KindProtocol, false
			e.Message = "Tap's refund list (POST /v2/refunds/list) answered 404: " + e.Message
			return nil, false, e
		case err != nil:
			return nil, false, err
		case page.Refunds == nil || (page.Object != "" && page.Object != "list"):
			// An answer of another shape must not read as "no refunds":
			// that would let a second refund through.
			return nil, false, a.protocol(qpay.OpRefund, resp.Status, resp.Body,
				"Tap's refund list answered without a refunds array; cannot tell what was refunded", nil)
		}
		last := ""
		for _, raw := range page.Refunds {
			// Most entries decode as a whole at once; one that does not is
			// read as before, head first, so that a malformed refund of
			// another charge is still skipped rather than fatal.
			var rf refund
			if json.Unmarshal(raw, &rf) == nil {
				last = rf.ID
				if rf.ChargeID != p.ID {
					continue
				}
				r, err := a.refundOf(qpay.OpRefund, resp.Status, raw, &rf)
				if err != nil {
					return nil, false, err
				}
				refunds = append(refunds, r)
				continue
			}
			var head struct {
				ID       string `json:"id"`
				ChargeID string `json:"charge_id"`
			}
			if err := json.Unmarshal(raw, &head); err != nil {
				return nil, false, a.protocol(qpay.OpRefund, resp.Status, raw, "cannot decode a refund in Tap's refund list", err)
			}
			last = head.ID
			if head.ChargeID != p.ID {
				continue
			}
			r, err := a.decodeRefund(qpay.OpRefund, resp.Status, raw)
			if err != nil {
				return nil, false, err
			}
			refunds = append(refunds, r)
		}
		// Stop on the last page, and on a page that would not move the
		// cursor, which would otherwise be asked for again and again.
		if !page.HasMore || last == "" || last == req.StartingAfter {
			return refunds, true, nil
		}
		req.StartingAfter = last
	}
	return refunds, false, nil
}

// decodeRefund turns a refund object into a Refund whose Raw is body.
func (a *adapter) decodeRefund(op string, httpStatus int, body []byte) (*qpay.Refund, error) {
	var rf refund
	if err := json.Unmarshal(body, &rf); err != nil {
		return nil, a.protocol(op, httpStatus, body, "cannot decode Tap's refund object", err)
	}
	return a.refundOf(op, httpStatus, body, &rf)
}

// refundOf turns a decoded refund object, whose body is body, into a
// Refund whose Raw is body.
func (a *adapter) refundOf(op string, httpStatus int, body []byte, rf *refund) (*qpay.Refund, error) {
	amount, err := a.amount(op, httpStatus, body, "refund "+rf.ID, rf.Amount, rf.Currency)
	if err != nil {
		return nil, err
	}
	st := refundStatus(rf.Status)
	r := &qpay.Refund{
		Owner:     rf.Merchant.owner(),
		Provider:  providerName,
		ID:        rf.ID,
		PaymentID: rf.ChargeID,
		Status:    st,
		RawStatus: rf.Status,
		Amount:    amount,
		Reference: string(rf.Reference.Merchant),
		CreatedAt: epochMillis(rf.Created),
		Raw:       body,
	}
	if r.Splits, err = a.splitsOf(op, httpStatus, body, rf.Destinations); err != nil {
		return nil, err
	}
	if st == status.RefundFailed || st == status.RefundUnknown {
		r.FailureCode = string(rf.Response.Code)
		r.FailureMessage = rf.Response.Message
	}
	return r, nil
}
