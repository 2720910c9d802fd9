package text_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay/internal/text"
)

// Every control character (C0, DEL, C1), every invisible format character
// and the line and paragraph separators are hidden; letters of any script,
// digits, punctuation and visible spaces are not.
func TestIsHidden(t *testing.T) {
	hidden := map[string]rune{
		"NUL": 0, "LF": '\n', "DEL": 0x7f, "NEL (C1)": 0x85, "CSI (C1, a terminal escape)": 0x9b, "APC (C1)": 0x9f,
		"right-to-left override": 0x202e, "left-to-right embedding": 0x202a, "first strong isolate": 0x2068,
		"zero-width space": 0x200b, "zero-width joiner": 0x200d, "byte order mark": 0xfeff, "soft hyphen": 0xad,
		"right-to-left mark": 0x200f, "word joiner": 0x2060, "line separator": 0x2028, "paragraph separator": 0x2029,
	}
	for name, r := range hidden {
		assert.True(t, text.IsHidden(r), "%s %U", name, r)
	}
	for _, r := range "aط1-_ \u00a0" {
		assert.False(t, text.IsHidden(r), "%U", r)
	}
}

func TestLen(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "طلب": 3, "🧾": 2, "a🧾b": 4, "\xff": 1} {
		assert.Equal(t, want, text.Len(s), "%q", s)
	}
}
