package qpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// The examples run offline against qpaytest's in-memory Fake, which is the
// real adapter over qpay's simulator; in production p comes from
// providers.Open(cfg).
func newProvider(name string) (*qpaytest.Fake, func()) {
	f, err := qpaytest.NewFake(name)
	if err != nil {
		panic(err)
	}
	return f, f.Close
}

func orderRequest() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      money.MustParse("79.10", qpay.Currency),
		Reference:   "ORD-10045",
		Description: "Two karak teas and a cake",
		Customer:    qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL:   "https://shop.example/qpay/return",
		WebhookURL:  "https://shop.example/qpay/webhook",
	}
}

// Create a payment and send the shopper to the QPay page. The redirect must
// be a full page: QPay pages refuse to run in an iframe.
func ExampleProvider_createPayment() {
	p, done := newProvider("tap")
	defer done()

	pay, err := p.CreatePayment(context.Background(), orderRequest())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pay.Status, pay.RawStatus, pay.Amount, pay.Reference)

	// In an http.HandlerFunc:
	w := httptest.NewRecorder()
	http.Redirect(w, httptest.NewRequest("POST", "/buy", nil), pay.RedirectURL, http.StatusSeeOther)
	fmt.Println(w.Code, strings.HasPrefix(w.Header().Get("Location"), "http"))
	// Output:
	// pending INITIATED QAR 79.10 ORD-10045
	// 303 true
}

// Every problem of a request is reported before anything is sent.
func ExamplePaymentRequest_Validate() {
	req := orderRequest()
	req.Amount = money.MustParse("1.500", "KWD")
	req.Reference = ""
	err := req.Validate(qpay.LiveMode)
	fmt.Println(errors.Is(err, qpay.KindInvalidRequest))
	fmt.Println(err)
	// Output:
	// true
	// qpay: invalid_request: QPay takes QAR only, got KWD; reference is required
}

// The shopper comes back to the return URL with the provider's ID in the
// query. Read the payment back from the provider; never trust the query.
func ExamplePaymentFromReturn() {
	ctx := context.Background()
	p, done := newProvider("checkout")
	defer done()
	pay, _ := p.CreatePayment(ctx, orderRequest())
	back, _ := p.Server().Pay(ctx, pay.RedirectURL, qpaytest.TestCard) // the shopper pays

	// In the return handler, r is the shopper's request:
	r := httptest.NewRequest("GET", back.String(), nil)
	got, err := qpay.PaymentFromReturn(ctx, p, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.URL.Query().Has("cko-session-id"), got.ID == pay.ID, got.Status)

	// A forged or foreign return is refused before any request.
	_, err = qpay.PaymentFromReturn(ctx, p, httptest.NewRequest("GET", "/qpay/return?tap_id=chg_1", nil))
	fmt.Println(errors.Is(err, qpay.KindInvalidRequest))
	// Output:
	// true true captured
	// true
}

// A webhook endpoint: the handler verifies the signature, and answers 2xx
// only once the merchant's function has succeeded, so that the provider
// delivers again otherwise.
func ExampleNewWebhookHandler() {
	ctx := context.Background()
	p, done := newProvider("tap")
	defer done()

	h := qpay.NewWebhookHandler(p, func(ctx context.Context, ev *qpay.WebhookEvent) error {
		// Deliveries repeat and arrive out of order: de-duplicate on ev.ID
		// and move the order forward only (package store does both).
		fmt.Println("event:", ev.Type, ev.Payment.Status, ev.Payment.Amount)
		return nil
	})

	pay, _ := p.CreatePayment(ctx, orderRequest())
	_ = p.Settle(ctx, pay.ID, status.Captured)
	header, body, _ := p.Webhook(pay.ID) // what Tap would POST

	for _, sig := range []string{header.Get("hashstring"), "forged"} {
		req := httptest.NewRequest("POST", "/qpay/webhook", bytes.NewReader(body))
		req.Header.Set("hashstring", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println("answer:", w.Code)
	}
	// Output:
	// event: payment captured QAR 79.10
	// answer: 200
	// answer: 401
}

// Refund part of a captured payment, then the rest. The reference names the
// refund: retrying a Refund with the same reference returns the first one
// instead of giving the money back twice.
func ExampleProvider_refund() {
	ctx := context.Background()
	p, done := newProvider("checkout")
	defer done()
	pay, _ := p.CreatePayment(ctx, orderRequest())
	_ = p.Settle(ctx, pay.ID, status.Captured)

	part, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("refund", part.Status, part.Amount)

	again, _ := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
	fmt.Println("same refund on retry:", again.ID == part.ID)

	_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("50.00", "QAR"), Reference: "RFD-2"})
	fmt.Println("too much:", errors.Is(err, qpay.KindInvalidRequest))

	now, _ := p.GetPayment(ctx, pay.ID)
	left, _ := now.Refundable()
	rest, _ := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: left, Reference: "RFD-3"})
	fmt.Println("refund", rest.Status, rest.Amount)
	// Output:
	// refund succeeded QAR 30.00
	// same refund on retry: true
	// too much: true
	// refund succeeded QAR 49.10
}

// Errors carry a Kind for decisions and everything a support ticket needs.
func ExampleError() {
	ctx := context.Background()
	p, done := newProvider("tap")
	defer done()

	_, err := p.GetPayment(ctx, "chg_doesnotexist0000000000000000")
	var e *qpay.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.HTTPStatus, e.Code, e.Retryable)
	}
	fmt.Println(errors.Is(err, qpay.KindNotFound))
	// Output:
	// not_found 404 1144 false
	// true
}
