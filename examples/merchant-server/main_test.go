package main

import (
	"bytes"
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestRefusesToStartWithoutAConfiguration(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"nothing set":            {nil, nil, "no configuration: set QPAY_PROVIDER, QPAY_SECRET_KEY"},
		"simulator and a config": {[]string{"-simulator"}, map[string]string{"QPAY_PROVIDER": "tap"}, "-simulator and QPAY_PROVIDER are both set"},
		"an incomplete config":   {nil, map[string]string{"QPAY_PROVIDER": "tap"}, "QPAY_SECRET_KEY is required"},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tc.args...), &out, env(tc.env))
			require.Error(t, err, "it must not start")
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, out.String(), "shop open", "nothing was served")
			assert.NotContains(t, out.String(), "simulator")
		})
	}
}

// lockedBuffer is written by the running shop while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSimulatorOnlyWithTheFlag(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-simulator"}, out, env(nil)) }()
	var shopURL string
	require.Eventually(t, func() bool {
		for _, line := range strings.Split(out.String(), "\n") {
			if u, ok := strings.CutPrefix(line, "shop open at "); ok {
				shopURL = u
				return true
			}
		}
		return false
	}, 10*time.Second, 5*time.Millisecond, "the shop starts: %s", out)
	assert.Contains(t, out.String(), "-simulator: the offline simulator is at ")
	resp, err := http.Get(shopURL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.NoError(t, <-done)
}

// TestOnlyTheSimulatorFilesImportQpaytest reads the imports of every
// program in examples/: merchant code, the part a merchant copies into a
// service, must not depend on the simulator, so that it cannot fall back on
// it. The files that wire the simulator are named here with the reason.
func TestOnlyTheSimulatorFilesImportQpaytest(t *testing.T) {
	allowed := map[string]string{
		"merchant-server/simulator.go": "runs only with the explicit -simulator flag",
		"quickstart/offline.go":        "the quickstart's offline flow drives the simulator by design; its -live path (live.go) does not",
	}
	const qpaytest = "github.com/qpay-go/qpay/qpaytest"
	root := ".."
	fset := token.NewFileSet()
	seen := map[string]bool{}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p != qpaytest && !strings.HasPrefix(p, qpaytest+"/") {
				continue
			}
			if _, ok := allowed[rel]; !ok {
				t.Errorf("%s imports %s: merchant code in the examples must not depend on the simulator", rel, p)
			}
			seen[rel] = true
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 4, "the examples' Go files were found")
	for file := range allowed {
		assert.True(t, seen[file], "%s no longer imports qpaytest: drop it from the allowed list", file)
	}
}
