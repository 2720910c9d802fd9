package qpaytest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRoutesStandApart checks the simulator's layout (see the package
// documentation): the core imports no route and nothing of qpaytest, and
// a route imports the core but no other route, so that a new route is a
// folder of its own that changes nothing else. Test files count too.
func TestRoutesStandApart(t *testing.T) {
	const self = "github.com/qpay-go/qpay/qpaytest"
	dirs, err := os.ReadDir("internal")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		seen++
		files, err := filepath.Glob(filepath.Join("internal", d.Name(), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if !strings.HasPrefix(path, self) {
					continue
				}
				own := path == self+"/internal/"+d.Name() // an external test of the package
				allowed := own || d.Name() != "sim" && path == self+"/internal/sim"
				if !allowed {
					t.Errorf("%s imports %s: the core imports no route, a route only the core", f, path)
				}
			}
		}
	}
	if seen < 3 {
		t.Fatalf("found %d packages under internal/, want the core and two routes at least", seen)
	}
}
