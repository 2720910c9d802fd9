package qpay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// Send the shopper to the provider's hosted page instead of the direct
// QPay page, require QPay, and find out how the shopper actually paid.
// Checkout limits its page to QPay when QPay is required; Tap's page
// (src_all) cannot be limited, so a shopper there may pay by card, which
// MethodError reports.
func ExamplePaymentRequest_hostedPage() {
	ctx := context.Background()
	for _, provider := range []string{"tap", "checkout"} {
		p, done := newProvider(provider)
		req := orderRequest()
		req.Page, req.RequireQPay = qpay.PageHosted, true
		pay, err := p.CreatePayment(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
		}
		// The shopper pays on the hosted page, by QPay, and comes back.
		back, _ := p.Server().Pay(ctx, pay.RedirectURL, qpaytest.TestCard)
		got, err := qpay.PaymentFromReturn(ctx, p, httptest.NewRequest("GET", back.String(), nil))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(provider, got.Page, got.Status, got.Method.Type, got.MethodError() == nil)
		done()
	}

	// On Tap's hosted page the shopper picks a card instead.
	p, done := newProvider("tap")
	defer done()
	req := orderRequest()
	req.Page, req.RequireQPay = qpay.PageHosted, true
	pay, _ := p.CreatePayment(ctx, req)
	back, _ := p.Server().PayHostedCard(ctx, pay.RedirectURL, qpaytest.TestHostedCard())
	got, _ := qpay.PaymentFromReturn(ctx, p, httptest.NewRequest("GET", back.String(), nil))
	err := got.MethodError()
	fmt.Println(got.Status, got.Method.Type, got.Method.Scheme, errors.Is(err, qpay.KindMethodMismatch))
	// Output:
	// tap hosted captured qpay true
	// checkout hosted captured qpay true
	// captured card VISA true
}

// Split a marketplace payment with two sub-merchants; the rest stays with
// the merchant. A refund takes back from each recipient in proportion to
// its share. Checkout documents no splits for QPay: it is refused before
// any request.
func ExamplePaymentRequest_splits() {
	ctx := context.Background()
	p, done := newProvider("tap")
	defer done()
	req := orderRequest()
	req.Amount = money.MustParse("100.00", qpay.Currency)
	req.Splits = []qpay.Split{
		{Recipient: "480593", Amount: money.MustParse("60.00", qpay.Currency)}, // Tap destination IDs
		{Recipient: "486374", Amount: money.MustParse("25.00", qpay.Currency)},
	}
	pay, err := p.CreatePayment(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range pay.Splits {
		fmt.Println("share", s.Recipient, s.Amount)
	}
	_ = p.Settle(ctx, pay.ID, status.Captured)
	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("10.00", qpay.Currency), Reference: "RFD-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range r.Splits {
		fmt.Println("taken back", s.Recipient, s.Amount)
	}

	c, done2 := newProvider("checkout")
	defer done2()
	_, err = c.CreatePayment(ctx, req)
	fmt.Println(errors.Is(err, qpay.KindUnsupported))
	// Output:
	// share 480593 QAR 60.00
	// share 486374 QAR 25.00
	// taken back 480593 QAR 6.00
	// taken back 486374 QAR 2.50
	// true
}
