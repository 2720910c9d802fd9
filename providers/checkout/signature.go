package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// SignatureHeader is the header in which Checkout.com sends a webhook's
// signature.
const SignatureHeader = "Cko-Signature"

// Signature computes the Cko-Signature of a webhook body: the lower-case hex
// HMAC-SHA256 of the raw body bytes, keyed with the webhook's secret. It is
// the one place the recipe lives: the adapter verifies with it and qpaytest
// signs with it.
func Signature(webhookSecret qpay.Secret, body []byte) string {
	return hex.EncodeToString(driver.HMACSHA256(webhookSecret, body))
}

// verifySignature checks the Cko-Signature header against the raw body in
// constant time, with every secret of keys valid at now, and says which one
// signed it. The header is hex-decoded first, so that its case does not
// matter (Checkout does not state it).
func verifySignature(keys driver.Keyring, now time.Time, header string, body []byte) (qpay.SigningKey, error) {
	if header == "" {
		return "", &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "no " + SignatureHeader + " header"}
	}
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return "", &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header is not a hex HMAC-SHA256"}
	}
	by, ok := keys.Verify(now, got, func(secret qpay.Secret) []byte { return driver.HMACSHA256(secret, body) })
	if !ok {
		return "", &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header does not match the body"}
	}
	return by, nil
}
