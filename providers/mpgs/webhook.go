package mpgs

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
)

// The headers of a webhook notification.
const (
	// SecretHeader carries the merchant's notification secret, as is: the
	// gateway signs nothing.
	SecretHeader = "X-Notification-Secret"
	// NotificationIDHeader identifies a notification.
	NotificationIDHeader = "X-Notification-Id"
	// AttemptHeader counts the deliveries of a notification.
	AttemptHeader = "X-Notification-Attempt"
)

// maxNotificationIDLen bounds the X-Notification-Id qpay puts into an
// event ID (whose bound is 255 bytes).
const maxNotificationIDLen = 128

// ParseWebhook implements driver.Driver. The notification secret is
// compared in constant time before anything in the body is read. The
// secret authenticates the sender, not the body: anyone who has seen one
// delivery holds it. So the body is only a claim about an order, and the
// event is what the gateway's Retrieve Order says about that order
// (confirm), never what the body says.
func (a *adapter) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	// The portable layer has canonicalised the header map.
	if err := a.checkSecret(header[SecretHeader]); err != nil {
		return nil, err
	}
	nid, err := notificationID(header[NotificationIDHeader])
	if err != nil {
		return nil, err
	}
	var n transactionAnswer
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, a.protocol(qpay.OpParseWebhook, 0, body, "cannot decode the notification", err)
	}
	if err := qpay.ValidateID(n.Order.ID); err != nil {
		return nil, a.protocol(qpay.OpParseWebhook, 0, body, "the notification's order.id "+err.Error(), nil)
	}
	if n.Transaction.ID != "" {
		if err := qpay.ValidateID(n.Transaction.ID); err != nil {
			return nil, a.protocol(qpay.OpParseWebhook, 0, body, "the notification's transaction.id "+err.Error(), nil)
		}
	}
	return a.confirm(ctx, nid, n.Order.ID, n.Transaction.ID)
}

// checkSecret compares the delivered secret with the configured one in
// time independent of both: over their SHA-256 digests, so that not even
// the length is leaked. Exactly one header value is accepted, and the
// comparison is exact (Mastercard's Java sample compares case-insensitively;
// qpay does not).
func (a *adapter) checkSecret(values []string) error {
	fail := func(msg string) error {
		return &qpay.Error{Provider: providerName, Op: qpay.OpParseWebhook, Kind: qpay.KindInvalidSignature, Message: msg}
	}
	switch len(values) {
	case 0:
		return fail("no " + SecretHeader + " header")
	case 1:
	default:
		return fail(fmt.Sprintf("%d %s headers", len(values), SecretHeader))
	}
	got := sha256.Sum256([]byte(values[0]))
	want := sha256.Sum256([]byte(a.webhookSecret.Reveal()))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return fail(SecretHeader + " does not match the configured notification secret")
	}
	return nil
}

// notificationID reads X-Notification-Id: at most one value, printable
// ASCII, bounded; "" when absent.
func notificationID(values []string) (string, error) {
	fail := func(msg string) (string, error) {
		return "", &qpay.Error{Provider: providerName, Op: qpay.OpParseWebhook, Kind: qpay.KindProtocol, Message: msg}
	}
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return fail(fmt.Sprintf("%d %s headers", len(values), NotificationIDHeader))
	}
	id := values[0]
	if len(id) > maxNotificationIDLen || strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return fail(fmt.Sprintf("%s %.40q is not 1 to %d printable ASCII characters", NotificationIDHeader, id, maxNotificationIDLen))
	}
	return id, nil
}

// confirm builds the event a notification about transaction txID of order
// orderID stands for, from the order read back over the authenticated API:
// which object the event is about (a refund if the gateway lists txID as a
// REFUND of the order, else the payment), its status, amount and
// reference. Nothing of the delivered body but the two IDs is used.
//
// It is the one place of the read-back, kept apart so that it can move to
// the portable layer's read-back (providers/internal/driver) unchanged in
// meaning.
//
// The event ID is "mpgs:<notification ID>:<order>:<transaction>:<status
// read back>": the same for every redelivery of a notification (Mastercard
// resends the same notification ID, likely), and never the ID of a genuine
// event of another state, so that a forged delivery reusing or guessing a
// notification ID cannot shadow the gateway's real notification in a
// store's de-duplication. Without an X-Notification-Id it is
// "mpgs:<order>:<transaction>:<status read back>".
func (a *adapter) confirm(ctx context.Context, notificationID, orderID, txID string) (*qpay.WebhookEvent, error) {
	const op = qpay.OpParseWebhook
	o, err := a.readOrder(ctx, op, orderID)
	if err != nil {
		var e *qpay.Error
		if errors.As(err, &e) {
			e.Message = fmt.Sprintf("reading back order %s to confirm the notification: %s", orderID, e.Message)
		}
		return nil, err
	}
	if o.answer.ID != orderID {
		return nil, &qpay.Error{Provider: providerName, Op: op, Kind: qpay.KindIntegrity,
			Message: fmt.Sprintf("the notification is about order %s, the gateway answered with order %s", orderID, o.answer.ID)}
	}
	id := func(txID, rawStatus string) string {
		parts := []string{"mpgs", orderID, txID, rawStatus}
		if notificationID != "" {
			parts = append([]string{"mpgs", notificationID}, parts[1:]...)
		}
		return strings.Join(parts, ":")
	}
	if t := o.answer.transaction(txID); t != nil && t.Transaction.Type == typeRefund {
		r, err := a.refundOf(op, o.status, o.body, orderID, t)
		if err != nil {
			return nil, err
		}
		return &qpay.WebhookEvent{
			ID:        id(r.ID, r.RawStatus),
			Type:      qpay.EventRefund,
			RawType:   typeRefund,
			PaymentID: r.PaymentID,
			Refund:    r,
		}, nil
	}
	p, err := a.orderPayment(op, o)
	if err != nil {
		return nil, err
	}
	payTx := paymentTransactionID
	if t := o.answer.payment(); t != nil {
		payTx = t.Transaction.ID
	}
	return &qpay.WebhookEvent{
		ID:        id(payTx, p.RawStatus),
		Type:      qpay.EventPayment,
		RawType:   typePayment,
		PaymentID: p.ID,
		Payment:   p,
	}, nil
}
