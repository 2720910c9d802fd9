package qpaytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/checkoutsim"
	"github.com/qpay-go/qpay/qpaytest/internal/tapsim"
)

// TapWebhook returns the headers of a Tap webhook delivering object (a
// charge or refund object, exactly the bytes that will be sent): the
// hashstring signature keyed with the account's secret key, and Tap's
// Content-Type and User-Agent. It fails when object is not a Tap object
// with an amount and a currency.
//
// Tap signs seven fields of the object only, so a Tap Provider reads the
// charge or refund back before returning the event: a test that parses a
// built delivery needs Tap's API to answer with the same object (Server
// and Fake answer for the objects they hold; see Server.Webhook).
func TapWebhook(secretKey qpay.Secret, object []byte) (http.Header, error) {
	return tapsim.WebhookHeader(secretKey, object)
}

// CheckoutWebhook returns the headers of a Checkout.com webhook delivering
// event (exactly the bytes that will be sent): Cko-Signature keyed with the
// webhook secret, and Content-Type. Add an Authorization header if the
// adapter is configured with a WebhookAuthorization.
func CheckoutWebhook(webhookSecret qpay.Secret, event []byte) http.Header {
	return checkoutsim.WebhookHeader(webhookSecret, event)
}

// NewWebhookRequest returns the POST a provider would make to url with
// header and body, for testing a merchant's webhook handler with
// httptest.NewRecorder or against a running server.
func NewWebhookRequest(ctx context.Context, url string, header http.Header, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("qpaytest: webhook request: %w", err)
	}
	if header != nil {
		req.Header = header.Clone()
	}
	return req, nil
}

// TapChargeJSON returns a Tap charge object, as Tap posts it to post.url,
// with the given ID (chg_...), raw status (CAPTURED, DECLINED, CANCELLED,
// ABANDONED, INITIATED or any other word Tap may send, such as TIMEDOUT),
// amount and merchant reference (reference.transaction and .order). Tap's
// response code and message match the status. Sign it with TapWebhook.
func TapChargeJSON(id, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	return tapsim.ChargeJSON(id, rawStatus, amount, reference)
}

// TapRefundJSON returns a Tap refund object, as Tap posts it to the
// refund's post.url, with the given ID (re_...), charge ID, raw status
// (PENDING, REFUNDED, DECLINED, ...), amount and refund reference
// (reference.merchant). Sign it with TapWebhook.
func TapRefundJSON(id, chargeID, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	return tapsim.RefundJSON(id, chargeID, rawStatus, amount, reference)
}

// CheckoutEventJSON returns a Checkout.com payment event (payment_captured,
// payment_declined, payment_canceled, payment_expired, payment_pending, or
// any other type, to test that it is ignored) for payment paymentID
// (pay_...) with the given amount and reference. Its evt_ ID is derived
// from the type and the payment, so building it twice gives the same event.
// Sign it with CheckoutWebhook.
func CheckoutEventJSON(eventType, paymentID string, amount money.Money, reference string) ([]byte, error) {
	return checkoutsim.EventJSON(eventType, paymentID, "", amount, reference)
}

// CheckoutRefundEventJSON returns a Checkout.com refund event
// (payment_refunded, payment_refund_declined or payment_refund_pending) for
// refund actionID (act_..., the refund's ID) of payment paymentID, with the
// refund's amount and reference. Sign it with CheckoutWebhook.
func CheckoutRefundEventJSON(eventType, paymentID, actionID string, amount money.Money, reference string) ([]byte, error) {
	if actionID == "" {
		return nil, errors.New("qpaytest: a refund event needs the refund's action ID")
	}
	return checkoutsim.EventJSON(eventType, paymentID, actionID, amount, reference)
}
