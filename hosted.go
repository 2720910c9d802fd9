package qpay

import (
	"fmt"

	"github.com/qpay-go/qpay/money"
)

// Page chooses where CreatePayment sends the shopper.
type Page uint8

// The pages a payment can be made on.
const (
	// PageQPay is the direct QPay (NAPS) page: the shopper can only pay by
	// QPay. It is the default (Tap source src_qa.qpay, Checkout POST
	// /payments with a qpay source).
	PageQPay Page = iota
	// PageHosted is the provider's hosted payment page, showing every
	// method enabled on the merchant account, QPay among them where it is
	// enabled (Tap src_all, Checkout POST /hosted-payments). The shopper
	// may pay by another method: read Payment.Method, or set
	// PaymentRequest.RequireQPay.
	PageHosted
	// PageHostedCards is the provider's hosted page with cards only (Tap
	// src_card, Checkout's hosted page with allow_payment_methods
	// ["card"]). It can never take QPay.
	PageHostedCards
)

var pageNames = [...]string{PageQPay: "qpay", PageHosted: "hosted", PageHostedCards: "hosted_cards"}

// String returns "qpay", "hosted" or "hosted_cards".
func (p Page) String() string {
	if int(p) < len(pageNames) {
		return pageNames[p]
	}
	return fmt.Sprintf("page(%d)", uint8(p))
}

// ParsePage is the inverse of String.
func ParsePage(s string) (Page, bool) {
	for i, n := range pageNames {
		if n == s {
			return Page(i), true
		}
	}
	return PageQPay, false
}

// The normalized Method.Type values. Any other method is reported in the
// provider's own word, lower-cased ("knet", "benefit", "applepay").
const (
	MethodQPay = "qpay" // QPay / NAPS debit
	MethodCard = "card" // a card scheme other than NAPS (Visa, Mastercard, ...)
)

// Method is how the shopper actually paid. On the direct QPay page it can
// only be QPay; on a hosted page it is what the shopper picked there. It
// is the zero Method while the provider does not say (a payment not yet
// paid, or a provider answer without the field).
type Method struct {
	// Type is MethodQPay, MethodCard, or the provider's word for another
	// method, lower-cased.
	Type string
	// Scheme is the card scheme as the provider names it ("NAPS", "VISA",
	// "Visa"), empty where it gives none.
	Scheme string
	// Raw is the provider's own word: Tap's source.payment_method ("QPAY",
	// "VISA"), Checkout's source.type ("qpay", "card").
	Raw string
}

// IsQPay reports whether the shopper paid by QPay.
func (m Method) IsQPay() bool { return m.Type == MethodQPay }

// Known reports whether the provider said how the shopper paid.
func (m Method) Known() bool { return m.Type != "" }

// MethodError reports the outcome a merchant who set
// PaymentRequest.RequireQPay must act on: an *Error of kind
// KindMethodMismatch when the shopper paid by another method than QPay,
// nil otherwise (QPay was used, QPay was not required, or the method is
// not known yet). It is not a failure of the payment: the money may have
// moved (see Status), and the merchant decides whether to refund it or to
// accept it. Check it wherever the payment is acted on (after
// PaymentFromReturn, GetPayment, or a webhook read back).
func (p *Payment) MethodError() error {
	if !p.RequireQPay || !p.Method.Known() || p.Method.IsQPay() {
		return nil
	}
	return &Error{Provider: p.Provider, Op: OpGetPayment, Kind: KindMethodMismatch,
		Message: fmt.Sprintf("payment %s required QPay but the shopper paid by %s (%s); it is %s", p.ID, p.Method.Type, p.Method.Raw, p.Status)}
}

// MaxSplits bounds PaymentRequest.Splits: qpay's own bound, under
// Checkout's 50 amount_allocations; Tap documents none.
const MaxSplits = 10

// MaxRecipientLen bounds a Split's Recipient (Tap's numeric destination
// IDs, Checkout's ent_ sub-entity IDs are far shorter).
const MaxRecipientLen = 64

// Split is one recipient's share of a marketplace payment: the amount
// credited to a sub-merchant's account, the rest staying with the
// merchant (the marketplace).
type Split struct {
	// Recipient is the sub-merchant's account at the provider: Tap's
	// destination ID (issued when the business is onboarded). 1 to
	// MaxRecipientLen ASCII letters, digits, '_' or '-'.
	Recipient string
	// Amount is the share, positive, in the payment's currency.
	Amount money.Money
	// Reference is the merchant's reference of the share, where the
	// provider takes one (see the README's table of differences).
	Reference string
}

// The metadata keys qpay reserves: it sets them on a payment made on a
// hosted page, with RequireQPay or with splits, so that the page, the QPay
// requirement and the splits sent can be read back with the payment (both
// providers echo metadata), and removes them from Payment.Metadata again.
// A request may not use them.
const (
	MetadataPage        = "qpay_page"    // "hosted" or "hosted_cards"
	MetadataRequireQPay = "qpay_require" // "qpay"
	// MetadataSplits records the splits sent, as
	// "recipient:amount,recipient:amount" (amounts with the currency's
	// decimals), so that a refund of a split payment knows each
	// recipient's share even where the provider does not echo the split.
	MetadataSplits = "qpay_splits"
)

// hosted validates the page, the QPay requirement and the splits.
func (r PaymentRequest) hosted(v *validator) {
	if int(r.Page) >= len(pageNames) {
		v.addf("page %v is not a page qpay knows", r.Page)
	}
	if r.RequireQPay && r.Page == PageHostedCards {
		v.add("a cards-only hosted page can never take QPay: RequireQPay needs PageQPay or PageHosted")
	}
	for _, k := range []string{MetadataPage, MetadataRequireQPay, MetadataSplits} {
		if _, ok := r.Metadata[k]; ok {
			v.addf("metadata key %q is reserved by qpay", k)
		}
	}
	if len(r.Splits) == 0 {
		return
	}
	if len(r.Splits) > MaxSplits {
		v.addf("%d splits, at most %d allowed", len(r.Splits), MaxSplits)
		return
	}
	seen := map[string]bool{}
	var sum money.Money
	sumOK := r.Amount.Currency() != ""
	if sumOK {
		sum, _ = money.FromMinor(0, r.Amount.Currency())
	}
	for i, s := range r.Splits {
		name := fmt.Sprintf("split %d", i+1)
		if err := validRecipient(s.Recipient); err != nil {
			v.addf("%s: recipient %v", name, err)
		} else if seen[s.Recipient] {
			v.addf("%s: recipient %s appears twice", name, s.Recipient)
		}
		seen[s.Recipient] = true
		switch {
		case s.Amount.Currency() == "":
			v.addf("%s: amount is required", name)
			sumOK = false
		case s.Amount.Currency() != r.Amount.Currency():
			v.addf("%s: amount is in %s, the payment in %s", name, s.Amount.Currency(), r.Amount.Currency())
			sumOK = false
		case !s.Amount.IsPositive():
			v.addf("%s: amount must be greater than zero, got %s", name, s.Amount)
			sumOK = false
		}
		v.key(name+" reference", s.Reference, false, MaxReferenceLen)
		if sumOK {
			sum, _ = sum.Add(s.Amount)
		}
	}
	if sumOK {
		if c, err := sum.Cmp(r.Amount); err == nil && c > 0 {
			v.addf("the splits add up to %s, more than the payment's %s", sum, r.Amount)
		}
	}
}

func validRecipient(s string) error {
	if len(s) > MaxRecipientLen {
		return fmt.Errorf("is %d bytes, at most %d allowed", len(s), MaxRecipientLen)
	}
	return ValidateID(s)
}
