package sim

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/qpay-go/qpay/status"
)

// The methods a hosted page can offer, as Payment.Methods and
// Payment.Method name them. A route's direct QPay page offers QPay only
// (Methods nil); its hosted pages offer what the route's request asked
// for (Tap src_all: both; src_card: cards; Checkout allow_payment_methods).
const (
	MethodQPay = "qpay"
	MethodCard = "card"
)

// The card a shopper can pay with on a hosted page that takes cards.
const (
	TestVisaNumber = "4242424242424242" // Visa, captured
	VisaScheme     = "VISA"
)

// HostedCard is what a shopper types in the card form of a hosted page.
type HostedCard struct {
	Number string // 12 to 19 digits
	Expiry string // MM/YY
	CVC    string // 3 or 4 digits
}

// TestHostedCard is paid (captured) on any hosted page that takes cards,
// unless a magic amount or a control says otherwise; DeclineCardNumber
// is declined there too. A function, so that no caller can change the
// card every other test pays with.
func TestHostedCard() HostedCard {
	return HostedCard{Number: TestVisaNumber, Expiry: "12/49", CVC: "123"}
}

// Offers reports whether p's page offers method.
func (p *Payment) Offers(method string) bool {
	if len(p.Methods) == 0 {
		return method == MethodQPay
	}
	for _, m := range p.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// firstMethod is the method a control pays with when it names none.
func (p *Payment) firstMethod() string {
	if len(p.Methods) == 0 {
		return MethodQPay
	}
	return p.Methods[0]
}

// problems are every entry the card form refuses, nil if none.
func (c HostedCard) problems() []fieldProblem {
	var out []fieldProblem
	if len(c.Number) < 12 || len(c.Number) > 19 || !allDigits(c.Number) {
		out = append(out, fieldProblem{"card_number", func(w *words) string { return w.ErrCardNumber }})
	}
	if !validExpiry(c.Expiry) {
		out = append(out, fieldProblem{"expiry", func(w *words) string { return w.ErrExpiry }})
	}
	if len(c.CVC) < 3 || len(c.CVC) > 4 || !allDigits(c.CVC) {
		out = append(out, fieldProblem{"cvc", func(w *words) string { return w.ErrCVC }})
	}
	return out
}

// decideCard is what paying p by card c does. The caller holds the lock.
func (c *Core) decideCard(p *Payment, card HostedCard) Result {
	return c.decideWith(p, TestVisaNumber, Card{Number: card.Number, Expiry: card.Expiry})
}

// paidWith records how p was paid: method and the card's digits.
func paidWith(p *Payment, method, number, scheme string) {
	p.Method, p.CardScheme = method, scheme
	if len(number) >= 10 {
		p.CardFirst6, p.CardLast4 = number[:6], number[len(number)-4:]
	}
}

// PayHostedCard plays the shopper paying by card on a hosted page, as Pay
// does for QPay.
func (c *Core) PayHostedCard(ctx context.Context, redirectURL string, card HostedCard) (*url.URL, error) {
	return c.submitForm(ctx, redirectURL, MethodCard, url.Values{
		"action":      {"pay"},
		"card_number": {card.Number},
		"expiry":      {card.Expiry},
		"cvc":         {card.CVC},
	})
}

// SettleHosted is Settle on a hosted page, paying by method (MethodQPay or
// MethodCard), which the page must offer: Captured is paid with TestCard
// or TestHostedCard(), Failed declined for insufficient funds.
func (c *Core) SettleHosted(id, method string, to status.Status) error {
	return c.settle(id, method, to)
}

var formBlock = regexp.MustCompile(`(?is)<form\b[^>]*>.*?</form>`)

// pickForm is the form of the page for method ("" for the first form).
func pickForm(page, method string) string {
	forms := formBlock.FindAllString(page, -1)
	for _, f := range forms {
		if method == "" {
			return f
		}
		for _, in := range inputTag.FindAllString(f, -1) {
			if a := attrs(in); strings.EqualFold(a["type"], "hidden") && a["name"] == "method" && a["value"] == method {
				return f
			}
		}
	}
	return ""
}

// methodProblem is why the page refuses method for p, nil if it does not.
func methodProblem(p *Payment, method string) []fieldProblem {
	if !p.Offers(method) {
		return formProblem(func(w *words) string { return w.ErrMethod })
	}
	return nil
}
