package qpay

// The rules of free text. What names something refuses every character
// text.IsHidden names (internal/text, shared with package store and the
// portable provider layer); lengths are counted by text.Len.

import "unicode"

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
