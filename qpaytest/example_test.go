package qpaytest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// The whole flow offline: the real Tap adapter creates a payment on the
// simulator, the shopper pays on its page, and the merchant reads the
// payment back.
func ExampleNewServer() {
	ctx := context.Background()
	s, err := qpaytest.NewServer(qpaytest.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	p, err := tap.New(qpaytest.TapConfig(s)) // or qpaytest.NewTap(t, s) in a test
	if err != nil {
		panic(err)
	}
	pay, err := p.CreatePayment(ctx, qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})
	if err != nil {
		panic(err)
	}

	back, err := s.Pay(ctx, pay.RedirectURL, qpaytest.TestCard)
	if err != nil {
		panic(err)
	}
	fmt.Println("shopper back at", back.Path, "with the charge:", back.Query().Get("tap_id") == pay.ID)

	got, err := p.GetPayment(ctx, pay.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Status, got.RawStatus, got.Amount)
	// Output:
	// shopper back at /qpay/return with the charge: true
	// captured CAPTURED QAR 79.10
}

// A Fake is a qpay.Provider for unit tests: no socket, the real adapter's
// validation and errors, and webhooks built on demand.
func ExampleNewFake() {
	ctx := context.Background()
	f, err := qpaytest.NewFake(qpaytest.ProviderCheckout)
	if err != nil {
		panic(err)
	}
	defer f.Close()

	pay, err := f.CreatePayment(ctx, qpay.PaymentRequest{
		Amount:    money.MustParse("25.00", "QAR"),
		Reference: "ORD-7",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})
	if err != nil {
		panic(err)
	}
	if err := f.Settle(ctx, pay.ID, status.Captured); err != nil {
		panic(err)
	}

	header, body, err := f.Webhook(pay.ID)
	if err != nil {
		panic(err)
	}
	ev, err := f.ParseWebhook(ctx, header, body) // what the merchant's handler does
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type, ev.RawType, ev.Payment.Status)
	// Output: payment payment_captured captured
}

// A signed Tap webhook in three lines, for testing a webhook handler.
func ExampleTapWebhook() {
	key := qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")
	body, _ := qpaytest.TapChargeJSON("chg_TS07A0320241133g5RO1906000", "CAPTURED", money.MustParse("79.10", "QAR"), "ORD-10045")
	header, _ := qpaytest.TapWebhook(key, body)

	// Tap signs seven fields of the object, not the body, so the Provider
	// reads the charge back before it returns the event. Here a stand-in
	// for Tap's API answers with the same charge; Fake and Server answer
	// from the charges they hold.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	defer api.Close()
	p, err := tap.New(tap.Config{SecretKey: key, BaseURL: api.URL})
	if err != nil {
		panic(err)
	}
	ev, err := p.ParseWebhook(context.Background(), header, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.ID)
	fmt.Println(ev.Payment.Status, ev.Payment.Amount, ev.Payment.Reference)
	// Output:
	// tap:chg_TS07A0320241133g5RO1906000:CAPTURED
	// captured QAR 79.10 ORD-10045
}
