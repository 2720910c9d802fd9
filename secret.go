package qpay

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
)

const redacted = "[REDACTED]"

// Secret holds a key or a webhook secret. Nothing that prints or encodes a
// value can show it: fmt with any verb, flag or width (%v, %+v, %#v, %s,
// %q, %x, %d, %p, bad verbs), encoding/json, encoding/xml and other text
// encoders, slog's text and JSON handlers, text/template, and dumps that
// walk a value with reflect (testify's and spew's %#v, reflect.Value).
// Reveal is the only way back to the value.
//
// That is why Secret is not a string: fmt prints the operand of a bad verb
// (%p, %!z) and, with %x or %d on a nested field, reads the value by
// reflection without calling any method. A Secret is a struct whose only
// field is a function that returns the value, and no reflection reaches
// the variables a closure captured: what such a printer shows is a code
// address.
//
// The zero Secret is empty. Build one with NewSecret, or read one from
// JSON or text (UnmarshalText), as configuration files do. Compare two with
// Equal, in constant time; == does not compile.
type Secret struct {
	reveal func() string // nil for the empty secret
}

// NewSecret returns s as a Secret. NewSecret("") is the empty Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{reveal: func() string { return s }}
}

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string {
	if s.reveal == nil {
		return ""
	}
	return s.reveal()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.reveal == nil }

// Equal reports whether s and o hold the same value, in time that depends
// on neither value (both are hashed first, so not on their lengths either).
func (s Secret) Equal(o Secret) bool {
	a, b := sha256.Sum256([]byte(s.Reveal())), sha256.Sum256([]byte(o.Reveal()))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// String returns "[REDACTED]", or "" when the secret is empty so that a
// missing key is still visible in a printed configuration.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("qpay.Secret(%q)", s.String()) }

// Format applies to every verb that reaches it, with no flag or width
// applied to anything but the mask.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText keeps encoding/json and friends from writing the value out.
// Reading a Secret from JSON (UnmarshalText) is allowed: configurations are
// loaded that way.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText sets the secret from text.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = NewSecret(string(b))
	return nil
}
