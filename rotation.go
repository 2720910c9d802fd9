package qpay

import "time"

// PreviousSecret is a webhook secret being rotated out: deliveries signed
// with it still verify until Until, and never after. For Tap it is the
// previous secret API key (Tap keys its hashstring with the API key); for
// Checkout.com the previous webhook secret. Only webhooks are verified with
// it: API calls always use the current key.
type PreviousSecret struct {
	Secret Secret
	// Until ends the rotation window. It is required: a previous secret
	// that verifies for ever is a key that was never rotated.
	Until time.Time
}

// SigningKey says which configured secret verified a webhook: never the
// secret itself.
type SigningKey string

// The secrets a webhook can be verified with.
const (
	// SignedByCurrent is the current secret (Tap's SecretKey, Checkout's
	// WebhookSecret).
	SignedByCurrent SigningKey = "current"
	// SignedByPrevious is a PreviousSecret, inside its rotation window. A
	// delivery signed so is genuine; it says the provider (or a retry of an
	// old delivery) still uses the old secret.
	SignedByPrevious SigningKey = "previous"
)
