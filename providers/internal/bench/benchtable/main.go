// Command benchtable reads the output of
//
//	go test -run '^$' -bench . -benchmem -count N ./providers/internal/bench/
//
// on standard input and prints one aligned table: for each benchmark the
// median over the N runs of qpay's ns/op, allocs/op and B/op, of the
// floor's, of the two ratios (each computed within its run), of the
// connection and goroutine counts, and whether the benchmark's target is
// met. .ci/bench runs the two together.
//
// It exits non-zero when the input holds a failure or no benchmark at all,
// not when a target is missed: benchmarks inform, they do not gate.
package main

import (
	"fmt"
	"os"
)

func main() {
	res, err := parse(os.Stdin)
	if err == nil && len(res.order) == 0 {
		err = fmt.Errorf("benchtable: no benchmark results on standard input")
	}
	if res != nil {
		for _, l := range res.failures {
			fmt.Fprintln(os.Stderr, l)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := render(os.Stdout, res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(res.failures) > 0 {
		os.Exit(1)
	}
}
