package qpaytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	mrand "math/rand/v2"
	"strings"
)

const (
	base32Lower = "abcdefghijklmnopqrstuvwxyz234567"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	digits      = "0123456789"
)

// randomFrom returns n characters drawn uniformly from alphabet.
func randomFrom(alphabet string, n int) string {
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

// Checkout IDs are a prefix and 26 lower-case base32 characters
// (^(pay|act|cus|evt)_(\w{26})$ in Checkout's OpenAPI); sid_ follows suit.
func checkoutID(prefix string) string { return prefix + "_" + randomFrom(base32Lower, 26) }

// derivedCheckoutID is a Checkout-shaped ID that is the same every time for
// the same parts, so that a rebuilt event keeps the ID of the delivered one.
func derivedCheckoutID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
	return prefix + "_" + enc[:26]
}

// Tap IDs look like chg_TS07A0320241133g5RO1906000: the prefix, "TS" and 24
// letters and digits.
func tapID(prefix string) string { return prefix + "_TS" + randomFrom(alnum, 24) }

// pageToken is the opaque part of a payment page URL.
func pageToken() string { return randomFrom(base32Lower, 32) }

// requestID looks like Checkout's request IDs (0HL80RJLS76I7).
func requestID() string { return "0H" + randomFrom(upperAlnum, 11) }

// numericRef is a gateway or payment reference such as Tap's
// "0519241133062344298".
func numericRef(n int) string { return randomFrom(digits, n) }
