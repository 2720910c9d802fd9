package transport

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlainJSONString(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{`"CAPTURED"`, "CAPTURED", true},
		{`""`, "", true},
		{`"Declined, Insufficient Funds"`, "Declined, Insufficient Funds", true},
		{`"تم الدفع"`, "تم الدفع", true}, // UTF-8 passes through
		{`"a\"b"`, "", false}, // escapes are left to encoding/json
		{`"a\u0041"`, "", false},
		{"\"a\tb\"", "", false}, // a raw control character is not valid JSON
		{"\"\xff\"", "", false}, // invalid UTF-8 becomes U+FFFD in encoding/json
		{`"unterminated`, "", false},
		{`123`, "", false},
		{`null`, "", false},
		{`"`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := PlainJSONString([]byte(tt.in))
		assert.Equal(t, tt.wantOK, ok, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestPlainJSONInteger(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{`1718796783000`, true},
		{`0`, true},
		{`-5`, true},
		{`007`, false}, // not a JSON number
		{`1.5`, false}, // left to json.Number
		{`1e3`, false},
		{`-`, false},
		{``, false},
		{`"1"`, false},
		{`12a`, false},
	}
	for _, tt := range tests {
		got, ok := PlainJSONInteger([]byte(tt.in))
		assert.Equal(t, tt.wantOK, ok, "%q", tt.in)
		if ok {
			assert.Equal(t, tt.in, got)
		}
	}
}

// FuzzPlainJSONText holds both shortcuts to what encoding/json decodes:
// whenever one accepts its input, json.Unmarshal must accept it too and
// give the same text.
func FuzzPlainJSONText(f *testing.F) {
	for _, s := range []string{`"CAPTURED"`, `""`, `"a\"b"`, "\"\xff\"", `123`, `-0`, `0012`, `"تم"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, ok := PlainJSONString(b); ok {
			var want string
			require.NoError(t, json.Unmarshal(b, &want))
			require.Equal(t, want, s)
		}
		if s, ok := PlainJSONInteger(b); ok {
			var want json.Number
			require.NoError(t, json.Unmarshal(b, &want))
			require.Equal(t, want.String(), s)
		}
	})
}

func TestJSONText(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{`null`, "", false},
		{`"1718796783000"`, "1718796783000", false},
		{`1718796783000`, "1718796783000", false},
		{`"caf\u00e9"`, "café", false},
		{`65.00`, "65.00", false},
		{`-3`, "-3", false},
		{`true`, "", true},
		{`{}`, "", true},
		{`"unterminated`, "", true},
	}
	for _, tt := range tests {
		got, err := JSONText([]byte(tt.in))
		if tt.err {
			if err == nil {
				t.Errorf("JSONText(%s) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("JSONText(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
