package qpay

import (
	"fmt"
	"log/slog"
)

const redacted = "[REDACTED]"

// Secret holds a key or a webhook secret. Every way of printing it (fmt's
// verbs, JSON, slog) shows "[REDACTED]", so a configuration can be logged
// without leaking what it holds; Reveal is the only way back to the value.
type Secret string

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[REDACTED]", or "" when the secret is empty so that a
// missing key is still visible in a printed configuration.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("qpay.Secret(%q)", s.String()) }

// Format applies to every verb, including %x and %q, which would otherwise
// bypass String for a string type.
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
	*s = Secret(b)
	return nil
}
