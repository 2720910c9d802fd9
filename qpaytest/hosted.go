package qpaytest

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// The methods a payment page offers and a shopper pays with (View.Methods,
// View.Method): the same words as qpay.MethodQPay and qpay.MethodCard.
const (
	MethodQPay = sim.MethodQPay
	MethodCard = sim.MethodCard
)

// HostedCard is a card (Visa, Mastercard...) as a shopper types it in the
// card form of a provider's hosted page (Tap src_all and src_card,
// Checkout's Hosted Payments Page), paid with PayHostedCard. It is not
// the QPay (NAPS debit) card of the QPay form, which is a Card, paid with
// Pay.
type HostedCard = sim.HostedCard

// TestVisaNumber is the card paid on a hosted page that takes cards; it is
// reported as a Visa card (Tap source.payment_method VISA, Checkout
// source.type card, scheme Visa). DeclineCardNumber is declined there too.
const TestVisaNumber = sim.TestVisaNumber

// TestHostedCard returns the hosted page's test card: TestVisaNumber
// with an expiry far in the future and a CVC. It is a function, so that a
// test cannot change the card other tests pay with.
func TestHostedCard() HostedCard { return sim.TestHostedCard() }

// PayHostedCard plays the shopper paying by card on a hosted page, the way
// Pay plays one paying by QPay (on the direct page or a hosted page's QPay
// form): it picks the page's card form, fills in c
// and presses Pay. A page that offers no card form is an error.
func (s *Server) PayHostedCard(ctx context.Context, redirectURL string, c HostedCard) (*url.URL, error) {
	return s.core.PayHostedCard(ctx, redirectURL, c)
}

// SettleHosted is Settle for a payment on a hosted page, paid by method
// (MethodQPay or MethodCard), which the page must offer.
func (s *Server) SettleHosted(id, method string, to status.Status) error {
	return s.core.SettleHosted(id, method, to)
}

// HostedPages reports whether the Backend's provider has hosted pages in
// the simulator: Tap (src_all, src_card) and Checkout (its Hosted Payments
// Page) do, the mpgs route does not.
func (b *Backend) HostedPages() bool {
	return b.provider == ProviderTap || b.provider == ProviderCheckout
}

// SettleHosted plays the shopper on the hosted page of payment id, paying by
// method with the outcome to (see Server.SettleHosted).
func (b *Backend) SettleHosted(t *testing.T, id, method string, to status.Status) {
	t.Helper()
	if err := b.s.SettleHosted(id, method, to); err != nil {
		t.Fatalf("qpaytest: pay %s by %s as %s: %v", id, method, to, err)
	}
}

// Offers reports whether the page of payment id offers method.
func (b *Backend) Offers(t *testing.T, id, method string) bool {
	t.Helper()
	v, err := b.s.Lookup(id)
	if err != nil {
		t.Fatalf("qpaytest: %v", err)
	}
	return slices.Contains(v.Methods, method)
}

// ReturnQuery is the query the provider adds to the shopper's return URL
// once payment id is finished: tap_id (Tap) or cko-session-id (Checkout).
func (b *Backend) ReturnQuery(t *testing.T, id string) url.Values {
	t.Helper()
	v, err := b.s.Lookup(id)
	if err != nil {
		t.Fatalf("qpaytest: %v", err)
	}
	if b.provider == ProviderTap {
		return url.Values{"tap_id": {v.ID}}
	}
	return url.Values{"cko-session-id": {v.SessionID}}
}

// TakesSplits reports whether the provider's adapter takes marketplace
// splits: Tap does (destinations), Checkout does not for QPay.
func (b *Backend) TakesSplits() bool { return b.provider == ProviderTap }
