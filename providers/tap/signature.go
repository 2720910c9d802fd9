package tap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// SignatureHeader is the header in which Tap sends a webhook's signature.
const SignatureHeader = "hashstring"

// Hashstring computes the signature Tap sends in the hashstring header of a
// webhook delivering body (a charge or a refund object), as Tap documents
// it: the lower-case hex HMAC-SHA256, keyed with the account's secret API
// key, of
//
//	"x_id" + id + "x_amount" + amount + "x_currency" + currency +
//	"x_gateway_reference" + reference.gateway +
//	"x_payment_reference" + reference.payment +
//	"x_status" + status + "x_created" + created
//
// where amount has exactly the currency's decimals (QAR 1 is "1.00", KWD
// 1.5 is "1.500"), a missing field is the empty string, and created is
// transaction.created for a charge and the top-level created for a refund.
//
// The refund recipe is Tap's PHP sample; Tap shows no real refund delivery
// (UNCONFIRMED, see the package documentation). This is the one place the
// recipe lives: the adapter verifies with it and qpaytest signs with it.
func Hashstring(secretKey qpay.Secret, body []byte) (string, error) {
	var o signedObject
	if err := json.Unmarshal(body, &o); err != nil {
		return "", fmt.Errorf("tap: webhook body is not a charge or refund object: %w", err)
	}
	sum, err := o.hashstring(secretKey)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

// signedObject is what the hashstring covers of a charge or refund object.
type signedObject struct {
	ID        string         `json:"id"`
	Object    string         `json:"object"`
	Amount    money.Number   `json:"amount"`
	Currency  string         `json:"currency"`
	Status    string         `json:"status"`
	Created   transport.Text `json:"created"`
	Reference struct {
		Gateway transport.Text `json:"gateway"`
		Payment transport.Text `json:"payment"`
	} `json:"reference"`
	Transaction struct {
		Created transport.Text `json:"created"`
	} `json:"transaction"`
}

// hashstring is the raw HMAC-SHA256 of the signed string: the recipe of
// Hashstring, on fields already decoded.
func (o *signedObject) hashstring(secretKey qpay.Secret) ([]byte, error) {
	msg, err := o.signedString()
	if err != nil {
		return nil, err
	}
	return driver.HMACSHA256(secretKey, msg), nil
}

// signedString is the string the hashstring signs, built once however many
// keys it is checked against.
func (o *signedObject) signedString() ([]byte, error) {
	amount, err := money.New(o.Amount.Decimal(), o.Currency)
	if err != nil {
		return nil, fmt.Errorf("tap: webhook amount: %w", err)
	}
	created := o.Transaction.Created
	if objectType(o.Object, o.ID) == objectRefund {
		created = o.Created
	}
	fields := [...][2]string{
		{"x_id", o.ID},
		{"x_amount", amount.Fixed()},
		{"x_currency", o.Currency},
		{"x_gateway_reference", string(o.Reference.Gateway)},
		{"x_payment_reference", string(o.Reference.Payment)},
		{"x_status", o.Status},
		{"x_created", string(created)},
	}
	n := 0
	for _, kv := range fields {
		n += len(kv[0]) + len(kv[1])
	}
	// Sized once: the string is hashed, never kept.
	msg := make([]byte, 0, n)
	for _, kv := range fields {
		msg = append(append(msg, kv[0]...), kv[1]...)
	}
	return msg, nil
}

// The objects Tap posts to a post.url that qpay understands.
const (
	objectCharge = "charge"
	objectRefund = "refund"
)

// objectType names the kind of a Tap object. The ID is signed and the
// "object" field is not, so the ID's prefix (chg_, re_) decides, and an
// "object" that contradicts it, or claims a charge or refund for an ID of
// neither shape, makes the body of no known kind (""): a relabelled body
// must not turn a signed charge into a refund or back. Objects of other
// kinds (an invoice, an authorize) keep their "object" word. The signature
// recipe and the webhook decoder both ask it, so they can never disagree on
// whether a body is a refund (whose x_created is the top-level created).
func objectType(object, id string) string {
	var byID string
	switch {
	case strings.HasPrefix(id, "chg_"):
		byID = objectCharge
	case strings.HasPrefix(id, "re_"):
		byID = objectRefund
	}
	switch {
	case object == "":
		return byID
	case object == byID:
		return object
	case byID != "" || object == objectCharge || object == objectRefund:
		return ""
	}
	return object
}

// verifySignature checks the hashstring header against body in constant
// time, with every key of keys valid at now. Hex case is ignored: Tap's
// examples are lower case, and decoding first compares the bytes, not their
// spelling.
func verifySignature(keys driver.Keyring, now time.Time, header string, body []byte) (qpay.SigningKey, error) {
	got, err := headerSignature(header)
	if err != nil {
		return "", err
	}
	var o signedObject
	if err := json.Unmarshal(body, &o); err != nil {
		return "", cannotSign(fmt.Errorf("tap: webhook body is not a charge or refund object: %w", err))
	}
	return checkSignature(keys, now, got, &o)
}

// headerSignature reads the hashstring header: 32 bytes in hex.
func headerSignature(header string) ([]byte, error) {
	if header == "" {
		return nil, &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "no " + SignatureHeader + " header"}
	}
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return nil, &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header is not a hex HMAC-SHA256"}
	}
	return got, nil
}

// checkSignature compares the header's signature with o's under each key,
// in constant time, and says which key signed it.
func checkSignature(keys driver.Keyring, now time.Time, got []byte, o *signedObject) (qpay.SigningKey, error) {
	msg, err := o.signedString()
	if err != nil {
		return "", cannotSign(err)
	}
	by, ok := keys.Verify(now, got, func(k qpay.Secret) []byte { return driver.HMACSHA256(k, msg) })
	if !ok {
		return "", &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "the " + SignatureHeader + " header does not match the body"}
	}
	return by, nil
}

func cannotSign(err error) error {
	return &qpay.Error{Kind: qpay.KindInvalidSignature, Message: "cannot compute the signature of this body", Err: err}
}
