package checkout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// event is a webhook delivery: Checkout's event envelope. Both the
// previous platform's (version "2.0") and the current platform's (version
// "1.0.x", with balances and event_links) read the same way here.
type event struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// eventData is the payment or action an event is about. For refund events
// action_id is the refund and amount the refund's amount.
type eventData struct {
	ID              string                     `json:"id"`
	ActionID        string                     `json:"action_id"`
	Amount          *money.MinorUnits          `json:"amount"`
	Currency        string                     `json:"currency"`
	Reference       string                     `json:"reference"`
	Status          string                     `json:"status"`
	ResponseCode    transport.Text             `json:"response_code"`
	ResponseSummary transport.Text             `json:"response_summary"`
	ProcessedOn     string                     `json:"processed_on"`
	Source          *responseSource            `json:"source"`
	Metadata        map[string]json.RawMessage `json:"metadata"`
	Balances        *balances                  `json:"balances"`
	Channel         channel                    `json:"processing_channel_id"` // owner.go
}

// onePassEvent is an event with its data decoded in the same pass.
type onePassEvent struct {
	ID   string     `json:"id"`
	Type string     `json:"type"`
	Data *eventData `json:"data"`
}

// decodeOnePass decodes body's envelope and data at once, which scans the
// body once instead of twice (envelope, then data). It returns nil, and
// the caller decodes step by step, unless the result is certainly what the
// two steps give: the body decodes, its data is present and not null, and
// it has one "data" member only. A repeated member would be merged into
// one eventData here, where event.Data keeps the last; member names match
// without regard to case and may be written with \u escapes, so any other
// spelling of `"data"` in the body, or any \u escape, also means nil.
func decodeOnePass(body []byte) *onePassEvent {
	if bytes.Contains(body, []byte(`\u`)) || countDataNames(body) != 1 {
		return nil
	}
	var e onePassEvent
	if json.Unmarshal(body, &e) != nil || e.Data == nil {
		return nil
	}
	return &e
}

// countDataNames counts the spellings of `"data"` in b, in any ASCII case
// (the only letters that fold to d, a and t).
func countDataNames(b []byte) int {
	n := 0
	for i := 0; i+6 <= len(b); i++ {
		if b[i] == '"' && b[i+5] == '"' && bytes.EqualFold(b[i+1:i+5], []byte("data")) {
			n++
		}
	}
	return n
}

// WebhookSignature implements driver.Driver: Cko-Signature is the HMAC of
// the raw body, so every fact of an event is signed and nothing needs
// reading back.
func (a *adapter) WebhookSignature() qpay.Fields { return qpay.AllFields }

// ParseWebhook verifies the delivery before decoding any of it: the
// Cko-Signature first, then the configured Authorization header if any.
// Only then is the body decoded. An event type with no bearing on QPay is
// an error of kind qpay.KindUnsupported, for the caller to acknowledge and
// ignore.
func (a *adapter) ParseWebhook(_ context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	return a.parseWebhook(header, body, true)
}

// parseWebhook is ParseWebhook. With onePass, the envelope and its data
// are decoded together when decodeOnePass can tell that this reads what
// the step-by-step decoding reads; the tests compare both ways.
func (a *adapter) parseWebhook(header http.Header, body []byte, onePass bool) (*qpay.WebhookEvent, error) {
	by, err := verifySignature(a.webhookKeys, a.now(), header.Get(SignatureHeader), body)
	if err != nil {
		return nil, err
	}
	if !a.webhookAuth.IsZero() && !equalSecret(header.Get("Authorization"), a.webhookAuth) {
		return nil, &qpay.Error{Kind: qpay.KindInvalidSignature,
			Message: "the Authorization header is missing or is not the one configured for the webhook"}
	}

	var ev event
	var d *eventData
	var one *onePassEvent
	if onePass {
		one = decodeOnePass(body)
	}
	if one != nil {
		ev.ID, ev.Type, d = one.ID, one.Type, one.Data
	} else if err := json.Unmarshal(body, &ev); err != nil {
		return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: "the webhook body is not a Checkout event", Err: err}
	}
	if ev.ID == "" || ev.Type == "" {
		return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: "the webhook body has no event id or type"}
	}
	meaning, ok := eventTypes[ev.Type]
	if !ok {
		return nil, &qpay.Error{Kind: qpay.KindUnsupported,
			Message: fmt.Sprintf("event type %q (event %s) does not concern QPay payments; acknowledge and ignore it", ev.Type, ev.ID)}
	}
	// data is read only for the types qpay knows: other events (disputes,
	// card verifications) carry data of other shapes, which must not turn
	// an ignorable event into an error.
	if d == nil {
		d = &eventData{}
		if err := json.Unmarshal(ev.Data, d); err != nil {
			return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("event %s (%s) has unreadable data", ev.ID, ev.Type), Err: err}
		}
	}
	if d.Source != nil && d.Source.Type != "" && d.Source.Type != "qpay" && !hostedEvent(d.Metadata) {
		// Checkout sends one account's events for every payment method;
		// a card payment's capture is not a QPay payment's, unless qpay
		// made it on a hosted page (hosted.go).
		return nil, &qpay.Error{Kind: qpay.KindUnsupported,
			Message: fmt.Sprintf("event %s (%s) is for a %q payment, not QPay; acknowledge and ignore it", ev.ID, ev.Type, d.Source.Type)}
	}
	if d.Amount == nil {
		return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("event %s (%s) has no amount", ev.ID, ev.Type)}
	}
	amt, err := money.FromMinor(d.Amount.Int64(), d.Currency)
	if err != nil {
		return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("event %s (%s) has an unreadable amount", ev.ID, ev.Type), Err: err}
	}
	raw := json.RawMessage(body) // the portable layer's copy

	out := &qpay.WebhookEvent{ID: ev.ID, Type: meaning.kind, RawType: ev.Type, PaymentID: d.ID,
		Verification: qpay.Verification{SignedBy: by}}
	switch meaning.kind {
	case qpay.EventPayment:
		out.Payment, err = paymentFromEvent(ev.ID, ev.Type, d, meaning.payment, amt, raw)
	case qpay.EventRefund:
		out.Refund = refundFromEvent(ev.Type, d, meaning.refund, amt, raw)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// paymentFromEvent reads a payment event. The event type, not data.status,
// decides the status: data.status is optional and its values are the
// payment's, which the type already implies.
func paymentFromEvent(id, typ string, d *eventData, st status.Status, amt money.Money, raw json.RawMessage) (*qpay.Payment, error) {
	p := &qpay.Payment{
		ID:        d.ID,
		Owner:     d.Channel.owner(),
		Status:    st,
		RawStatus: d.Status,
		Amount:    amt,
		Reference: d.Reference,
		Metadata:  metadata(d.Metadata),
		Method:    methodOfSource(d.Source),
		Raw:       raw,
	}
	if p.RawStatus == "" {
		p.RawStatus = typ
	}
	if d.Balances != nil && d.Balances.TotalRefunded != nil {
		var err error
		if p.Refunded, err = money.FromMinor(d.Balances.TotalRefunded.Int64(), d.Currency); err != nil {
			return nil, &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("event %s has an unreadable refunded total", id), Err: err}
		}
	}
	if st.Failure() {
		p.FailureCode, p.FailureMessage = failureReason(d.Source, d.ResponseCode, d.ResponseSummary)
	}
	return p, nil
}

// refundFromEvent reads a refund event. UNCONFIRMED: whether data.reference
// is the refund's reference or the payment's; Checkout's examples reuse one
// value. qpay sends the refund's own reference with every refund and
// matches refunds on their action ID, which is unambiguous.
func refundFromEvent(typ string, d *eventData, st status.RefundStatus, amt money.Money, raw json.RawMessage) *qpay.Refund {
	r := &qpay.Refund{
		ID:        d.ActionID,
		Owner:     d.Channel.owner(),
		PaymentID: d.ID,
		Status:    st,
		RawStatus: typ,
		Amount:    amt,
		Reference: d.Reference,
		CreatedAt: parseTime(d.ProcessedOn),
		Raw:       raw,
	}
	if st == status.RefundFailed {
		r.FailureCode, r.FailureMessage = string(d.ResponseCode), string(d.ResponseSummary)
	}
	return r
}

// equalSecret compares in constant time. Hashing first makes the time
// independent of the lengths too.
func equalSecret(got string, want qpay.Secret) bool {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want.Reveal()))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}
