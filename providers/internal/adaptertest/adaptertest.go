// Package adaptertest holds what the adapters' own tests share: reading a
// fixture of the package's testdata/, patching a JSON body, and HTTP options
// whose client gock intercepts. Only tests import it.
package adaptertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// Fixture reads a file of the calling package's testdata/.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// Patch decodes a JSON object (numbers kept exact), lets edit change it, and
// encodes it again.
func Patch(t testing.TB, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m))
	edit(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// Obj returns m[key] as an object, for Patch.
func Obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// GockHTTP returns transport options whose client gock intercepts, with
// backoffs short enough for tests. gock is global: tests using it never run
// in parallel, and its mocks are removed when the test ends.
func GockHTTP(t testing.TB) qpay.HTTPOptions {
	t.Helper()
	client := &http.Client{}
	gock.InterceptClient(client)
	gock.Intercept()
	gock.CleanUnmatchedRequest()
	t.Cleanup(func() {
		gock.Off()
		gock.CleanUnmatchedRequest()
	})
	return qpay.HTTPOptions{Client: client, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}
