// Package text holds the text rules the whole module shares: which
// characters are hidden from people reading a text, and how long a text
// is by qpay's limits. Package qpay validates requests with them, package
// store its keys, and the portable provider layer a webhook's event ID, so
// that what one place accepts no other refuses. It is internal: merchants
// meet these rules through the validation errors, not as an API.
package text

import (
	"unicode"
	"unicode/utf16"
)

// IsHidden reports whether r cannot be seen, or changes how the text around
// it is shown, when people read it: a control character (C0, DEL and C1,
// as unicode.IsControl: U+0085 and the terminal escape U+009B among them),
// a format character (Unicode category Cf: the bidi marks, embeddings,
// overrides and isolates, zero-width spaces and joiners, the byte order
// mark, the soft hyphen), or a line or paragraph separator (U+2028,
// U+2029).
//
// References, IDs, idempotency and metadata keys and a store's keys refuse
// them: a reference is shown to people (the provider's dashboard, the
// shopper's statement, logs), and two references that look the same must
// be the same reference.
func IsHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// Len is the length qpay's limits count: UTF-16 code units, which is the
// character count of the providers' JSON Schema "maxLength" for text in
// the Basic Multilingual Plane (Arabic and Latin alike) and the larger of
// the two usual readings for the rest (an emoji counts two), so that a text
// within a limit is within it whichever way the provider counts. It is at
// most len(s) for valid UTF-8.
func Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++ // invalid UTF-8 decodes as U+FFFD, one unit
		}
	}
	return n
}
