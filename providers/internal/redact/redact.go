// Package redact removes secrets from text before it reaches an error, a log
// line or a stored response body. Both adapters share it so that no code path
// of theirs can forget to.
package redact

import (
	"bytes"
	"strings"

	"github.com/qpay-go/qpay"
)

// Mask is what a secret is replaced with.
const Mask = "[REDACTED]"

// minLen keeps a one- or two-letter "secret" (a misconfiguration) from
// turning every message into a row of masks.
const minLen = 6

// Redactor replaces every occurrence of a known secret. The zero value knows
// no secrets and changes nothing. A Redactor is immutable and safe for
// concurrent use. It keeps the secrets as qpay.Secret values, so that a dump
// of a Provider that walks its fields with reflection (spew, testify's
// failure messages) finds no key in it.
type Redactor struct {
	secrets []qpay.Secret
}

// New returns a Redactor for the given secrets; empty and very short ones are
// ignored.
func New(secrets ...qpay.Secret) Redactor {
	var r Redactor
	for _, s := range secrets {
		if len(s.Reveal()) >= minLen {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// String returns s with every secret masked.
func (r Redactor) String(s string) string {
	for _, secret := range r.secrets {
		if sec := secret.Reveal(); strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// Bytes returns b with every secret masked. It returns b itself, not a copy,
// when there is nothing to mask.
func (r Redactor) Bytes(b []byte) []byte {
	for _, secret := range r.secrets {
		if sec := secret.Reveal(); bytes.Contains(b, []byte(sec)) {
			b = bytes.ReplaceAll(b, []byte(sec), []byte(Mask))
		}
	}
	return b
}

// Error returns err's message with every secret masked, or "" for nil.
func (r Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}
