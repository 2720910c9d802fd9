package main

import (
	"os"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseFile(t *testing.T, name string) *results {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	res, err := parse(f)
	require.NoError(t, err)
	return res
}

func TestParseKeepsEveryRunUnderItsPlainName(t *testing.T) {
	res := parseFile(t, "three-runs.txt")
	assert.Equal(t, []string{"GetPayment/checkout", "Refund/tap", "ParallelGetPayment/tap/workers=16"}, res.order,
		"the -GOMAXPROCS suffix is dropped and a name line without figures is no result")
	assert.Equal(t, 3, res.count("GetPayment/checkout"))
	assert.Equal(t, 2, res.count("Refund/tap"))
	assert.Equal(t, []string{
		"goos: linux", "goarch: amd64", "pkg: github.com/qpay-go/qpay/providers/internal/bench", "cpu: Oxide Virtual Turin-like Processor",
	}, res.header)
	assert.Empty(t, res.failures)
}

func TestMedian(t *testing.T) {
	res := parseFile(t, "three-runs.txt")
	tests := []struct {
		name, unit, want string
	}{
		{"GetPayment/checkout", "ns/op", "84000"},     // odd count: the middle value
		{"GetPayment/checkout", "x-floor-ns", "1.15"}, // ratios are medians of the per-run ratios
		{"Refund/tap", "ns/op", "380000"},             // even count: the mean of the two middle values
		{"Refund/tap", "x-floor-ns", "1.395"},
	}
	for _, tt := range tests {
		got, ok := res.median(tt.name, tt.unit)
		require.True(t, ok, "%s %s", tt.name, tt.unit)
		assert.True(t, got.Equal(decimal.RequireFromString(tt.want)), "%s %s: got %s, want %s", tt.name, tt.unit, got, tt.want)
	}
	_, ok := res.median("GetPayment/checkout", "ops/s")
	assert.False(t, ok, "a unit the benchmark never reported has no median")
}

func TestVerdict(t *testing.T) {
	res := parseFile(t, "three-runs.txt")
	tests := []struct {
		name, wantTarget, wantMet string
	}{
		{"GetPayment/checkout", "<=1.2x ns, <=1.5x allocs", "yes"},
		{"Refund/tap", "<=1.2x ns, <=1.5x allocs", "NO (x-floor-allocs, x-floor-ns)"},
		{"ParallelGetPayment/tap/workers=16", "<=1 new conn/1k calls", "NO (goroutines-left)"},
		{"SomethingElse/tap", "-", "-"},
	}
	for _, tt := range tests {
		target, met := res.verdict(tt.name)
		assert.Equal(t, tt.wantTarget, target, tt.name)
		assert.Equal(t, tt.wantMet, met, tt.name)
	}
}

func TestVerdictNamesAMissingFigure(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkParseWebhook/tap-2  100  2000 ns/op  0 goroutines-left\n"))
	require.NoError(t, err)
	_, met := res.verdict("ParseWebhook/tap")
	assert.Equal(t, "NO (x-floor-ns not reported)", met)
}

func TestRenderAlignsOneRowPerBenchmark(t *testing.T) {
	res := parseFile(t, "three-runs.txt")
	var out strings.Builder
	require.NoError(t, render(&out, res))
	lines := strings.Split(out.String(), "\n")

	// The table runs from its header to the first empty line.
	var table []string
	for i, l := range lines {
		if strings.HasPrefix(l, "benchmark ") {
			for _, row := range lines[i:] {
				if row == "" {
					break
				}
				table = append(table, row)
			}
			break
		}
	}
	require.Len(t, table, 4, out.String())
	// Figures are right-aligned: every row's "ratio ns" cell ends where
	// the header's does.
	end := strings.Index(table[0], "ratio ns") + len("ratio ns")
	for _, row := range table[1:] {
		assert.Equal(t, "x", row[end-1:end], "row %q", row)
	}
	assert.Contains(t, table[1], "84000")
	assert.Contains(t, table[1], "1.15x")
	assert.Contains(t, table[2], "1.40x", "two places, rounded")
	assert.Contains(t, out.String(), "Medians of 3 run(s)")
	assert.Contains(t, out.String(), "Refund/tap: the floor makes the same three round trips")
	assert.Contains(t, out.String(), "the POST alone takes 87500 ns/op and 115 allocs/op (qpay's whole Refund is 4.34x that)")
}

func TestParseCollectsFailures(t *testing.T) {
	in := "BenchmarkGetPayment/tap-2  10  100 ns/op\n--- FAIL: BenchmarkGetPayment/tap\n    bench_test.go:9: 2 goroutines still running\nFAIL\n"
	res, err := parse(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"--- FAIL: BenchmarkGetPayment/tap", "FAIL"}, res.failures)
}

func TestParseRejectsAFigureThatIsNoNumber(t *testing.T) {
	_, err := parse(strings.NewReader("BenchmarkGetPayment/tap-2  10  lots ns/op\n"))
	require.ErrorContains(t, err, `value "lots" of ns/op`)
}
