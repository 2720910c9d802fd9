package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// ops is one operation as qpay does it and as the floor does it.
type ops struct {
	lib   func(context.Context) error
	floor func(context.Context) error
	// post, for Refund only, is the floor's POST alone.
	post func(context.Context) error
	// network is false for ParseWebhook, which makes no request for
	// Checkout and one read-back for Tap; its connections are not counted.
	network bool
}

func createOps(e *env) ops {
	return ops{
		lib: func(ctx context.Context) error {
			_, err := e.lib.CreatePayment(ctx, e.be.create)
			return err
		},
		floor:   func(ctx context.Context) error { _, err := e.floor.CreatePayment(ctx); return err },
		network: true,
	}
}

func getOps(e *env) ops {
	return ops{
		lib: func(ctx context.Context) error {
			_, err := e.lib.GetPayment(ctx, e.be.paymentID)
			return err
		},
		floor:   func(ctx context.Context) error { _, err := e.floor.GetPayment(ctx); return err },
		network: true,
	}
}

func refundOps(e *env) ops {
	return ops{
		lib: func(ctx context.Context) error {
			_, err := e.lib.Refund(ctx, e.be.refund)
			return err
		},
		floor:   func(ctx context.Context) error { _, err := e.floor.Refund(ctx); return err },
		post:    func(ctx context.Context) error { _, err := e.floor.RefundPost(ctx); return err },
		network: true,
	}
}

func webhookOps(e *env) ops {
	return ops{
		lib: func(ctx context.Context) error {
			_, err := e.lib.ParseWebhook(ctx, e.be.webhookHeader, e.be.webhookBody)
			return err
		},
		floor: func(context.Context) error {
			_, err := e.floor.ParseWebhook(e.be.webhookHeader, e.be.webhookBody)
			return err
		},
	}
}

// BenchmarkCreatePayment is one CreatePayment round trip: validation, the
// idempotency key, the charge or payment body, and the answer's checks.
func BenchmarkCreatePayment(b *testing.B) { perBackend(b, createOps) }

// BenchmarkGetPayment is one GetPayment round trip.
func BenchmarkGetPayment(b *testing.B) { perBackend(b, getOps) }

// BenchmarkRefund is one Refund: three round trips for qpay and for the
// floor alike (read the payment, read its refunds, POST the refund), and at
// Checkout a fourth (read the new refund's action back for its amount).
func BenchmarkRefund(b *testing.B) { perBackend(b, refundOps) }

// BenchmarkParseWebhook is one signed delivery verified and decoded; the
// floor is HMAC-SHA256 and json.Unmarshal of the same body.
func BenchmarkParseWebhook(b *testing.B) { perBackend(b, webhookOps) }

// BenchmarkParallelGetPayment runs GetPayment from 1, 2, 4 and 8 times
// GOMAXPROCS goroutines and reports the TCP connections each client opened
// per worker and the throughput.
func BenchmarkParallelGetPayment(b *testing.B) {
	for _, be := range backends(b) {
		for _, p := range []int{1, 2, 4, 8} {
			workers := p * runtime.GOMAXPROCS(0)
			b.Run(fmt.Sprintf("%s/workers=%d", be.name, workers), func(b *testing.B) {
				b.SetParallelism(p)
				runPair(b, be, getOps, workers)
			})
		}
	}
}

// perBackend runs one sequential benchmark per provider.
func perBackend(b *testing.B, pick func(*env) ops) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) { runPair(b, be, pick, 0) })
	}
}

// runPair measures qpay (the benchmark's own figures) and then, beside it
// in the same run with the same b.N, the floor, and reports the floor's
// figures and the ratios. workers > 0 runs both through b.RunParallel.
func runPair(b *testing.B, be *backend, pick func(*env) ops, workers int) {
	b.ReportAllocs()
	b.StopTimer()
	e := newEnv(b, be, false)
	defer e.finish(b)
	o := pick(e)
	if workers > 0 {
		runParallelPair(b, e, o, workers)
		return
	}

	// One warm-up call each: the first connection, lazily built state.
	ctx := context.Background()
	all := []func(context.Context) error{o.lib, o.floor}
	if o.post != nil {
		all = append(all, o.post)
	}
	for _, op := range all {
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	s := interleaved(b, all...)
	reportFloor(b, s[0], s[1])
	if o.post != nil {
		b.ReportMetric(s[2].nsPerOp(), "post-floor-ns/op")
		b.ReportMetric(s[2].allocsPerOp(), "post-floor-allocs/op")
	}
	if o.network {
		// Both clients together: 2 means each kept its first connection.
		b.ReportMetric(float64(e.srv.conns.Load()), "conns")
	}
}

// runParallelPair runs qpay's side, then the floor's, each through
// b.RunParallel after a warm-up on every worker, so that each client's
// connections can be counted apart.
func runParallelPair(b *testing.B, e *env, o ops, workers int) {
	lib := parallelSide(b, e, true, o.lib, workers)
	floor := parallelSide(b, e, false, o.floor, workers)
	reportFloor(b, lib.sample, floor.sample)
	w := float64(workers)
	// Every connection the client opened, warm-up included, per worker.
	// Workers that start together can open a few more than one each (a
	// request that was waiting for its dial takes a connection freed
	// meanwhile, and the dialled one joins the pool).
	b.ReportMetric(float64(lib.conns)/w, "conns/worker")
	b.ReportMetric(float64(floor.conns)/w, "floor-conns/worker")
	// Connections opened under steady load, after every worker has made
	// calls, per thousand calls: zero, or nearly (the same race can leave
	// one spare), when every worker keeps reusing a pooled connection; a
	// pool that closes connections it should keep opens them all along.
	b.ReportMetric(float64(lib.steady)*1000/float64(lib.n), "steady-conns/kop")
	b.ReportMetric(float64(floor.steady)*1000/float64(floor.n), "floor-steady-conns/kop")
	b.ReportMetric(lib.opsPerSec(), "ops/s")
	b.ReportMetric(floor.opsPerSec(), "floor-ops/s")
}

// side is one client's run in a parallel benchmark.
type side struct {
	sample
	conns  int64 // connections opened, warm-up included
	steady int64 // connections opened during the timed loop
}

func parallelSide(b *testing.B, e *env, timed bool, op func(context.Context) error, workers int) side {
	before := e.srv.conns.Load()
	warm(b, workers, op)
	warmed := e.srv.conns.Load()
	s := parallel(b, timed, op)
	after := e.srv.conns.Load()
	return side{sample: s, conns: after - before, steady: after - warmed}
}

// warmCalls is how many calls each worker makes before the timed loop.
const warmCalls = 10

// warm makes a few calls on each of workers goroutines at once, so that
// the timed loop starts with the connections it will keep.
func warm(b *testing.B, workers int, op func(context.Context) error) {
	b.Helper()
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var err error
			for i := 0; i < warmCalls && err == nil; i++ {
				err = op(context.Background())
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}
