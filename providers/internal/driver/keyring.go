package driver

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/qpay-go/qpay"
)

// HMACSHA256 is the HMAC-SHA256 of msg keyed with secret: the MAC of both
// providers' webhook signatures (Tap's hashstring over its signed string,
// Checkout's Cko-Signature over the raw body), written once so that no
// adapter reads a Secret's bytes for itself.
func HMACSHA256(secret qpay.Secret, msg []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret.Reveal()))
	mac.Write(msg)
	return mac.Sum(nil)
}

// Keyring holds the secrets that verify one account's webhooks: the
// current one, and the previous ones of a key rotation until their windows
// end. Both adapters verify through it, so that rotation works, and is
// reported, the same way for every provider.
type Keyring struct {
	current  qpay.Secret
	previous []qpay.PreviousSecret
	// end, when set, ends every secret, the current one included: the
	// keyring of a configuration that another has replaced (Ending).
	end time.Time
}

// Ending returns the keyring with every secret verifying only strictly
// before end, the current one included, which from then on reports
// SignedByPrevious: the keyring of a configuration replaced by another
// (providers.Registry), whose secrets are previous secrets like any other,
// within a window that ends. An earlier end already set stays.
func (k Keyring) Ending(end time.Time) Keyring {
	if k.end.IsZero() || end.Before(k.end) {
		k.end = end
	}
	return k
}

// NewKeyring returns the keyring of current and previous. It refuses an
// empty previous secret and one without the end of its window; field names
// the configuration field in the error, which never holds a secret.
func NewKeyring(field string, current qpay.Secret, previous []qpay.PreviousSecret) (Keyring, error) {
	for i, p := range previous {
		switch {
		case p.Secret.IsZero():
			return Keyring{}, fmt.Errorf("%s[%d] has no secret", field, i)
		case p.Until.IsZero():
			return Keyring{}, fmt.Errorf("%s[%d] has no end (Until): a rotation window must end", field, i)
		case p.Secret.Equal(current):
			return Keyring{}, fmt.Errorf("%s[%d] is the current secret", field, i)
		}
	}
	return Keyring{current: current, previous: append([]qpay.PreviousSecret(nil), previous...)}, nil
}

// Secrets returns every secret of the keyring, for redaction.
func (k Keyring) Secrets() []qpay.Secret {
	out := []qpay.Secret{k.current}
	for _, p := range k.previous {
		out = append(out, p.Secret)
	}
	return out
}

// Verify reports whether got is the MAC that mac computes with one of the
// secrets valid at now, and which. A previous secret is valid strictly
// before its Until. Every valid secret is tried, and compared in constant
// time, whichever matches: the time taken says nothing about which one
// did, and a forged delivery costs one MAC per secret, no more.
func (k Keyring) Verify(now time.Time, got []byte, mac func(secret qpay.Secret) []byte) (qpay.SigningKey, bool) {
	if !k.end.IsZero() && !now.Before(k.end) {
		return "", false // every secret has ended: no MAC to compute
	}
	matched := qpay.SigningKey("")
	if hmac.Equal(got, mac(k.current)) {
		matched = qpay.SignedByCurrent
		if !k.end.IsZero() {
			matched = qpay.SignedByPrevious
		}
	}
	for _, p := range k.previous {
		if !now.Before(p.Until) {
			continue
		}
		if hmac.Equal(got, mac(p.Secret)) && matched == "" {
			matched = qpay.SignedByPrevious
		}
	}
	return matched, matched != ""
}
