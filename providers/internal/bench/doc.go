// Package bench measures qpay against the floor any Go client of Tap or
// Checkout.com faces: net/http and encoding/json doing the same round trips
// with the same bodies. It holds only benchmarks (and a smoke test that
// keeps them honest); run them all, with a table of the results, with
//
//	.ci/bench
//
// # Method
//
// Every benchmark talks to a loopback httptest.Server that answers each
// endpoint with a fixed body taken from the providers' documented examples
// (testdata/), with its Content-Length, and does nothing else, so that the
// server's work is the same for both clients and the difference is the
// client's own. The server counts the TCP connections it accepts
// (http.Server.ConnState, StateNew).
//
// Each benchmark runs, in one run of the benchmark function and with the
// same b.N:
//
//  1. qpay's operation, through the provider a merchant gets from tap.New
//     or checkout.New (default connection pool), under the benchmark's
//     timer: its ns/op, B/op and allocs/op are the benchmark's own;
//  2. beside it, the floor's operation, measured the same way
//     (runtime.MemStats around each loop) but off the timer, reported as
//     floor-ns/op, floor-allocs/op and floor-B/op;
//  3. the ratios of the two, x-floor-ns and x-floor-allocs.
//
// The two take turns, in 16 slices of b.N/16 calls with the first mover
// alternating, so that drift on a shared machine (other processes, the
// heap's size, CPU frequency) falls on both sides of the ratio alike. The
// heap is collected once before the slices and never forced between them:
// collections then fall where each side's allocations trigger them, so
// each pays for its garbage in proportion. Both clients make one warm-up
// call first. The floor builds its request
// body from a struct with encoding/json, sends it with net/http (the
// default transport, with an idle pool of 64 per host), checks the status
// and decodes the answer into a struct with the fields the adapter reads.
// It validates nothing, checks nothing, never retries and sends a constant
// idempotency key: everything qpay does beyond that is what the ratio
// measures.
//
// Refund makes three round trips in qpay by design (read the payment, read
// its refunds to know what is still refundable and whether the refund
// already exists, then POST), four at Checkout (whose 202 carries no
// amount, so the new refund's action is read back to compare it with the
// request), and the floor makes the same; the POST alone is reported as
// post-floor-ns/op for information.
//
// ParseWebhook's floor is HMAC-SHA256 of what the provider signs (the raw
// body for Checkout; for Tap the string of seven fields its hashstring
// covers, which needs the body decoded) and one json.Unmarshal of the body;
// for Tap, whose signature leaves the reference and metadata out, it also
// reads the charge back (GET /v2/charges/{id}), as qpay does.
//
// BenchmarkParallelGetPayment runs qpay and then the floor (one after the
// other, so that each client's connections can be counted apart) through
// b.RunParallel at 1, 2, 4 and 8 goroutines per GOMAXPROCS, after ten
// calls on every worker. It reports ops/s, the connections each client
// opened per worker over the whole run (conns/worker) and the connections
// it opened under steady load, during the timed loop, per thousand calls
// (steady-conns/kop): zero when every worker keeps reusing a pooled
// connection. (Workers that start together can open a spare connection or
// two: a request waiting for its dial takes a connection freed meanwhile,
// and the dialled one joins the pool.)
//
// After every run the floor's idle connections are closed, the server is
// shut (which ends qpay's pooled connections from the other side), and
// the goroutine count must come back to what it was before the run:
// goroutines-left, which fails the benchmark when it is not zero.
//
// BenchmarkRejectForged has no floor and no server: it measures the
// refusal of a forged 1 MiB webhook beside the verification of a genuine
// one of the same size (signed, padded in an unsigned field), interleaved
// in the same way, and reports their ratio as x-genuine-ns (target: at most
// 3). Both providers are configured with a previous secret, as during a key
// rotation, so every forged body is tried against two; TestForgedBodiesAreRefused
// checks that each forged body is refused and each genuine one verifies.
//
// The benchtable command reads `go test -bench` output and prints the
// median of each figure over the -count runs, with the targets; the smoke
// tests of this package check, on every `go test`, that the floor sends
// the bodies qpay sends and reads what qpay reads. RESULTS.md holds the
// figures of the development machine.
package bench
