package qpay

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind classifies an *Error so that callers can decide what to do without
// knowing which provider answered. A Kind is itself an error, so
//
//	errors.Is(err, qpay.KindDeclined)
//
// reports whether err (or anything it wraps) is an *Error of that kind.
type Kind uint8

// The kinds of failure a Provider reports.
const (
	// KindUnknown is a failure qpay could not classify.
	KindUnknown Kind = iota
	// KindInvalidRequest: the request was refused as malformed, by qpay's own
	// validation or by the provider (HTTP 400, 422). Fix the request.
	KindInvalidRequest
	// KindAuthentication: the key was missing, wrong or for the other
	// environment (HTTP 401).
	KindAuthentication
	// KindPermission: the account may not do this, e.g. QPay not enabled or
	// a refund not allowed (HTTP 403).
	KindPermission
	// KindNotFound: no such payment or refund (HTTP 404).
	KindNotFound
	// KindConflict: another request with the same idempotency key is still
	// being processed (HTTP 409). The transport waits such conflicts out
	// with the same key within HTTPOptions.CallTimeout, so this is seen only
	// when the bound ended first. Retrying later with the same key is safe;
	// a CreatePayment whose key was made by the call is then not retryable
	// (Error.Retryable false), since a new call would make a second payment
	// (the same holds for its network, 5xx, 429 and canceled failures: see
	// Error.Retryable).
	KindConflict
	// KindDeclined: the provider refused to move the money (a refund over the
	// balance, a declined payment reported as an error).
	KindDeclined
	// KindRateLimited: too many requests (HTTP 429).
	KindRateLimited
	// KindUnavailable: the provider failed (HTTP 5xx).
	KindUnavailable
	// KindNetwork: no answer came back (connection refused or reset, timeout).
	// The provider may or may not have acted.
	KindNetwork
	// KindCanceled: the caller's context ended before an answer.
	KindCanceled
	// KindInvalidSignature: a webhook's signature is missing or wrong.
	KindInvalidSignature
	// KindIntegrity: the provider's answer contradicts the request or the
	// stored payment (another amount, currency, reference or payment).
	KindIntegrity
	// KindProtocol: the provider's answer could not be understood (malformed
	// JSON, a required field missing).
	KindProtocol
	// KindUnsupported: the input is well-formed but qpay does not handle it,
	// e.g. a webhook event type with no bearing on QPay payments. Callers
	// usually acknowledge and ignore such webhooks.
	KindUnsupported
	// KindMethodMismatch: the merchant required QPay
	// (PaymentRequest.RequireQPay) and the shopper paid by another method
	// on the provider's hosted page. Payment.MethodError returns it; the
	// payment itself may be captured.
	KindMethodMismatch
	// KindForeignAccount: the provider's answer, or a genuine webhook,
	// concerns another merchant than the one the configuration names
	// (Payment.Owner differs from Tap's MerchantID or Checkout's
	// ProcessingChannelID), as when one Tap platform key serves several
	// merchants and a delivery of one is posted to another's endpoint. It
	// is never retryable: the object is not this merchant's, and
	// qpay.WebhookHandler acknowledges such a delivery without acting on
	// it.
	KindForeignAccount
)

var kindNames = [...]string{
	KindUnknown:          "unknown",
	KindInvalidRequest:   "invalid_request",
	KindAuthentication:   "authentication",
	KindPermission:       "permission",
	KindNotFound:         "not_found",
	KindConflict:         "conflict",
	KindDeclined:         "declined",
	KindRateLimited:      "rate_limited",
	KindUnavailable:      "unavailable",
	KindNetwork:          "network",
	KindCanceled:         "canceled",
	KindInvalidSignature: "invalid_signature",
	KindIntegrity:        "integrity",
	KindProtocol:         "protocol",
	KindUnsupported:      "unsupported",
	KindMethodMismatch:   "method_mismatch",
	KindForeignAccount:   "foreign_account",
}

// String returns the kind's snake_case name, e.g. "rate_limited".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error lets a Kind be the target of errors.Is. It returns the same text as
// String, because fmt prefers Error when it prints a Kind.
func (k Kind) Error() string { return k.String() }

// Retryable reports whether a later attempt of the same call (with the same
// idempotency key) may succeed for failures of this kind.
func (k Kind) Retryable() bool {
	switch k {
	case KindRateLimited, KindUnavailable, KindNetwork, KindConflict:
		return true
	}
	return false
}

// The operations named in Error.Op.
const (
	OpCreatePayment = "create_payment"
	OpGetPayment    = "get_payment"
	OpRefund        = "refund"
	OpParseWebhook  = "parse_webhook"
	OpGetRefund     = "get_refund"
	OpFindPayments  = "find_payments"
)

// Error is the one error type every Provider returns. It never holds a
// secret key: bodies and messages are redacted before they are stored here.
type Error struct {
	Provider   string // "tap", "checkout", or "" for qpay's own validation
	Op         string // one of the Op constants
	Kind       Kind
	HTTPStatus int    // 0 when no HTTP answer was received
	Code       string // the provider's error code(s), e.g. "1144" or "payee_not_onboarded"
	Message    string // the provider's or qpay's explanation
	RequestID  string // the provider's request ID (Checkout's Cko-Request-Id), for support tickets
	// Retryable says that a retry of the same call, with the same
	// idempotency key, may succeed. It is false for a CreatePayment whose
	// key the call generated and that failed ambiguously (KindNetwork,
	// KindUnavailable, KindConflict, KindRateLimited, KindCanceled): the
	// payment may exist, and a retry would carry a new key. Look it up by
	// reference (Recover) or pass PaymentRequest.IdempotencyKey.
	Retryable bool
	Body      []byte // the raw body of a failed response, whatever its shape (redacted)
	Err       error  // the underlying cause, if any (network error, context error, money error)
}

// Error renders everything a log line needs on one line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("qpay")
	if e.Provider != "" {
		b.WriteString(": ")
		b.WriteString(e.Provider)
	}
	if e.Op != "" {
		b.WriteString(" ")
		b.WriteString(e.Op)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	var details []string
	if e.HTTPStatus != 0 {
		details = append(details, "http "+strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != "" {
		details = append(details, "code "+e.Code)
	}
	if e.RequestID != "" {
		details = append(details, "request_id "+e.RequestID)
	}
	if len(details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(details, ", "))
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err, context.Canceled)
// and errors.Is(err, money.ErrTooPrecise) work through an *Error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is this error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Format makes %+v print the raw response body as well, for debugging; %v and
// %s print Error().
func (e *Error) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+') && len(e.Body) > 0:
		fmt.Fprintf(f, "%s\nbody: %s", e.Error(), e.Body)
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		_, _ = f.Write([]byte(e.Error()))
	}
}
