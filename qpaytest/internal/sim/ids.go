package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"net/url"
	"strings"
)

// Alphabets of the providers' IDs.
const (
	Base32Lower = "abcdefghijklmnopqrstuvwxyz234567"
	Alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	UpperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	Digits      = "0123456789"
)

// RandomFrom returns n characters drawn uniformly from alphabet.
func RandomFrom(alphabet string, n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		// Only possible before Go 1.24; an ID need not be secret, only unique.
		for i := range buf {
			buf[i] = byte(mrand.Uint32())
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range buf {
		// 256 is a multiple of 32 and close enough to a multiple of 62 and
		// 36 for test IDs; these are not secrets.
		b.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return b.String()
}

// pageToken is the opaque part of a payment page URL.
func pageToken() string { return RandomFrom(Base32Lower, 32) }

// NumericRef is a gateway or payment reference such as Tap's
// "0519241133062344298".
func NumericRef(n int) string { return RandomFrom(Digits, n) }

// WithQuery is raw with key=value added to its query, "" when raw is ""
// or not a URL: where a provider sends the shopper back.
func WithQuery(raw, key, value string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// AbsoluteHTTPURL reports whether s is an absolute http or https URL.
func AbsoluteHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// CompactJSON keeps an object as sent, minus insignificant space; nil for
// an absent or null value.
func CompactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil
	}
	return b.Bytes()
}

// ErrNoAmount is a webhook builder's answer to an amount without a
// currency.
var ErrNoAmount = errors.New("qpaytest: the amount has no currency")
