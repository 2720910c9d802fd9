package checkout_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
)

// A QPay payment through Checkout.com: create it, then send the shopper to
// RedirectURL. The test server stands in for Checkout's sandbox, which
// answers 202 Pending with the QPay page in _links.redirect.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cko-Request-Id", "0HMG2QJ7K1T5R")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id":"pay_7eil5osdlcdehe62et5aihec4q","status":"Pending","reference":"ORD-10045",
			"_links":{"self":{"href":"https://api.sandbox.checkout.com/payments/pay_7eil5osdlcdehe62et5aihec4q"},
			"redirect":{"href":"https://sbapi.ckotech.co/qpay-external/redirect-to-qpay?pun=52h7saoi5edthll6ceec"}}}`)
	}))
	defer srv.Close()

	p, err := checkout.New(checkout.Config{
		SecretKey:     qpay.NewSecret("sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"), // a sandbox key: qpay.TestMode
		WebhookSecret: qpay.NewSecret("whsec_0d6b2f3c9a8e4f1b7c2d"),
		BaseURL:       srv.URL, // omit for Checkout's own sandbox or live host
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	pay, err := p.CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pay.ID, pay.Status, pay.Amount)
	fmt.Println(pay.RedirectURL)
	// Output:
	// pay_7eil5osdlcdehe62et5aihec4q pending QAR 79.10
	// https://sbapi.ckotech.co/qpay-external/redirect-to-qpay?pun=52h7saoi5edthll6ceec
}
