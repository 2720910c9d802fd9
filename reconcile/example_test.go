package reconcile_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/reconcile"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// A shopper leaves the QPay page: Tap sends no webhook for an abandoned
// payment. The reconciler reads it back once it is overdue and hands the
// change to the same function as the webhook handler, through the same
// store.
func Example() {
	sim, _ := qpaytest.NewServer(qpaytest.Options{})
	defer sim.Close()
	registry := providers.NewRegistry()
	_ = registry.Configure("merchant-1", sim.Config(providers.Tap))
	st := store.NewMemory()

	// Fulfilment, written once: the webhook path and the reconciler both
	// call it with the store's Result.
	fulfil := func(ctx context.Context, r store.Result) error {
		if !r.Applied {
			return nil
		}
		if err := r.Payment.MethodError(); err != nil {
			// QPay was required and the shopper paid by another method:
			// not fulfilled as paid, refunded or reviewed instead.
			fmt.Printf("payment %s: %s, held: %v\n", r.Payment.Reference, r.Current, err)
			return nil
		}
		fmt.Printf("payment %s: %s -> %s\n", r.Payment.Reference, r.Previous, r.Current)
		return nil
	}
	webhooks := &qpay.WebhookHandler{
		Provider: registry.Resolver(func(r *http.Request) string { return r.PathValue("merchant") }),
		Handle: func(ctx context.Context, ev *qpay.WebhookEvent) error {
			_, err := st.Process(ctx, ev, fulfil)
			return err
		},
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{merchant}", webhooks) // served by the shop's http.Server
	rec := &reconcile.Reconciler{
		Store:    st,
		Provider: registry.Get, // the same per-merchant Providers as the webhooks
		Handle:   fulfil,
		// Production keeps the default: the longest page expiry plus a
		// grace. The example does not wait an hour.
		PaymentAfter: time.Nanosecond,
	}

	ctx := context.Background()
	p, _ := registry.Get("merchant-1")
	pay, _ := p.CreatePayment(ctx, qpay.PaymentRequest{
		Amount: money.MustParse("79.10", "QAR"), Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})
	_ = st.Track(ctx, pay)
	_ = sim.Settle(pay.ID, status.Expired) // the shopper walked away; no webhook

	stats, err := rec.RunOnce(ctx) // in production: go rec.Run(ctx, time.Minute)
	fmt.Println(stats.Applied, "applied", err)
	stored, _ := st.Payment(ctx, "merchant-1", pay.Provider, pay.ID)
	fmt.Println("stored:", stored.Status)
	// Output:
	// payment ORD-10045: pending -> expired
	// 1 applied <nil>
	// stored: expired
}
