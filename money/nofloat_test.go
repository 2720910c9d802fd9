package money_test

// This test guards a rule of the whole module, not just of this package: no
// binary floating point in non-test code. It lives here because package money
// owns the "exact money" rule and Go has no module-level tests; any change
// that lets a float near an amount, in any package, fails `go test ./money`.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// floatNames are identifiers that name a float type or an API that produces
// or consumes one. Matching identifiers (not text) ignores comments and
// strings, so documentation may still say "float".
var floatNames = map[string]bool{
	"float32": true, "float64": true, "complex64": true, "complex128": true,
	"Float32": true, "Float64": true, "InexactFloat64": true, "Float": true, "NewFloat": true,
	"NewFromFloat": true, "NewFromFloat32": true, "NewFromFloatWithExponent": true,
	"ParseFloat": true, "FormatFloat": true, "AppendFloat": true,
}

func TestNoFloatsInModule(t *testing.T) {
	var found []string
	_, checked := moduleSources(t, func(_ string, fset *token.FileSet, file *ast.File) {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if floatNames[n.Name] {
					found = append(found, fset.Position(n.Pos()).String()+": "+n.Name)
				}
			case *ast.BasicLit:
				// An untyped constant like 1.5 silently becomes a float64.
				if n.Kind == token.FLOAT || n.Kind == token.IMAG {
					found = append(found, fset.Position(n.Pos()).String()+": literal "+n.Value)
				}
			}
			return true
		})
	})
	t.Logf("checked %d non-test Go files", checked)
	require.Empty(t, found, "floating point in non-test code; money must stay exact (use decimal.Decimal or minor units)")
}

// moduleSources parses every non-test Go file of the module, skipping the
// directories the go tool ignores, and hands each to check with its path
// relative to the module root (slash-separated). It returns the file set and
// how many files it read, and fails the test when it read none.
func moduleSources(t *testing.T, check func(rel string, fset *token.FileSet, file *ast.File)) (*token.FileSet, int) {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// The go tool ignores these directories too.
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		check(filepath.ToSlash(rel), fset, file)
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, checked, "no Go files found under %s", root)
	return fset, checked
}

// moduleRoot is the nearest directory above this package holding go.mod,
// i.e. "..", found by search so the test survives the package moving.
func moduleRoot(t *testing.T) string {
	dir, err := filepath.Abs("..")
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the money package")
		dir = parent
	}
}
