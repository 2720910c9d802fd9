package driver

import (
	"errors"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// A CreatePayment whose idempotency key the call made (the caller passed
// none) and that failed without a clear answer may have made a payment
// under a key that dies with the call. Retrying it is a new call with a new
// key, which the provider takes for a new payment: the shopper may be
// charged twice. Such a failure is therefore never Retryable, whatever its
// kind says, and its message says what to do instead. Refunds need none of
// this: their key is derived from the refund's identity (RefundKey), so a
// new call sends the same key.

// ambiguousCreate reports whether a create that failed with kind k may
// have reached the provider and made a payment:
//   - KindNetwork: no answer came back; the request may have been processed.
//   - KindUnavailable: a 5xx; the provider may have made the payment before
//     failing.
//   - KindConflict: a request under this key is still being processed.
//   - KindRateLimited: a 429 refuses the attempt it answers, but the
//     transport retries 5xx and network failures with the same key, so a
//     429 may be the last answer of a call whose earlier attempt was
//     processed; the error does not say which, so it is taken as ambiguous.
//   - KindCanceled: the caller's context ended, perhaps after the request
//     was sent.
//
// Every other kind is the provider's clear refusal (4xx) or qpay's own
// (validation, integrity of the answer, which names the payment it made).
func ambiguousCreate(k qpay.Kind) bool {
	switch k {
	case qpay.KindNetwork, qpay.KindUnavailable, qpay.KindConflict, qpay.KindRateLimited, qpay.KindCanceled:
		return true
	}
	return false
}

// ambiguousCreateAdvice is appended to the message of such a failure.
const ambiguousCreateAdvice = "the payment may exist under this call's own idempotency key, so this call is not retryable: " +
	"find it by its reference first (qpay.Recover, qpay.PaymentFinder) before creating another, " +
	"and pass PaymentRequest.IdempotencyKey to make retries safe"

// markAmbiguousCreate makes err, the failure of a CreatePayment whose key
// the call generated, not retryable when it is ambiguous (ambiguousCreate),
// and says why in its message. Other errors are left as they are.
func markAmbiguousCreate(err error) {
	var e *qpay.Error
	if !errors.As(err, &e) || !ambiguousCreate(e.Kind) {
		return
	}
	e.Retryable = false
	transport.AddDetail(e, ambiguousCreateAdvice)
}
