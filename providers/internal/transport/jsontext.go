package transport

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// PlainJSONString returns the text of a JSON string literal that needs no
// unescaping (no backslash, no control character, valid UTF-8), which is
// nearly every string a provider sends, and false for anything else.
//
// It exists for the adapters' lenient UnmarshalJSON methods, which are
// called once per field: for such a literal it gives exactly what
// json.Unmarshal into a string gives, without the cost of a nested decode.
// Callers fall back to json.Unmarshal when it returns false.
func PlainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < ' ' {
			return "", false
		}
	}
	if !utf8.Valid(inner) {
		// json.Unmarshal replaces invalid bytes with U+FFFD; leave that to it.
		return "", false
	}
	return string(inner), true
}

// PlainJSONInteger returns the text of a JSON number literal made of
// digits only (an optional '-', no leading zero, no fraction or exponent),
// exactly as json.Number would hold it, and false for anything else.
func PlainJSONInteger(b []byte) (string, bool) {
	digits := b
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) {
		return "", false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return string(b), true
}

// JSONText returns the text of a JSON string or number literal: "65" and 65
// both give "65", null gives "". Providers send some fields as either
// (Tap's created times and phone numbers, Checkout's response codes), and
// such a field must not make an answer unreadable.
func JSONText(b []byte) (string, error) {
	if string(b) == "null" {
		return "", nil
	}
	// Most values are plain literals: taking them as they are spares a
	// nested json.Unmarshal per field.
	if v, ok := PlainJSONString(b); ok {
		return v, nil
	}
	if v, ok := PlainJSONInteger(b); ok {
		return v, nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return "", err
		}
		return v, nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("want a string or a number, got %.40s", b)
	}
	return n.String(), nil
}

// Text is a field that holds the text of a JSON string or number (see
// JSONText). Both adapters decode the fields that providers send either way
// with it.
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	v, err := JSONText(b)
	if err != nil {
		return err
	}
	*t = Text(v)
	return nil
}
