package qpay_test

import (
	"context"
	"fmt"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
)

// The service crashed after CreatePayment, before saving the payment's ID:
// at restart it has the order reference only. Recover finds the payment
// the provider holds for it, to track instead of creating a second one.
func ExampleRecover() {
	p, _ := qpaytest.NewFake(qpaytest.ProviderTap)
	defer p.Close()
	ctx := context.Background()
	_, _ = p.CreatePayment(ctx, qpay.PaymentRequest{ // its answer was lost in the crash
		Amount: money.MustParse("79.10", "QAR"), Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})

	pay, err := qpay.Recover(ctx, p, "ORD-10045")
	switch {
	case err != nil:
		fmt.Println("cannot tell, try again later:", err)
	case pay == nil:
		fmt.Println("no payment for the order: create one")
	default:
		// store.Track(ctx, pay), then carry on: redirect the shopper to
		// pay.RedirectURL while it is pending.
		fmt.Println("found", pay.Reference, pay.Status)
	}
	none, _ := qpay.Recover(ctx, p, "ORD-10046")
	fmt.Println(none == nil)
	// Output:
	// found ORD-10045 pending
	// true
}
