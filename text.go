package qpay

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
// be the same reference. The package store and the portable provider layer
// use this predicate too, so that what one place accepts no other refuses.
func IsHidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// isUnsafeInProse is the rule for free text (descriptions, names, refund
// reasons): no control character and no line or paragraph separator, as
// for references, and no bidi embedding, override or isolate, which can
// make a description read as something else (the "Trojan Source" trick).
// The other format characters stay allowed: Persian and Urdu names need
// the zero-width non-joiner, emoji the zero-width joiner, mixed Arabic and
// Latin text the left-to-right and right-to-left marks.
func isUnsafeInProse(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.IsControl(r)
}

// isUnsafeInValue is the rule for metadata values, which merchants use for
// structured data (addresses, notes): prose's rule, except that tabs and
// line breaks are allowed.
func isUnsafeInValue(r rune) bool {
	return r != '\t' && r != '\n' && r != '\r' && isUnsafeInProse(r)
}

// TextLen is the length qpay's limits count: UTF-16 code units, which is
// the character count of the providers' JSON Schema "maxLength" for text
// in the Basic Multilingual Plane (Arabic and Latin alike) and the larger
// of the two usual readings for the rest (an emoji counts two), so that a
// text within a limit is within it whichever way the provider counts. It
// is at most len(s) for valid UTF-8.
func TextLen(s string) int {
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
