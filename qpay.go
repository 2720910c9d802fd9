// Package qpay takes QPay payments (Qatar's NAPS debit scheme) through Tap
// Payments, Checkout.com or the acquiring bank's Mastercard Gateway behind
// one provider-neutral interface.
//
// A merchant service creates a payment, sends the shopper to the QPay page,
// learns the outcome from a verified webhook or from GetPayment, and refunds
// all or part of it. The same code works whichever provider a merchant's
// configuration names:
//
//	p, err := providers.Open(cfg) // cfg.Provider is "tap", "checkout" or "mpgs"
//	if err != nil { ... }
//	pay, err := p.CreatePayment(ctx, qpay.PaymentRequest{
//		Amount:    money.MustParse("79.10", "QAR"),
//		Reference: "ORD-10045",
//		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
//		ReturnURL: "https://shop.example/qpay/return",
//	})
//	if err != nil { ... }
//	qpay.SendShopper(w, r, pay) // a full page, never an iframe: RedirectURL or RedirectHTML
//
//	// later, in the webhook handler:
//	ev, err := p.ParseWebhook(ctx, r.Header, body) // verifies the signature first
//	if errors.Is(err, qpay.KindInvalidSignature) { ... 401 ... }
//
//	// and to give money back:
//	ref, err := p.Refund(ctx, qpay.RefundRequest{
//		PaymentID: pay.ID, Amount: money.MustParse("10.00", "QAR"), Reference: "RFD-1",
//	})
//
// What the two providers disagree on is hidden here: amounts are exact
// decimals (package money), statuses are one state machine (package status),
// retries reuse one idempotency key, and every failure is an *Error whose Kind
// can be tested with errors.Is. Package qpaytest runs the whole flow offline.
package qpay

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/qpay-go/qpay/internal/text"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// Currency is the only currency QPay takes.
const Currency = "QAR"

// Limits that hold for both providers, so that switching provider never
// turns a valid request into an invalid one. Each is the stricter of Tap's
// and Checkout's documented bounds, written as the largest value accepted
// ("at most"): where a provider documents "shorter than N", the constant is
// N-1. Text lengths count characters as internal/text.Len does (UTF-16 code units),
// URLs count bytes. The README lists each with its source.
const (
	MaxReferenceLen   = 50  // Checkout: reference maxLength 50 (Tap: reference.order < 100, 1122)
	MaxDescriptionLen = 100 // Checkout: description maxLength 100 (Tap: < 1000, 1121)
	MaxURLLen         = 255 // Checkout: success_url/failure_url maxLength 255 (bytes; Tap documents none)
	MaxNationalIDLen  = 32  // Checkout: qpay source national_id maxLength 32
	MaxMetadataKeyLen = 249 // Tap: metadata key < 250 (1127); Checkout documents none
	MaxMetadataValLen = 999 // Tap: metadata value < 1000 (1128); Checkout documents none
	MaxMetadataKeys   = 20  // qpay's own bound; neither provider documents one
	MaxReasonLen      = 249 // Tap: refund reason < 250 (1157); Checkout takes none
	MaxIdempotencyLen = 255 // qpay's own bound; neither provider documents one
	MaxCustomerName   = 100 // qpay's own bound, under Checkout's customer.name maxLength 255
	MaxEmailLen       = 255 // Checkout: customer.email maxLength 255
	MaxPhoneCodeLen   = 4   // digits of Phone.CountryCode; qpay's own bound
	MaxPhoneLen       = 15  // digits of Phone.Number; qpay's own bound (E.164: 15 in all)

	MinExpiry = 5 * time.Minute  // Tap: transaction.expiry minimum 5 (inclusive)
	MaxExpiry = 60 * time.Minute // Tap: transaction.expiry maximum 60 (inclusive)

	// MaxAmountMinor is the largest amount of a payment or a refund, in
	// minor units (fils): QAR 9,999,999.99. Checkout's amount "must not
	// contain more than nine digits" (docs: "Format the amount value");
	// Tap documents no maximum. It is checked before any request, and it
	// keeps every amount qpay sends far inside an int64 of minor units.
	MaxAmountMinor = 999_999_999
)

// maxAmount is MaxAmountMinor as an amount in Currency.
var maxAmount = decimal.New(MaxAmountMinor, -2)

// amount refuses what no provider may be sent: another currency, zero,
// or more than MaxAmountMinor.
func (v *validator) amount(m money.Money, missing, currency string) {
	switch {
	case m.Currency() == "":
		v.add(missing)
	case m.Currency() != Currency:
		v.addf(currency, Currency, m.Currency())
	case !m.IsPositive():
		v.addf("amount must be greater than zero, got %s", m)
	case m.Amount().GreaterThan(maxAmount):
		v.addf("amount %s is above the maximum of %s %s (MaxAmountMinor)", m, Currency, maxAmount.StringFixed(2))
	}
}

// Customer is the shopper. Tap needs a name and an email or a phone for every
// charge; Checkout only uses them for its customer record. qpay asks for them
// always, so a merchant can move between the two.
type Customer struct {
	Name  string // full name; Tap receives it split into first and last name
	Email string
	Phone Phone
}

// Phone is a phone number split the way Tap takes it.
type Phone struct {
	CountryCode string // digits only, e.g. "974"
	Number      string // digits only, e.g. "55123456"
}

// PaymentRequest is what CreatePayment needs.
type PaymentRequest struct {
	// Amount must be positive and in QAR.
	Amount money.Money
	// Reference is the merchant's order reference (required, unique per order).
	Reference string
	// Description is shown to the shopper where the provider allows it.
	Description string
	// Customer is required: a name and an email or a phone.
	Customer Customer
	// ReturnURL is where the shopper lands after the QPay page (required).
	// Tap adds tap_id=chg_...; Checkout adds cko-session-id=sid_... Never trust
	// the query: read the payment back with GetPayment.
	ReturnURL string
	// FailureURL is where Checkout sends the shopper after a failure; it
	// defaults to ReturnURL. Tap has a single redirect URL.
	FailureURL string
	// WebhookURL receives Tap's webhook for this charge (Tap's post.url).
	// Checkout's webhooks are configured once in its dashboard.
	WebhookURL string
	// NationalID is the shopper's Qatari ID, passed to Checkout's QPay source.
	NationalID string
	// Language of the QPay page: "en" (default) or "ar".
	Language string
	// Metadata is echoed back by both providers in responses and webhooks.
	Metadata map[string]string
	// Expiry is how long the shopper has on the QPay page; zero means the
	// provider's default (30 minutes at Tap). Whole minutes from 5 to 60.
	Expiry time.Duration
	// IdempotencyKey makes a retried CreatePayment return the first payment
	// instead of creating a second one. If empty, one is generated for the
	// call and reused on each of its retries; pass your own (for example the
	// order reference plus an attempt number) to be safe across process
	// restarts too.
	//
	// With a generated key, a call that failed without a clear answer (no
	// answer, a 5xx, a 409 still in flight, a 429 after retries, a context
	// that ended) may have made the payment under a key that dies with the
	// call: its error is then not Retryable, since calling again sends a
	// new key and can charge the shopper twice. Find the payment by its
	// reference first (Recover, PaymentFinder), and create another only if
	// there is none. With your own key, the same failure keeps its
	// Retryable, and calling again with the same key is safe.
	IdempotencyKey string
	// Page is where the shopper pays: the direct QPay page (the default)
	// or the provider's hosted page (see Page and hosted.go).
	Page Page
	// RequireQPay says the merchant accepts QPay only: a cards-only page is
	// refused before any request, a hosted page is limited to QPay where
	// the provider can do that, and Payment.MethodError reports a payment
	// the shopper made by another method.
	RequireQPay bool
	// Splits share the amount with sub-merchants (marketplaces). Each
	// provider's support differs (README, "What differs"); where a
	// provider cannot split, CreatePayment fails with KindUnsupported
	// before any request.
	Splits []Split
}

// Validate reports every problem of the request at once, before any network
// call, as an *Error of kind KindInvalidRequest. mode decides whether plain
// http URLs are allowed (TestMode only).
func (r PaymentRequest) Validate(mode Mode) error {
	var v validator
	v.amount(r.Amount, "amount is required", "QPay takes %s only, got %s")
	v.key("reference", r.Reference, true, MaxReferenceLen)
	v.text("description", r.Description, false, MaxDescriptionLen)
	v.text("customer name", r.Customer.Name, true, MaxCustomerName)
	if r.Customer.Email == "" && r.Customer.Phone.Number == "" {
		v.add("customer email or phone is required")
	}
	if r.Customer.Email != "" && !looksLikeEmail(r.Customer.Email) {
		v.addf("customer email %q is not an email address", r.Customer.Email)
	}
	v.digits("customer phone country code", r.Customer.Phone.CountryCode, MaxPhoneCodeLen)
	v.digits("customer phone number", r.Customer.Phone.Number, MaxPhoneLen)
	v.url("return URL", r.ReturnURL, true, mode)
	v.url("failure URL", r.FailureURL, false, mode)
	v.url("webhook URL", r.WebhookURL, false, mode)
	v.key("national ID", r.NationalID, false, MaxNationalIDLen)
	switch r.Language {
	case "", "en", "ar":
	default:
		v.addf(`language must be "en" or "ar", got %q`, r.Language)
	}
	v.metadata(r.Metadata)
	if r.Expiry != 0 && (r.Expiry < MinExpiry || r.Expiry > MaxExpiry || r.Expiry%time.Minute != 0) {
		v.addf("expiry must be whole minutes from %v to %v, got %v", MinExpiry, MaxExpiry, r.Expiry)
	}
	v.key("idempotency key", r.IdempotencyKey, false, MaxIdempotencyLen)
	r.hosted(&v)
	return v.err()
}

// Payment is a QPay payment as the provider last reported it.
type Payment struct {
	Provider string // "tap", "checkout" or "mpgs"
	Account  string // the merchant account of the Provider that returned it (providers.Config.Account); "" for a single merchant
	ID       string // the provider's ID: chg_... (Tap), pay_... (Checkout) or the order ID qp-... (Mastercard Gateway)
	// Owner is the provider's own name for the merchant the payment
	// belongs to, where the provider reports one: Tap's merchant.id,
	// Checkout's processing_channel_id. A Provider whose configuration
	// names one refuses an object of another (KindForeignAccount).
	Owner     string
	Status    status.Status // normalized
	RawStatus string        // the provider's own word, e.g. "CAPTURED" or "Partially Refunded"
	Amount    money.Money   // the payment's amount
	// Refunded is the amount refunded so far, when the provider reports it;
	// the zero Money when it does not.
	Refunded    money.Money
	Reference   string // the merchant's reference, as echoed by the provider
	RedirectURL string // where to send the shopper while the payment is pending
	// RedirectHTML is the shopper's next step as an HTML fragment (an
	// auto-submitting form), for a provider that answers with one instead
	// of a URL (the Mastercard Gateway's browserPayment.redirectHtml):
	// serve it as the whole page, never in an iframe. Empty otherwise.
	RedirectHTML string
	// WebhookURL is where the provider sends this payment's webhooks, for
	// providers that take it per payment (Tap's post.url); empty otherwise.
	WebhookURL string
	// FailureCode and FailureMessage are the provider's reason for a failed,
	// declined or canceled payment (Tap's response code, Checkout's QPay
	// status), empty otherwise.
	FailureCode    string
	FailureMessage string
	Metadata       map[string]string
	CreatedAt      time.Time       // zero when the provider did not say
	Raw            json.RawMessage // the provider's body, for anything not modelled
	// Page is the page the payment was made on, RequireQPay whether it was
	// asked with PaymentRequest.RequireQPay, both read back with the
	// payment (hosted.go).
	Page        Page
	RequireQPay bool
	// PageID is the provider's ID of the hosted page, where it has one
	// apart from the payment (Checkout's hpp_...): CreatePayment returns
	// the page (ID and PageID both hpp_...), GetPayment of that ID the
	// payment once the shopper has paid (ID pay_..., PageID hpp_...).
	// Webhooks name the payment only. Empty otherwise.
	PageID string
	// Method is how the shopper paid, as the provider reports it.
	Method Method
	// Splits are the shares of a marketplace payment: as the provider
	// reports them, or, where its answer carries none, as qpay sent them
	// (recorded in the payment's metadata under MetadataSplits). An answer
	// to CreatePayment whose splits differ from the request's is
	// KindIntegrity.
	Splits []Split
}

// Refundable returns how much of the payment can still be refunded: nothing
// unless it was captured, and the amount minus what was refunded otherwise.
func (p *Payment) Refundable() (money.Money, error) {
	if !p.Status.Succeeded() || p.Status == status.Refunded {
		return money.FromMinor(0, p.Amount.Currency())
	}
	if p.Refunded.Currency() == "" {
		return p.Amount, nil
	}
	return p.Amount.Sub(p.Refunded)
}

// RefundRequest is what Refund needs.
type RefundRequest struct {
	// PaymentID is the provider's ID of a captured payment.
	PaymentID string
	// Amount to give back, at most what is still refundable. There is no
	// implicit "everything": pass Payment.Refundable() for a full refund, so
	// that a forgotten field can never refund a whole order.
	Amount money.Money
	// Reference is the merchant's refund reference (required), unique per
	// refund. It names the refund: a Refund whose reference the payment
	// already has returns that refund (whatever its status, even failed)
	// instead of making another, which is what makes retrying a Refund
	// call safe. A new refund needs a new reference.
	Reference string
	// Reason is shown in the provider's dashboard; Tap requires one and
	// receives "requested_by_customer" when it is empty.
	Reason   string
	Metadata map[string]string
	// IdempotencyKey is checked like any field and otherwise not used: the
	// Reference is what makes a refund unique. qpay sends the provider an
	// idempotency key derived from the account, the payment and the
	// Reference, whatever this field holds, so that every call for the
	// same (payment, reference), from any replica, retry or caller, makes
	// one refund at most and gets that refund back; a caller's own key
	// could only break that guarantee. A refund of another amount under a
	// used Reference is refused (KindInvalidRequest before any request, or
	// KindIntegrity when the provider answers with the earlier refund).
	//
	// Deprecated: a key set here is validated and never sent, so it
	// protects nothing and suggests a guarantee it does not give. Leave
	// it empty and make Reference unique per refund: the Reference is
	// the refund's idempotency key, from every replica and every retry.
	IdempotencyKey string
}

// Validate reports every problem of the request at once, before any network
// call, as an *Error of kind KindInvalidRequest.
func (r RefundRequest) Validate() error {
	var v validator
	v.id("payment ID", r.PaymentID)
	v.amount(r.Amount, "amount is required (use Payment.Refundable for a full refund)", "QPay refunds are in %s only, got %s")
	v.key("reference", r.Reference, true, MaxReferenceLen)
	v.text("reason", r.Reason, false, MaxReasonLen)
	v.metadata(r.Metadata)
	v.key("idempotency key", r.IdempotencyKey, false, MaxIdempotencyLen)
	return v.err()
}

// Refund is a refund as the provider last reported it.
type Refund struct {
	Provider       string              // "tap", "checkout" or "mpgs"
	Account        string              // as Payment.Account
	ID             string              // re_... (Tap), the refund action's act_... (Checkout) or the refund transaction's ID (Mastercard Gateway)
	Owner          string              // as Payment.Owner, where the provider reports it on refunds
	PaymentID      string              // the refunded payment
	Status         status.RefundStatus // normalized
	RawStatus      string              // e.g. "PENDING" (Tap) or "Pending" (Checkout's 202)
	Amount         money.Money
	Reference      string // the merchant's refund reference
	FailureCode    string
	FailureMessage string
	CreatedAt      time.Time
	Raw            json.RawMessage
	// Splits are the shares taken back from each recipient of a split
	// payment: what qpay computed from the payment's splits and sent with
	// the refund (in proportion, rounded down: money.Share), which an
	// answer that carries shares must repeat (KindIntegrity otherwise).
	// Nil for a payment without splits. A refund read back (GetRefund, a
	// webhook) carries the shares the provider reports. See the adapters'
	// package docs for what each provider does.
	Splits []Split
	// Existing reports that Provider.Refund found this refund already made
	// under its Reference and made no new one: the call was a repeat.
	Existing bool
}

// EventType says what a webhook is about.
type EventType uint8

// The webhook event types.
const (
	EventPayment EventType = iota + 1 // WebhookEvent.Payment is set
	EventRefund                       // WebhookEvent.Refund is set
)

// String returns "payment" or "refund".
func (t EventType) String() string {
	switch t {
	case EventPayment:
		return "payment"
	case EventRefund:
		return "refund"
	}
	return fmt.Sprintf("event_type(%d)", uint8(t))
}

// WebhookEvent is a verified, normalized webhook delivery. Its facts (the
// payment or refund, and PaymentID) are what a merchant may act on: each is
// covered by the provider's signature or was read back from the provider's
// API before the event was returned, as Verification says. What a delivery
// claimed beyond that is kept apart, in Verification.
type WebhookEvent struct {
	// ID is stable across redeliveries of the same event, for
	// de-duplication: Checkout's event ID, or for Tap (which sends none)
	// "tap:<object id>:<status>".
	ID       string
	Provider string
	// Account names the merchant account whose key verified the event (the
	// adapters' Config.Account, set per merchant by providers.Registry). A
	// store keeps accounts apart, so that one merchant's key can never move
	// another merchant's payment.
	Account   string
	Type      EventType
	RawType   string   // Checkout's event type, e.g. "payment_captured"; Tap's object, e.g. "charge"
	PaymentID string   // the payment the event concerns, for both types
	Payment   *Payment // set for EventPayment
	Refund    *Refund  // set for EventRefund
	// Verification says which facts are verified and how (and by which
	// secret), and keeps what the delivery claimed apart from them.
	Verification Verification
	// Raw is the body exactly as received, whose signature was verified:
	// as a whole for VerifiedBody, only in its signed fields for
	// VerifiedReadBack (the read-back's body is then Payment.Raw or
	// Refund.Raw).
	Raw json.RawMessage
}

// validator collects problems so a caller sees them all in one error.
type validator struct {
	problems []string
}

func (v *validator) add(p string) { v.problems = append(v.problems, p) }

func (v *validator) addf(format string, args ...any) { v.add(fmt.Sprintf(format, args...)) }

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalidRequest, Message: strings.Join(v.problems, "; ")}
}

// text checks free text shown to people (descriptions, names, reasons).
func (v *validator) text(name, s string, required bool, max int) {
	v.check(name, s, required, max, isUnsafeInProse, "control or bidi override characters")
}

// key checks text that names something (references, IDs, keys): it must
// also be free of every invisible character (text.IsHidden).
func (v *validator) key(name, s string, required bool, max int) {
	v.check(name, s, required, max, text.IsHidden, "control or invisible format characters")
}

func (v *validator) check(name, s string, required bool, max int, unsafe func(rune) bool, what string) {
	switch n := text.Len(s); {
	case required && strings.TrimSpace(s) == "":
		v.addf("%s is required", name)
	case !utf8.ValidString(s):
		v.addf("%s is not valid UTF-8", name)
	case n > max:
		v.addf("%s is %d characters, at most %d allowed", name, n, max)
	case strings.ContainsFunc(s, unsafe):
		v.addf("%s contains %s", name, what)
	}
}

func (v *validator) digits(name, s string, max int) {
	if s == "" {
		return
	}
	if len(s) > max || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		v.addf("%s must be at most %d digits, got %q", name, max, s)
	}
}

func (v *validator) url(name, s string, required bool, mode Mode) {
	if s == "" {
		if required {
			v.addf("%s is required", name)
		}
		return
	}
	if len(s) > MaxURLLen {
		v.addf("%s is %d bytes, at most %d allowed", name, len(s), MaxURLLen)
		return
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		v.addf("%s %q is not an absolute URL", name, s)
		return
	}
	switch {
	case u.User != nil:
		v.addf("%s must not carry credentials", name)
	case u.Scheme == "https":
	case u.Scheme == "http" && mode == TestMode:
	case u.Scheme == "http":
		v.addf("%s must use https outside test mode, got %q", name, s)
	default:
		v.addf("%s must be an http(s) URL, got scheme %q", name, u.Scheme)
	}
}

func (v *validator) metadata(m map[string]string) {
	if len(m) > MaxMetadataKeys {
		v.addf("metadata has %d keys, at most %d allowed", len(m), MaxMetadataKeys)
	}
	for k, val := range m {
		kn, vn := text.Len(k), text.Len(val)
		switch {
		case k == "" || kn > MaxMetadataKeyLen || vn > MaxMetadataValLen:
			v.addf("metadata key %.40q: keys must be 1 to %d characters and values at most %d", k, MaxMetadataKeyLen, MaxMetadataValLen)
		case !utf8.ValidString(k) || !utf8.ValidString(val):
			v.addf("metadata key %.40q: keys and values must be valid UTF-8", k)
		case strings.ContainsFunc(k, text.IsHidden):
			v.addf("metadata key %.40q contains control or invisible format characters", k)
		case strings.ContainsFunc(val, isUnsafeInValue):
			v.addf("metadata value of key %.40q contains control or bidi override characters", k)
		}
	}
}

// id accepts what both providers use as IDs (chg_..., pay_..., sid_...) and
// rejects anything that could change the meaning of a URL path.
func (v *validator) id(name, s string) {
	if err := ValidateID(s); err != nil {
		v.addf("%s %v", name, err)
	}
}

// ValidateID reports whether s can be a provider's payment or refund ID:
// 1 to 128 ASCII letters, digits, '_' or '-'. It is checked before an ID is
// put into a request path.
func ValidateID(s string) error {
	if s == "" {
		return fmt.Errorf("is required")
	}
	if len(s) > 128 {
		return fmt.Errorf("is %d bytes, at most 128 allowed", len(s))
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("%.40q has characters other than letters, digits, '_' and '-'", s)
		}
	}
	return nil
}

func looksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r == ' ' || text.IsHidden(r) }) && len(s) <= MaxEmailLen
}
