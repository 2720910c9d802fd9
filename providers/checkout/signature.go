package checkout

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/qpay-go/qpay"
)

// SignatureHeader is the header in which Checkout.com sends a webhook's
// signature.
const SignatureHeader = "Cko-Signature"

// Signature computes the Cko-Signature of a webhook body: the lower-case hex
// HMAC-SHA256 of the raw body bytes, keyed with the webhook's secret. It is
// the one place the recipe lives: the adapter verifies with it and qpaytest
// signs with it.
func Signature(webhookSecret qpay.Secret, body []byte) string {
	mac := hmac.New(sha256.New, []byte(webhookSecret.Reveal()))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// verifySignature checks the Cko-Signature header against the raw body in
// constant time, after hex-decoding it so that the header's hex case does
// not matter (Checkout does not state it).
func verifySignature(webhookSecret qpay.Secret, header string, body []byte) error {
	if header == "" {
		return &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "no " + SignatureHeader + " header"}
	}
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header is not a hex HMAC-SHA256"}
	}
	mac := hmac.New(sha256.New, []byte(webhookSecret.Reveal()))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header does not match the body"}
	}
	return nil
}
