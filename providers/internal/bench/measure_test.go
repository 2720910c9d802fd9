package bench

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/qpay-go/qpay"
)

// sample is one measured loop of n operations.
type sample struct {
	n       int
	elapsed time.Duration
	allocs  uint64 // heap allocations during the loop
	bytes   uint64 // heap bytes allocated during the loop
}

func (s sample) add(o sample) sample {
	return sample{n: s.n + o.n, elapsed: s.elapsed + o.elapsed, allocs: s.allocs + o.allocs, bytes: s.bytes + o.bytes}
}

func (s sample) nsPerOp() float64     { return float64(s.elapsed.Nanoseconds()) / float64(s.n) }
func (s sample) allocsPerOp() float64 { return float64(s.allocs) / float64(s.n) }
func (s sample) bytesPerOp() float64  { return float64(s.bytes) / float64(s.n) }
func (s sample) opsPerSec() float64   { return float64(s.n) / s.elapsed.Seconds() }

// clock brackets a loop with runtime.MemStats, as the testing package
// does. start and stop are b.StartTimer and b.StopTimer for qpay's loop,
// whose figures are the benchmark's own, and no-ops for the floor's,
// measured beside it.
//
// There is no GC here: a collection forced before every slice would clear
// each side's garbage off the clock, and a side allocating less than the
// heap's minimum goal per slice would never pay for a collection at all.
// Left alone, collections happen as each side's allocations trigger them,
// which charges each side in proportion to what it allocates.
func clock(n int, start, stop func(), loop func()) sample {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start()
	t0 := time.Now()
	loop()
	d := time.Since(t0)
	stop()
	runtime.ReadMemStats(&m1)
	return sample{n: n, elapsed: d, allocs: m1.Mallocs - m0.Mallocs, bytes: m1.TotalAlloc - m0.TotalAlloc}
}

// blocks is how many slices a sequential comparison is cut into. Taking
// turns in slices, rather than running qpay's loop and then the floor's,
// spreads the drift of a shared machine (another process, CPU frequency,
// the heap's size) evenly over both sides of the ratio.
const blocks = 16

// interleaved runs each of ops b.N times on one goroutine, in turns of
// b.N/blocks calls, rotating which goes first. ops[0] is qpay's and runs
// under the benchmark's timer; the others are measured beside it. The
// samples are in the order of ops.
func interleaved(b *testing.B, ops ...func(context.Context) error) []sample {
	b.Helper()
	b.StopTimer()
	runtime.GC() // once, as the testing package does before a benchmark
	b.ResetTimer()
	ctx := context.Background()
	out := make([]sample, len(ops))
	k := min(blocks, b.N)
	for blk := range k {
		n := b.N/k + btoi(blk < b.N%k)
		for j := range ops {
			i := (blk + j) % len(ops)
			start, stop := noop, noop
			if i == 0 {
				start, stop = b.StartTimer, b.StopTimer
			}
			var err error
			s := clock(n, start, stop, func() {
				for c := 0; c < n && err == nil; c++ {
					err = ops[i](ctx)
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			out[i] = out[i].add(s)
		}
	}
	return out
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// parallel runs op b.N times spread over the RunParallel workers.
func parallel(b *testing.B, timed bool, op func(context.Context) error) sample {
	b.Helper()
	start, stop := noop, noop
	if timed {
		b.StopTimer()
		b.ResetTimer()
		start, stop = b.StartTimer, b.StopTimer
	}
	runtime.GC() // each side starts from a collected heap
	ctx := context.Background()
	var once sync.Once
	var first error
	s := clock(b.N, start, stop, func() {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx); err != nil {
					once.Do(func() { first = err })
				}
			}
		})
	})
	if first != nil {
		b.Fatal(first)
	}
	return s
}

func noop() {}

// env is one run of a benchmark: a fresh loopback server, the adapter and
// the floor talking to it, and the goroutine count before any of them.
type env struct {
	be        *backend
	srv       *loopback
	lib       qpay.Provider
	floor     floorClient
	floorHTTP *http.Client
	baseline  int
}

func newEnv(tb testing.TB, be *backend, record bool) *env {
	tb.Helper()
	e := &env{be: be, baseline: runtime.NumGoroutine()}
	e.srv = newLoopback(be.routes, record)
	lib, err := be.open(e.srv.URL(), httpOptions)
	if err != nil {
		e.srv.Close()
		tb.Fatal(err)
	}
	e.lib = lib
	e.floorHTTP = newFloorHTTPClient()
	e.floor = be.floor(e.srv.URL(), e.floorHTTP)
	return e
}

// close shuts the server and the floor's idle connections (qpay's pool has
// no handle, and needs none: the server closing its end ends them) and
// returns how many goroutines outlive the run, after waiting up to two
// seconds for connection goroutines to notice.
func (e *env) close() (left int) {
	e.floorHTTP.CloseIdleConnections()
	e.srv.Close()
	deadline := time.Now().Add(2 * time.Second)
	for {
		left = runtime.NumGoroutine() - e.baseline
		if left <= 0 {
			return 0
		}
		if time.Now().After(deadline) {
			return left
		}
		time.Sleep(time.Millisecond)
	}
}

// finish closes the run, reports the goroutines left behind (target: none)
// and fails the benchmark if the server saw a request it has no reply for.
func (e *env) finish(b *testing.B) {
	b.Helper()
	left := e.close()
	b.ReportMetric(float64(left), "goroutines-left")
	if left > 0 {
		b.Errorf("%d goroutines still running after the run; the pool should have let go", left)
	}
	if m := e.srv.misses.Load(); m > 0 {
		b.Errorf("the loopback server got %d requests it has no reply for", m)
	}
}

// reportFloor reports the floor's figures and qpay's ratios to them, both
// measured in this run.
func reportFloor(b *testing.B, lib, floor sample) {
	b.ReportMetric(floor.nsPerOp(), "floor-ns/op")
	b.ReportMetric(floor.allocsPerOp(), "floor-allocs/op")
	b.ReportMetric(floor.bytesPerOp(), "floor-B/op")
	b.ReportMetric(lib.nsPerOp()/floor.nsPerOp(), "x-floor-ns")
	b.ReportMetric(lib.allocsPerOp()/floor.allocsPerOp(), "x-floor-allocs")
}
