package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// results is everything read from one `go test -bench` output.
type results struct {
	header   []string // goos, goarch, pkg and cpu lines, once each
	order    []string // benchmark names, in the order first seen
	runs     map[string]map[string][]decimal.Decimal
	failures []string // lines reporting a failed test or benchmark, or a panic
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to a benchmark name.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark lines ("BenchmarkX/y-2  N  v unit  v unit ...")
// and keeps every value of every unit, per benchmark.
func parse(r io.Reader) (*results, error) {
	res := &results{runs: map[string]map[string][]decimal.Decimal{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "--- FAIL"), strings.HasPrefix(trimmed, "FAIL"),
			strings.HasPrefix(trimmed, "panic:"):
			res.failures = append(res.failures, line)
		case startsWithAny(line, "goos:", "goarch:", "pkg:", "cpu:"):
			if !slices.Contains(res.header, trimmed) {
				res.header = append(res.header, trimmed)
			}
		case strings.HasPrefix(line, "Benchmark"):
			if err := res.addLine(line); err != nil {
				return res, err
			}
		}
	}
	return res, sc.Err()
}

func startsWithAny(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func (res *results) addLine(line string) error {
	f := strings.Fields(line)
	// A name alone is the line chatty output prints before a result.
	if len(f) < 4 || len(f)%2 != 0 {
		return nil
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return nil
	}
	name := procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
	m := res.runs[name]
	if m == nil {
		m = map[string][]decimal.Decimal{}
		res.runs[name] = m
		res.order = append(res.order, name)
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := decimal.NewFromString(f[i])
		if err != nil {
			return fmt.Errorf("benchtable: %s: value %q of %s: %w", name, f[i], f[i+1], err)
		}
		m[f[i+1]] = append(m[f[i+1]], v)
	}
	return nil
}

// median returns the median of a benchmark's values of unit, and false if
// it reported none.
func (res *results) median(name, unit string) (decimal.Decimal, bool) {
	vs := slices.Clone(res.runs[name][unit])
	if len(vs) == 0 {
		return decimal.Decimal{}, false
	}
	slices.SortFunc(vs, func(a, b decimal.Decimal) int { return a.Cmp(b) })
	mid := len(vs) / 2
	if len(vs)%2 == 1 {
		return vs[mid], true
	}
	return vs[mid-1].Add(vs[mid]).Div(decimal.NewFromInt(2)), true
}

// count is how many runs of a benchmark were read.
func (res *results) count(name string) int { return len(res.runs[name]["ns/op"]) }

// target is what a family of benchmarks must reach.
type target struct {
	prefix string
	text   string
	// limits are upper bounds on medians, by unit.
	limits map[string]decimal.Decimal
}

var (
	zero    = decimal.Zero
	request = map[string]decimal.Decimal{
		"x-floor-ns":      decimal.RequireFromString("1.2"),
		"x-floor-allocs":  decimal.RequireFromString("1.5"),
		"goroutines-left": zero,
	}
)

// targets are the issues': request overhead within 1.2x of the floor in
// time and 1.5x in allocations, ParseWebhook within 1.5x in time, a forged
// webhook refused within 3x of a genuine one's verification, one
// connection per worker (none opened under steady load), and no goroutine
// left behind by any benchmark.
var targets = []target{
	{"CreatePayment/", "<=1.2x ns, <=1.5x allocs", request},
	{"GetPayment/", "<=1.2x ns, <=1.5x allocs", request},
	{"Refund/", "<=1.2x ns, <=1.5x allocs", request},
	{"ParseWebhook/", "<=1.5x ns", map[string]decimal.Decimal{
		"x-floor-ns":      decimal.RequireFromString("1.5"),
		"goroutines-left": zero,
	}},
	// A forged 1 MiB webhook is refused for at most 3x what verifying a
	// genuine one of the same size costs (issue 12).
	{"RejectForged/", "<=3x genuine ns", map[string]decimal.Decimal{
		"x-genuine-ns": decimal.NewFromInt(3),
	}},
	{"ParallelGetPayment/", "<=1 new conn/1k calls", map[string]decimal.Decimal{
		"steady-conns/kop": decimal.NewFromInt(1),
		"goroutines-left":  zero,
	}},
}

func targetFor(name string) *target {
	for i := range targets {
		if strings.HasPrefix(name, targets[i].prefix) {
			return &targets[i]
		}
	}
	return nil
}

// verdict says whether name meets its target, and which limits it misses.
func (res *results) verdict(name string) (text, met string) {
	t := targetFor(name)
	if t == nil {
		return "-", "-"
	}
	var missed []string
	units := make([]string, 0, len(t.limits))
	for u := range t.limits {
		units = append(units, u)
	}
	slices.Sort(units)
	for _, u := range units {
		v, ok := res.median(name, u)
		if !ok {
			missed = append(missed, u+" not reported")
			continue
		}
		if v.GreaterThan(t.limits[u]) {
			missed = append(missed, u)
		}
	}
	if len(missed) == 0 {
		return t.text, "yes"
	}
	return t.text, "NO (" + strings.Join(missed, ", ") + ")"
}

// column is one column of the table: a unit's median, formatted.
type column struct {
	title  string
	unit   string
	places int32
	suffix string
}

var columns = []column{
	{"ns/op", "ns/op", 0, ""},
	{"allocs/op", "allocs/op", 0, ""},
	{"B/op", "B/op", 0, ""},
	{"floor ns/op", "floor-ns/op", 0, ""},
	{"floor allocs/op", "floor-allocs/op", 0, ""},
	{"ratio ns", "x-floor-ns", 2, "x"},
	{"ratio allocs", "x-floor-allocs", 2, "x"},
	{"ratio to genuine", "x-genuine-ns", 2, "x"},
	{"conns/worker", "conns/worker", 2, ""},
	{"new conns/1k calls", "steady-conns/kop", 2, ""},
	{"ops/s", "ops/s", 0, ""},
	{"goroutines left", "goroutines-left", 0, ""},
	// BenchmarkTelemetry: the call with OpenTelemetry on, over the same
	// call with it off.
	{"telemetry on/off ns", "x-off-ns", 2, "x"},
	{"telemetry on/off allocs", "x-off-allocs", 2, "x"},
}

// render writes the header lines, the table and the notes.
func render(w io.Writer, res *results) error {
	rows := [][]string{{"benchmark"}}
	for _, c := range columns {
		rows[0] = append(rows[0], c.title)
	}
	rows[0] = append(rows[0], "target", "met?")
	for _, name := range res.order {
		row := []string{name}
		for _, c := range columns {
			v, ok := res.median(name, c.unit)
			if !ok {
				row = append(row, "-")
				continue
			}
			row = append(row, v.StringFixed(c.places)+c.suffix)
		}
		text, met := res.verdict(name)
		rows = append(rows, append(row, text, met))
	}

	var b strings.Builder
	for _, h := range res.header {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n")
	writeAligned(&b, rows)
	b.WriteString("\n")
	for _, n := range notes(res) {
		b.WriteString(n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeAligned pads the first and the last two columns on the right and
// every figure on the left, two spaces apart.
func writeAligned(b *strings.Builder, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len(cell))
			if i == 0 || i >= len(r)-2 {
				line.WriteString(cell + pad)
			} else {
				line.WriteString(pad + cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

// notes explains what the table cannot say in a cell.
func notes(res *results) []string {
	runs := 0
	for _, name := range res.order {
		runs = max(runs, res.count(name))
	}
	out := []string{
		fmt.Sprintf("Medians of %d run(s). Each ratio is qpay over the floor measured in the same run, then the median of those.", runs),
	}
	for _, name := range res.order {
		post, ok := res.median(name, "post-floor-ns/op")
		if !ok {
			continue
		}
		ns, _ := res.median(name, "ns/op")
		postAllocs, _ := res.median(name, "post-floor-allocs/op")
		line := fmt.Sprintf("%s: the floor makes the same three round trips as qpay (read the payment, read its refunds, POST); the POST alone takes %s ns/op and %s allocs/op",
			name, post.StringFixed(0), postAllocs.StringFixed(0))
		if post.IsPositive() {
			line += fmt.Sprintf(" (qpay's whole Refund is %sx that)", ns.Div(post).StringFixed(2))
		}
		out = append(out, line+".")
	}
	if len(res.failures) > 0 {
		out = append(out, fmt.Sprintf("%d failure line(s) in the input: see standard error.", len(res.failures)))
	}
	return out
}
