package money_test

// Like TestNoFloatsInModule, this guards a rule of the whole module: number
// text from outside (webhook bodies, provider answers, simulator requests,
// configuration) becomes a decimal only through money.ParseNumber (or
// money.Number, or money.Parse, which use it), whose cost is bounded before
// any arithmetic. shopspring/decimal's own parsers accept any length, and
// its arithmetic is quadratic in the digits (issue 12, finding 3).

import (
	"go/ast"
	"go/token"
	"testing"

	"github.com/stretchr/testify/require"
)

// unboundedDecimalParsers are shopspring/decimal's functions from text.
var unboundedDecimalParsers = map[string]bool{
	"NewFromString": true, "RequireFromString": true, "NewFromFormattedString": true,
}

// decimalParsersAllowed are the files that may call them, and why.
var decimalParsersAllowed = map[string]string{
	"money/number.go": "ParseNumber itself, after its bounds",
	// A developer tool reading `go test -bench` output the developer just
	// produced; nothing in it comes from a provider or a shopper.
	"providers/internal/bench/benchtable/table.go": "benchmark output",
}

func TestDecimalTextOnlyThroughParseNumber(t *testing.T) {
	var found []string
	moduleSources(t, func(rel string, fset *token.FileSet, file *ast.File) {
		decimalName := ""
		for _, imp := range file.Imports {
			if imp.Path.Value == `"github.com/shopspring/decimal"` {
				decimalName = "decimal"
				if imp.Name != nil {
					decimalName = imp.Name.Name
				}
			}
		}
		if decimalName == "" {
			return
		}
		isDecimal := func(e ast.Expr) bool {
			if s, ok := e.(*ast.StarExpr); ok {
				e = s.X
			}
			sel, ok := e.(*ast.SelectorExpr)
			if !ok {
				return false
			}
			x, ok := sel.X.(*ast.Ident)
			return ok && x.Name == decimalName && (sel.Sel.Name == "Decimal" || sel.Sel.Name == "NullDecimal")
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == decimalName && unboundedDecimalParsers[n.Sel.Name] {
					if _, allowed := decimalParsersAllowed[rel]; !allowed {
						found = append(found, fset.Position(n.Pos()).String()+": decimal."+n.Sel.Name)
					}
				}
			case *ast.StructType:
				// encoding/json (or a database driver) fills an exported
				// decimal field with decimal's own, unbounded parser.
				for _, f := range n.Fields.List {
					exported := len(f.Names) == 0
					for _, id := range f.Names {
						exported = exported || id.IsExported()
					}
					if exported && isDecimal(f.Type) {
						found = append(found, fset.Position(f.Pos()).String()+": an exported decimal field; use money.Number")
					}
				}
			}
			return true
		})
	})
	require.Empty(t, found, "number text turned into a decimal without money.ParseNumber's bounds")
}
