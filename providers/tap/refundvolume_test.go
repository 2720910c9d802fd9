package tap_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// earlierRefunds is the merchant's refund volume of the scenario: far past
// what paging through the whole list (20 pages of 50) can read.
const earlierRefunds = 5000

// volumeMerchant is a Tap merchant on the simulator whose account already
// has n refunds, on other charges, made after the charge to refund.
type volumeMerchant struct {
	sim *qpaytest.Server
	p   qpay.Provider
}

func newVolumeMerchant(tb testing.TB, filter qpaytest.ChargesFilter) *volumeMerchant {
	tb.Helper()
	sim, err := qpaytest.NewServer(qpaytest.Options{TapChargesFilter: filter})
	require.NoError(tb, err)
	tb.Cleanup(sim.Close)
	return &volumeMerchant{sim: sim, p: qpaytest.NewTap(tb, sim)}
}

func (m *volumeMerchant) captured(tb testing.TB, ref, amount string) *qpay.Payment {
	tb.Helper()
	pay, err := m.p.CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount: money.MustParse(amount, "QAR"), Reference: ref, ReturnURL: "http://shop.test/return",
		Customer: qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
	})
	require.NoError(tb, err)
	require.NoError(tb, m.sim.Settle(pay.ID, status.Captured))
	return pay
}

// seed makes n refunds of QAR 1.00 on other charges, straight through the
// simulator's API (one POST each), 100 per charge.
func (m *volumeMerchant) seed(tb testing.TB, n int) {
	tb.Helper()
	const perCharge = 100
	var (
		wg   sync.WaitGroup
		errs = make(chan error, 8)
		work = make(chan string)
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chg := range work {
				for i := range perCharge {
					body := fmt.Sprintf(`{"charge_id":%q,"amount":1.00,"currency":"QAR","reason":"requested_by_customer","reference":{"merchant":"SEED-%s-%d"}}`, chg, chg[len(chg)-6:], i)
					req, _ := http.NewRequest(http.MethodPost, m.sim.TapBaseURL()+"/v2/refunds", bytes.NewReader([]byte(body)))
					req.Header.Set("Authorization", "Bearer "+m.sim.TapSecretKey().Reveal())
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err == nil {
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							err = fmt.Errorf("seeding a refund: %s", res.Status)
						}
					}
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
				}
			}
		}()
	}
	for i := range (n + perCharge - 1) / perCharge {
		work <- m.captured(tb, fmt.Sprintf("ORD-SEED-%d", i), "1000.00").ID
	}
	close(work)
	wg.Wait()
	close(errs)
	require.NoError(tb, <-errs)
}

// requests counts the simulator's Tap API requests of every kind.
func (m *volumeMerchant) requests() int {
	n := 0
	for _, op := range []string{qpaytest.OpCreatePayment, qpaytest.OpGetPayment, qpaytest.OpRefund, qpaytest.OpListRefunds, qpaytest.OpGetRefund} {
		n += m.sim.Requests(qpaytest.ProviderTap, op)
	}
	return n
}

// With 5,000 earlier refunds at the merchant, a refund still succeeds, in
// three round trips, when Tap honours the charges filter; when it ignores
// or refuses it, the refund is refused before any money moves (the list
// cannot be read to its end) rather than risk a second refund.
func TestRefundWithManyEarlierRefunds(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 5,000 refunds in the simulator")
	}
	cases := []struct {
		name   string
		filter qpaytest.ChargesFilter
		seed   int
		ok     bool
	}{
		{"filter honoured", qpaytest.ChargesFilterHonoured, earlierRefunds, true},
		// Just past what 20 pages of 50 can read is enough to show the
		// refusal, and seeds far faster than 5,000.
		{"filter ignored", qpaytest.ChargesFilterIgnored, 1100, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newVolumeMerchant(t, c.filter)
			target := m.captured(t, "ORD-TARGET", "100.00")
			m.seed(t, c.seed)

			before, refundsBefore := m.requests(), m.sim.Requests(qpaytest.ProviderTap, qpaytest.OpRefund)
			r, err := m.p.Refund(context.Background(), qpay.RefundRequest{PaymentID: target.ID, Amount: money.MustParse("10.00", "QAR"), Reference: "RFD-1"})
			trips := m.requests() - before
			t.Logf("%s: %d round trips", c.name, trips)
			if c.ok {
				require.NoError(t, err)
				assert.Equal(t, target.ID, r.PaymentID)
				assert.LessOrEqual(t, trips, 3)
				return
			}
			assert.ErrorIs(t, err, qpay.KindUnsupported)
			assert.Equal(t, refundsBefore, m.sim.Requests(qpaytest.ProviderTap, qpaytest.OpRefund), "no refund sent")
		})
	}
}

// Where Tap ignores or refuses the filter, a merchant with a refund volume
// the paging can read refunds as before, and what was refunded is right.
func TestChargesFilterFallback(t *testing.T) {
	filters := map[string]qpaytest.ChargesFilter{
		"honoured": qpaytest.ChargesFilterHonoured, "ignored": qpaytest.ChargesFilterIgnored, "refused": qpaytest.ChargesFilterRefused,
	}
	for name, filter := range filters {
		t.Run(name, func(t *testing.T) {
			m := newVolumeMerchant(t, filter)
			target := m.captured(t, "ORD-TARGET", "100.00")
			m.seed(t, 200)
			ctx := context.Background()
			_, err := m.p.Refund(ctx, qpay.RefundRequest{PaymentID: target.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
			require.NoError(t, err)
			m.seed(t, 100)
			left, err := qpay.Refundable(ctx, m.p, target.ID)
			require.NoError(t, err)
			assert.Equal(t, "QAR 70.00", left.String())
			// The retry of the first refund finds it, whatever the filter.
			again, err := m.p.Refund(ctx, qpay.RefundRequest{PaymentID: target.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
			require.NoError(t, err)
			assert.Equal(t, "RFD-1", again.Reference)
			left, err = qpay.Refundable(ctx, m.p, target.ID)
			require.NoError(t, err)
			assert.Equal(t, "QAR 70.00", left.String(), "refunded once")
		})
	}
}

// BenchmarkRefundWithManyEarlierRefunds measures a refund of a fresh
// charge at a merchant with 5,000 earlier refunds, Tap honouring the
// charges filter, and reports its round trips per refund.
func BenchmarkRefundWithManyEarlierRefunds(b *testing.B) {
	m := newVolumeMerchant(b, qpaytest.ChargesFilterHonoured)
	m.seed(b, earlierRefunds)
	ctx := context.Background()
	trips := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		target := m.captured(b, fmt.Sprintf("ORD-B-%d", i), "100.00")
		before := m.requests()
		b.StartTimer()
		if _, err := m.p.Refund(ctx, qpay.RefundRequest{PaymentID: target.ID, Amount: money.MustParse("10.00", "QAR"), Reference: "RFD-1"}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		trips += m.requests() - before
		b.StartTimer()
	}
	b.ReportMetric(float64(trips)/float64(b.N), "round-trips/op")
}
