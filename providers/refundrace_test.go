package providers_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// refundRaces is how many races run per provider and per key mode, half
// of them between two replicas, half between three.
const refundRaces = 50

// keyMode is what the replicas racing to refund one (payment, reference)
// pass as RefundRequest.IdempotencyKey, and whether they agree on the
// amount.
type keyMode struct {
	name string
	key  func(race, replica int) string
	// otherAmounts: each replica asks for another amount under the same
	// reference (a merchant's bug): one refund is made, and the replicas
	// that asked for another amount are refused.
	otherAmounts bool
}

var keyModes = []keyMode{
	{name: "no key", key: func(int, int) string { return "" }},
	{name: "same key", key: func(race, _ int) string { return fmt.Sprintf("K-%d", race) }},
	{name: "own keys", key: func(race, replica int) string { return fmt.Sprintf("K-%d-%d", race, replica) }},
	{name: "own keys, other amounts", otherAmounts: true, key: func(race, replica int) string { return fmt.Sprintf("K-%d-%d", race, replica) }},
}

// raceTally counts what the races of one cell ended in.
type raceTally struct {
	races, calls, succeeded, refused int
	threes                           int // races between three replicas
	replayed                         int // of the refused, those the provider answered with the other refund (KindIntegrity)
	conflicts                        int // the simulator's 409s: a key met in flight
	refunds                          int // refunds the simulator made
}

// TestOneRefundPerReferenceAcrossReplicas is finding 4 of issue 12: two or
// three Provider instances of one account (separate providers.Open, each
// with its own HTTP client, as separate replicas have) refund the same
// payment under the same Reference at the same instant, each passing the
// idempotency key of its key mode. In every race the simulator makes
// exactly one refund, and every replica gets that refund (same ID, same
// amount); the only errors are where the contract puts them: a replica
// that asked for another amount under a reference already used is
// refused, not retryable (KindInvalidRequest when the refund was found
// before the request, KindIntegrity when the provider answered the derived
// key with the other refund).
//
// The simulator models both providers' idempotency under concurrency: a
// request whose key is in flight gets 409 (Checkout's documented answer,
// Tap's likely one), a completed key is answered with the first result. A
// slow answer (a few milliseconds) on some of the POSTs keeps keys in
// flight long enough for the replicas' POSTs to overlap.
func TestOneRefundPerReferenceAcrossReplicas(t *testing.T) {
	var (
		mu     sync.Mutex
		totals = map[string]*raceTally{}
	)
	t.Run("cells", func(t *testing.T) {
		for _, provider := range allRoutes {
			for _, mode := range keyModes {
				name := provider + "/" + mode.name
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					tally := runRefundRaces(t, provider, mode)
					t.Logf("%s: %d races (%d of 2 replicas, %d of 3), %d calls: %d got the refund, %d refused (%d after a replay); %d refunds made, %d 409s answered",
						name, tally.races, tally.races-tally.threes, tally.threes, tally.calls, tally.succeeded, tally.refused, tally.replayed, tally.refunds, tally.conflicts)
					mu.Lock()
					totals[name] = &tally
					mu.Unlock()
				})
			}
		}
	})
	var all raceTally
	for _, c := range totals {
		all.races += c.races
		all.threes += c.threes
		all.replayed += c.replayed
		all.calls += c.calls
		all.succeeded += c.succeeded
		all.refused += c.refused
		all.refunds += c.refunds
		all.conflicts += c.conflicts
	}
	t.Logf("all cells: %d races (%d of 2 replicas, %d of 3), %d calls: %d got the refund, %d refused (%d after a replay); %d refunds made (one per race), %d 409s waited out",
		all.races, all.races-all.threes, all.threes, all.calls, all.succeeded, all.refused, all.replayed, all.refunds, all.conflicts)
}

// runRefundRaces runs refundRaces races on a simulator of its own.
func runRefundRaces(t *testing.T, provider string, mode keyMode) raceTally {
	ctx := context.Background()
	sim := newSimulator(t, nil)
	instances := make([]qpay.Provider, 3)
	for i := range instances {
		// Each replica has its own connections: nothing is shared but the
		// provider account.
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		t.Cleanup(hc.CloseIdleConnections)
		instances[i] = openProvider(t, simulatorConfig(sim, provider, func(c *providers.Config) {
			c.HTTPClient = hc
			c.MinBackoff = providers.Duration(time.Millisecond)
			c.MaxBackoff = providers.Duration(4 * time.Millisecond)
		}))
	}
	// Some POSTs are slow, so that keys stay in flight while the other
	// replicas' POSTs arrive.
	require.NoError(t, sim.Inject(qpaytest.Fault{Provider: provider, Op: opRefund, Delay: 3 * time.Millisecond, Times: refundRaces}))

	tally := raceTally{races: refundRaces}
	for race := range refundRaces {
		replicas := 2 + race%2
		if replicas == 3 {
			tally.threes++
		}
		ref := fmt.Sprintf("R-%d", race)
		pay := capturedPayment(t, sim, instances[race%replicas], fmt.Sprintf("O-%s-%d", provider, race))
		amounts := make([]money.Money, replicas)
		for i := range amounts {
			amounts[i] = money.MustParse("25.00", qpay.Currency)
			if mode.otherAmounts {
				amounts[i] = money.MustParse(fmt.Sprintf("%d.00", 20+i), qpay.Currency)
			}
		}

		got := make([]*qpay.Refund, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, p := range instances[:replicas] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i], errs[i] = p.Refund(ctx, qpay.RefundRequest{
					PaymentID: pay.ID, Amount: amounts[i], Reference: ref, IdempotencyKey: mode.key(race, i),
				})
			}()
		}
		close(start)
		wg.Wait()

		v, err := sim.Lookup(pay.ID)
		require.NoError(t, err)
		require.Len(t, v.Refunds, 1, "race %d: exactly one refund of the payment at the provider", race)
		made := v.Refunds[0]
		require.Equal(t, ref, made.Reference)
		tally.refunds += len(v.Refunds)
		tally.calls += replicas
		for i := range replicas {
			if !amounts[i].Equal(made.Amount) {
				// Another amount under a used reference: refused, for good.
				var e *qpay.Error
				require.ErrorAs(t, errs[i], &e, "race %d replica %d asked for %s, %s was refunded", race, i, amounts[i], made.Amount)
				assert.Contains(t, []qpay.Kind{qpay.KindInvalidRequest, qpay.KindIntegrity}, e.Kind, "race %d replica %d: %v", race, i, e)
				assert.False(t, e.Retryable, "race %d replica %d: %v", race, i, e)
				tally.refused++
				if e.Kind == qpay.KindIntegrity {
					tally.replayed++
				}
				continue
			}
			require.NoError(t, errs[i], "race %d replica %d", race, i)
			assert.Equal(t, made.ID, got[i].ID, "race %d replica %d gets the one refund", race, i)
			assert.True(t, got[i].Amount.Equal(made.Amount), "race %d replica %d: %s", race, i, got[i].Amount)
			assert.Equal(t, pay.ID, got[i].PaymentID)
			tally.succeeded++
		}
	}
	for _, c := range sim.Calls(provider, opRefund) {
		if c.Status == http.StatusConflict {
			tally.conflicts++
		}
	}
	return tally
}
