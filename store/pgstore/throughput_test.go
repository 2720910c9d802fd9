package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/pgtest"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/store"
	"github.com/qpay-go/qpay/store/pgstore"
)

// perReplica is how many deliveries each replica handles at once.
const perReplica = 4

// BenchmarkWebhookThroughput measures verified events per second through
// qpay.WebhookHandler and the PostgreSQL store with 1, 2 and 4 replicas
// (each a Store over a pool of its own, handling perReplica deliveries at
// once), beside a floor measured in the same run on the same database with
// the same replicas and concurrency: per event, one bare INSERT ... ON
// CONFLICT DO NOTHING and one UPDATE, in one transaction. The two run in
// alternating slices of 100 events each, so that a machine shared with
// other work loads both alike. Every event is a new payment's
// payment_captured, signed as Checkout signs it (the whole body, so no
// read-back is needed). It reports handler-events/s, floor-events/s and
// their ratio, x-floor.
func BenchmarkWebhookThroughput(b *testing.B) {
	url := pgtest.URL(b)
	p, err := providers.Open(providers.Config{
		Provider: providers.Checkout, SecretKey: qpay.NewSecret(qpaytest.DefaultCheckoutSecretKey),
		WebhookSecret: qpay.NewSecret(qpaytest.DefaultCheckoutWebhookSecret), BaseURL: "http://127.0.0.1:9",
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, replicas := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			ctx := context.Background()
			floorPools := benchPools(b, url, replicas)
			if _, err := floorPools[0].Exec(ctx, `CREATE TABLE floor_events (id text PRIMARY KEY, applied boolean NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			floor := func(r, i int) error {
				id := fmt.Sprintf("evt_floor%017d", i)
				return pgx.BeginFunc(ctx, floorPools[r], func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO floor_events (id, applied) VALUES ($1, false) ON CONFLICT DO NOTHING`, id); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `UPDATE floor_events SET applied = true WHERE id = $1`, id)
					return err
				})
			}

			handlerPools := benchPools(b, url, replicas)
			handlers := make([]http.Handler, replicas)
			for r := range handlers {
				s, err := pgstore.New(ctx, handlerPools[r])
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Migrate(ctx); err != nil {
					b.Fatal(err)
				}
				handlers[r] = qpay.NewWebhookHandler(p, func(ctx context.Context, ev *qpay.WebhookEvent) error {
					_, err := s.Process(ctx, ev, func(context.Context, store.Result) error { return nil })
					return err
				})
			}
			type delivery struct {
				header http.Header
				body   []byte
			}
			deliveries := make([]delivery, b.N)
			amount := money.MustParse("79.10", "QAR")
			for i := range deliveries {
				body, err := qpaytest.CheckoutEventJSON("payment_captured", fmt.Sprintf("pay_bench%017d", i), amount, "ORD-1")
				if err != nil {
					b.Fatal(err)
				}
				deliveries[i] = delivery{qpaytest.CheckoutWebhook(qpay.NewSecret(qpaytest.DefaultCheckoutWebhookSecret), body), body}
			}
			handler := func(r, i int) error {
				d := deliveries[i]
				req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(d.body))
				req.Header = d.header.Clone()
				w := httptest.NewRecorder()
				handlers[r].ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					return fmt.Errorf("delivery %d: %d %s", i, w.Code, w.Body)
				}
				return nil
			}

			const slice = 100
			var floorTime, handlerTime time.Duration
			b.ResetTimer()
			for from := 0; from < b.N; from += slice {
				to := min(from+slice, b.N)
				floorTime += run(b, replicas, from, to, floor)
				handlerTime += run(b, replicas, from, to, handler)
			}
			b.StopTimer()
			floorRate := float64(b.N) / floorTime.Seconds()
			handlerRate := float64(b.N) / handlerTime.Seconds()
			b.ReportMetric(handlerRate, "handler-events/s")
			b.ReportMetric(floorRate, "floor-events/s")
			b.ReportMetric(handlerRate/floorRate, "x-floor")
		})
	}
}

// run calls event(replica, i) for i in [from, to), from perReplica
// goroutines per replica, and returns how long that took.
func run(b *testing.B, replicas, from, to int, event func(replica, i int) error) time.Duration {
	b.Helper()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		fail atomic.Pointer[error]
	)
	next.Store(int64(from))
	start := time.Now()
	for r := range replicas {
		for range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= to || fail.Load() != nil {
						return
					}
					if err := event(r, i); err != nil {
						fail.Store(&err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	took := time.Since(start)
	if err := fail.Load(); err != nil {
		b.Fatal(*err)
	}
	return took
}

// benchPools makes a schema for one benchmark and a pool per replica over it.
func benchPools(b *testing.B, url string, replicas int) []*pgxpool.Pool {
	b.Helper()
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(admin.Close)
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	schema := pgx.Identifier{"qpay_bench_" + hex.EncodeToString(buf)}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema.Sanitize()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema.Sanitize()+" CASCADE") })
	pools := make([]*pgxpool.Pool, replicas)
	for r := range pools {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			b.Fatal(err)
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = schema[0]
		cfg.MaxConns = perReplica
		if pools[r], err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pools[r].Close)
	}
	return pools
}
