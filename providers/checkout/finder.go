package checkout

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

var _ driver.Finder = (*adapter)(nil)

// Bounds of one search by reference: Checkout's largest page, and enough
// pages for every retry an order could plausibly have.
const (
	listPageSize = 100
	maxListPages = 10
)

// paymentList is Checkout's answer to GET /payments?reference=..., newest
// first. Each payment is kept raw so that Payment.Raw is its own body.
type paymentList struct {
	Limit      int               `json:"limit"`
	Skip       int               `json:"skip"`
	TotalCount *int              `json:"total_count"`
	Data       []json.RawMessage `json:"data"`
}

// PaymentsByReference implements driver.Finder with Checkout's payment
// list, GET /payments?reference=&limit=&skip= ("Get a list of payments",
// documented by Checkout, not in its bundled OpenAPI document).
func (a *adapter) PaymentsByReference(ctx context.Context, reference string) ([]*qpay.Payment, error) {
	var out []*qpay.Payment
	for page := range maxListPages {
		q := url.Values{"reference": {reference}, "limit": {strconv.Itoa(listPageSize)}, "skip": {strconv.Itoa(page * listPageSize)}}
		var list paymentList
		resp, err := a.http.DoJSON(ctx, transport.Request{
			Op:     qpay.OpFindPayments,
			Method: http.MethodGet,
			Path:   "/payments?" + q.Encode(),
		}, &list)
		if err != nil {
			return nil, err
		}
		if list.Data == nil || list.TotalCount == nil {
			// Read as "none", an answer of another shape could have the
			// merchant create a second payment for the order.
			return nil, &qpay.Error{Kind: qpay.KindProtocol, HTTPStatus: resp.Status,
				Message: "Checkout's payment list answered without data and total_count"}
		}
		for _, raw := range list.Data {
			var pr paymentResponse
			if err := json.Unmarshal(raw, &pr); err != nil {
				return nil, &qpay.Error{Kind: qpay.KindProtocol, HTTPStatus: resp.Status,
					Message: "cannot decode a payment in Checkout's payment list", Err: err}
			}
			p, err := toPayment(&pr, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		if len(list.Data) == 0 || (page+1)*listPageSize >= *list.TotalCount {
			return out, nil
		}
	}
	return nil, &qpay.Error{Kind: qpay.KindUnsupported,
		Message: fmt.Sprintf("more than %d payments under reference %q; cannot tell which is the order's", maxListPages*listPageSize, reference)}
}
