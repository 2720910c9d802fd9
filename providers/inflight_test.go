package providers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// Finding 5 of issue 12, against the simulator: the first attempt of a
// create or a refund times out while the provider is still working on it,
// the resend under the same key meets the key in flight (409), and a later
// resend gets the original answer. The call succeeds, with exactly one
// payment or refund, even when the key of a create was made by the call
// (the case where a caller told to retry would have made a second payment).
// The Mastercard Gateway, which takes the merchant's IDs instead of a key,
// makes one payment or refund just the same.
func TestInFlightConflictIsWaitedOutAgainstTheSimulator(t *testing.T) {
	for _, provider := range allRoutes {
		for _, op := range []string{opCreate, opRefund} {
			t.Run(provider+"/"+op, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				sim := newSimulator(t, nil)
				p := openProvider(t, simulatorConfig(sim, provider, func(c *providers.Config) {
					c.AttemptTimeout = providers.Duration(150 * time.Millisecond)
					// Room for an attempt or two that a loaded machine
					// slows past the timeout.
					c.MaxAttempts = 8
				}))
				var id string
				if op == opRefund {
					id = capturedPayment(t, sim, p, "ORD-inflight").ID
				}
				require.NoError(t, sim.Inject(qpaytest.Fault{Provider: provider, Op: op, Delay: 400 * time.Millisecond}))

				switch op {
				case opCreate:
					req := paymentRequest("ORD-inflight")
					req.IdempotencyKey = "" // made by the call
					pay, err := p.CreatePayment(ctx, req)
					require.NoError(t, err, "the 409 is waited out")
					n := 0
					for _, v := range sim.Payments() {
						if v.Reference == "ORD-inflight" {
							n++
							assert.Equal(t, v.ID, pay.ID)
						}
					}
					assert.Equal(t, 1, n, "payments made")
				case opRefund:
					r, err := p.Refund(ctx, refundRequest(id, "RFD-inflight"))
					require.NoError(t, err, "the 409 is waited out")
					v, err := sim.Lookup(id)
					require.NoError(t, err)
					require.Len(t, v.Refunds, 1, "refunds made")
					assert.Equal(t, v.Refunds[0].ID, r.ID)
				}
				conflicts := 0
				for _, c := range sim.Calls(provider, op) {
					if c.Status == http.StatusConflict {
						conflicts++
					}
				}
				if provider == providers.MPGS {
					// The gateway has no key to be in flight: the resend
					// names the same order and transaction, and whichever
					// of the two the gateway takes second is refused.
					assert.Zero(t, conflicts)
				} else {
					assert.Positive(t, conflicts, "a resend met the key in flight")
				}
			})
		}
	}
}

// A 409 that is not about a key in flight (here: a request that carries no
// idempotency key cannot be one) is not waited out: GetPayment reports it.
func TestConflictWithoutAKeyIsTheAnswer(t *testing.T) {
	for _, provider := range allRoutes {
		t.Run(provider, func(t *testing.T) {
			sim := newSimulator(t, nil)
			p := openProvider(t, simulatorConfig(sim, provider, nil))
			id := capturedPayment(t, sim, p, "ORD-get-409").ID
			require.NoError(t, sim.Inject(qpaytest.Fault{Provider: provider, Op: opGet, Status: http.StatusConflict}))
			_, err := p.GetPayment(context.Background(), id)
			assert.ErrorIs(t, err, qpay.KindConflict)
			assert.Len(t, sim.Calls(provider, opGet), 1, "tried once")
		})
	}
}
