package tap

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// lenientMetadata is metadata's decoding without its shortcut for
// string-only objects: every value decoded on its own, strings as they
// are, anything else as its JSON text.
func lenientMetadata(b []byte) metadata {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) == 0 {
		return nil
	}
	out := make(metadata, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		out[k] = string(v)
	}
	return out
}

func TestMetadataShortcutMatchesLenientDecoding(t *testing.T) {
	for _, in := range []string{
		`{"udf1":"Metadata 1"}`,
		`{"a":"x","b":"\u00e9\n"}`,
		`{}`,
		`null`,
		`{"a":null}`,
		`{"n":1,"o":{"k":[1,2]},"s":"x"}`,
		`{"a":"x","a":1}`, // repeated: the last wins either way
		`{"a":1,"a":"x"}`,
		`"not an object"`,
		`[1]`,
	} {
		var got metadata
		require.NoError(t, json.Unmarshal([]byte(`{"m":`+in+`}`), &struct {
			M *metadata `json:"m"`
		}{&got}), in)
		require.Equal(t, lenientMetadata([]byte(in)), got, in)
	}
}

func FuzzMetadataShortcutMatchesLenientDecoding(f *testing.F) {
	f.Add([]byte(`{"udf1":"Metadata 1"}`))
	f.Add([]byte(`{"a":1,"a":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			t.Skip()
		}
		var got metadata
		require.NoError(t, got.UnmarshalJSON(b))
		require.Equal(t, lenientMetadata(b), got)
	})
}
