package store_test

import (
	"context"
	"fmt"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// A webhook handler ships an order once, however often and in whatever
// order the provider delivers.
func ExampleStore() {
	ctx := context.Background()
	var s store.Store = store.NewMemory() // pgstore.New for several replicas
	amount := money.MustParse("79.10", "QAR")

	// After CreatePayment: remember what was asked for.
	_ = s.Track(ctx, &qpay.Payment{Provider: "tap", ID: "chg_1", Status: status.Pending, RawStatus: "INITIATED", Amount: amount})

	ship := func(ctx context.Context, r store.Result) error {
		if r.Applied && r.Current == status.Captured {
			if err := r.Payment.MethodError(); err != nil {
				// QPay was required (RequireQPay) and the shopper paid by
				// another method: captured, but refund or review it.
				fmt.Println("holding the order of", r.Payment.ID, err)
				return nil
			}
			fmt.Println("shipping the order of", r.Payment.ID)
			return nil
		}
		fmt.Println("not shipping:", r.Ignored)
		return nil
	}
	event := func(st status.Status, raw string) *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: "tap:chg_1:" + raw, Provider: "tap", Type: qpay.EventPayment,
			Payment: &qpay.Payment{ID: "chg_1", Status: st, RawStatus: raw, Amount: amount}}
	}

	// What ParseWebhook returned, delivered twice, then a late "pending".
	for _, ev := range []*qpay.WebhookEvent{event(status.Captured, "CAPTURED"), event(status.Captured, "CAPTURED"), event(status.Pending, "INITIATED")} {
		r, err := s.Process(ctx, ev, ship)
		if err != nil {
			fmt.Println("answer 500 so the provider retries:", err)
			continue
		}
		if r.Duplicate {
			fmt.Println("duplicate of", r.EventID)
		}
	}
	p, _ := s.Payment(ctx, "", "tap", "chg_1") // "" is the account of a single merchant
	fmt.Println(p.Status, p.RawStatus)

	// A report for another amount is refused.
	_, err := s.Process(ctx, &qpay.WebhookEvent{ID: "tap:chg_1:FORGED", Provider: "tap", Type: qpay.EventPayment,
		Payment: &qpay.Payment{ID: "chg_1", Status: status.Captured, Amount: money.MustParse("1.00", "QAR")}}, ship)
	fmt.Println(err)
	// Output:
	// shipping the order of chg_1
	// duplicate of tap:chg_1:CAPTURED
	// not shipping: status: stale event, the current state is further along: from captured to pending
	// captured CAPTURED
	// qpay: tap store_process: integrity: payment chg_1 was stored as QAR 79.10, the report says QAR 1.00
}
