package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
)

// ParseWebhook implements driver.Driver. Tap posts the charge or refund
// object itself, signed in the hashstring header; the signature is checked
// before anything in the body is believed.
func (a *adapter) ParseWebhook(_ context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	if err := verifySignature(a.key, headerValue(header, SignatureHeader), body); err != nil {
		return nil, err
	}
	var head struct {
		ID     string `json:"id"`
		Object string `json:"object"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, a.protocol(qpay.OpParseWebhook, 0, body, "cannot decode the webhook body", err)
	}
	switch kind := objectType(head.Object, head.ID); kind {
	case objectCharge:
		p, _, err := a.decodeCharge(qpay.OpParseWebhook, 0, body)
		if err != nil {
			return nil, err
		}
		return &qpay.WebhookEvent{
			ID:        eventID(p.ID, p.RawStatus),
			Type:      qpay.EventPayment,
			RawType:   kind,
			PaymentID: p.ID,
			Payment:   p,
		}, nil
	case objectRefund:
		r, err := a.decodeRefund(qpay.OpParseWebhook, 0, body)
		if err != nil {
			return nil, err
		}
		return &qpay.WebhookEvent{
			ID:        eventID(r.ID, r.RawStatus),
			Type:      qpay.EventRefund,
			RawType:   kind,
			PaymentID: r.PaymentID,
			Refund:    r,
		}, nil
	default:
		// An authorize or invoice object: signed by Tap, of no use to QPay.
		return nil, &qpay.Error{Provider: providerName, Op: qpay.OpParseWebhook, Kind: qpay.KindUnsupported,
			Message: fmt.Sprintf("Tap webhook for object %.40q (id %.40q), not a charge or a refund", head.Object, head.ID)}
	}
}

// eventID derives the event ID Tap does not send. Tap posts once per final
// state and retries the same body, so (object, status) is stable across
// redeliveries and distinct between a charge's and a refund's updates.
func eventID(id, rawStatus string) string {
	return "tap:" + id + ":" + rawStatus
}

// headerValue returns the first value of header name, matching the name
// without regard to case even in a map that was filled by hand rather than
// through http.Header's canonicalising methods.
func headerValue(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
