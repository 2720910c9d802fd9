package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/qpay-go/qpay"
)

// ParseWebhook implements driver.Driver. Tap posts the charge or refund
// object itself, signed in the hashstring header; the signature is checked
// before anything in the body is believed.
//
// Tap signs fields of the object rather than its bytes, so the body is
// decoded to be verified. It is decoded once, into a webhookObject that
// holds both what the signature covers and what the charge and refund
// decoders read, and nothing decoded is used before the signature matches.
// A body that does not decode in one pass takes the step-by-step path
// (parseWebhookStepwise), which reports the fault exactly where it lies.
func (a *adapter) ParseWebhook(_ context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	// The portable layer has canonicalised the header map.
	sig := header.Get(SignatureHeader)
	got, err := headerSignature(sig)
	if err != nil {
		return nil, err
	}
	var o webhookObject
	if json.Unmarshal(body, &o) != nil {
		return a.parseWebhookStepwise(sig, body)
	}
	by, err := checkSignature(a.keys, a.now(), got, o.signed())
	if err != nil {
		return nil, err
	}
	switch kind := objectType(o.Object, o.ID); kind {
	case objectCharge:
		p, err := a.chargePayment(qpay.OpParseWebhook, 0, body, o.charge())
		if err != nil {
			return nil, err
		}
		return paymentEvent(kind, p, by), nil
	case objectRefund:
		r, err := a.refundOf(qpay.OpParseWebhook, 0, body, o.refund())
		if err != nil {
			return nil, err
		}
		return refundEvent(kind, r, by), nil
	default:
		return nil, unsupportedObject(o.Object, o.ID)
	}
}

// WebhookSignature implements driver.Driver. Tap's hashstring covers the
// object's id, amount, currency, status, created and Tap's own gateway and
// payment references: not a refund's charge_id, nor the merchant's order
// or refund reference, nor metadata. The portable layer therefore reads
// every charge (GET /v2/charges/{id}) and refund (GET /v2/refunds/{id}) back
// before the event is returned. The event ID (eventID) is built from signed
// fields only.
func (a *adapter) WebhookSignature() qpay.Fields {
	return qpay.FieldID | qpay.FieldAmount | qpay.FieldStatus
}

// parseWebhookStepwise verifies, then reads the object's kind, then decodes
// it as that kind, each from the body.
func (a *adapter) parseWebhookStepwise(sig string, body []byte) (*qpay.WebhookEvent, error) {
	by, err := verifySignature(a.keys, a.now(), sig, body)
	if err != nil {
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
		return paymentEvent(kind, p, by), nil
	case objectRefund:
		r, err := a.decodeRefund(qpay.OpParseWebhook, 0, body)
		if err != nil {
			return nil, err
		}
		return refundEvent(kind, r, by), nil
	default:
		return nil, unsupportedObject(head.Object, head.ID)
	}
}

func paymentEvent(kind string, p *qpay.Payment, by qpay.SigningKey) *qpay.WebhookEvent {
	return &qpay.WebhookEvent{
		ID:           eventID(p.ID, p.RawStatus),
		Type:         qpay.EventPayment,
		RawType:      kind,
		PaymentID:    p.ID,
		Payment:      p,
		Verification: qpay.Verification{SignedBy: by},
	}
}

func refundEvent(kind string, r *qpay.Refund, by qpay.SigningKey) *qpay.WebhookEvent {
	return &qpay.WebhookEvent{
		ID:           eventID(r.ID, r.RawStatus),
		Type:         qpay.EventRefund,
		RawType:      kind,
		PaymentID:    r.PaymentID,
		Refund:       r,
		Verification: qpay.Verification{SignedBy: by},
	}
}

// unsupportedObject is the answer for an authorize or invoice object:
// signed by Tap, of no use to QPay.
func unsupportedObject(object, id string) error {
	return &qpay.Error{Provider: providerName, Op: qpay.OpParseWebhook, Kind: qpay.KindUnsupported,
		Message: fmt.Sprintf("Tap webhook for object %.40q (id %.40q), not a charge or a refund", object, id)}
}

// eventID derives the event ID Tap does not send. Tap posts once per final
// state and retries the same body, so (object, status) is stable across
// redeliveries and distinct between a charge's and a refund's updates.
func eventID(id, rawStatus string) string {
	return "tap:" + id + ":" + rawStatus
}
