package mpgs

import (
	"context"
	"crypto/sha256"
	"encoding/json"
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
// event ID (whose bound is 255 bytes, with two gateway IDs of at most 40
// and a status).
const maxNotificationIDLen = 128

// maxGatewayID is the gateway's limit on order and transaction IDs.
const maxGatewayID = 40

// ParseWebhook implements driver.Driver. The notification secret is
// compared in constant time before anything in the body is read. The
// secret authenticates the sender, not the body: anyone who has seen one
// delivery holds it. So the event returned here is only the delivery's
// claim about a transaction of an order (a REFUND transaction is a refund
// event, anything else the order's payment), and the portable layer reads
// the payment or refund back and takes every fact from the gateway
// (WebhookSignature covers nothing).
func (a *adapter) ParseWebhook(_ context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	const op = qpay.OpParseWebhook
	// The portable layer has canonicalised the header map.
	by, err := a.checkSecret(header[SecretHeader])
	if err != nil {
		return nil, err
	}
	nid, err := notificationID(header[NotificationIDHeader])
	if err != nil {
		return nil, err
	}
	var n transactionAnswer
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, a.protocol(op, 0, body, "cannot decode the notification", err)
	}
	for _, id := range []struct{ what, v string }{{"order.id", n.Order.ID}, {"transaction.id", n.Transaction.ID}} {
		if err := gatewayID(id.v); err != nil {
			return nil, a.protocol(op, 0, body, "the notification's "+id.what+" "+err.Error(), nil)
		}
	}
	eventID := strings.Join([]string{"mpgs", nid, n.Order.ID, n.Transaction.ID}, ":")
	if nid == "" {
		eventID = strings.Join([]string{"mpgs", n.Order.ID, n.Transaction.ID}, ":")
	}
	if n.Transaction.Type == typeRefund {
		r, err := a.refundOf(op, 0, body, n.Order.ID, &n)
		if err != nil {
			return nil, err
		}
		return &qpay.WebhookEvent{ID: eventID, Type: qpay.EventRefund, RawType: typeRefund, PaymentID: r.PaymentID, Refund: r, Verification: qpay.Verification{SignedBy: by}}, nil
	}
	p, err := a.transactionPayment(op, 0, body, &n)
	if err != nil {
		return nil, err
	}
	return &qpay.WebhookEvent{ID: eventID, Type: qpay.EventPayment, RawType: firstOf(n.Transaction.Type, typePayment), PaymentID: p.ID, Payment: p, Verification: qpay.Verification{SignedBy: by}}, nil
}

// WebhookSignature implements driver.Driver: the notification secret is no
// signature, so it covers no fact of an event, and the portable layer reads
// every payment (Retrieve Order) and refund (from its order) back before
// the event is returned. It also completes the event ID,
// "mpgs:<X-Notification-Id>:<order>:<transaction>", with the status read
// back: a redelivery de-duplicates on the notification ID, and a forgery
// with a replayed or guessed notification ID cannot take the ID of a
// genuine notification of another state.
func (a *adapter) WebhookSignature() qpay.Fields { return 0 }

// gatewayID accepts what an order or transaction ID of the gateway may be
// in qpay: 1 to 40 (the gateway's limit) letters, digits, '_' or '-'.
func gatewayID(id string) error {
	if err := qpay.ValidateID(id); err != nil {
		return err
	}
	if len(id) > maxGatewayID {
		return fmt.Errorf("is %d bytes, the gateway allows at most %d", len(id), maxGatewayID)
	}
	return nil
}

// checkSecret compares the delivered secret with the configured ones (the
// current one and those still inside their rotation window) in time
// independent of all of them: over their SHA-256 digests, so that not even
// the length is leaked, each compared whichever matches. Exactly one header
// value is accepted, and the comparison is exact (Mastercard's Java sample
// compares case-insensitively; qpay does not).
func (a *adapter) checkSecret(values []string) (qpay.SigningKey, error) {
	fail := func(msg string) (qpay.SigningKey, error) {
		return "", &qpay.Error{Provider: providerName, Op: qpay.OpParseWebhook, Kind: qpay.KindInvalidSignature, Message: msg}
	}
	switch len(values) {
	case 0:
		return fail("no " + SecretHeader + " header")
	case 1:
	default:
		return fail(fmt.Sprintf("%d %s headers", len(values), SecretHeader))
	}
	got := sha256.Sum256([]byte(values[0]))
	by, ok := a.keys.Verify(a.now(), got[:], func(secret qpay.Secret) []byte {
		want := sha256.Sum256([]byte(secret.Reveal()))
		return want[:]
	})
	if !ok {
		return fail(SecretHeader + " does not match the configured notification secret")
	}
	return by, nil
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
