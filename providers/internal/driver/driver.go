// Package driver splits every adapter in two, the way database/sql and the
// Go CDK do: a thin Driver per provider that only translates (requests to the
// provider's wire format, answers to qpay's types, its status table and its
// signature scheme), and one portable Provider, written once here, that does
// what is the same for every provider: request validation, idempotency keys,
// the refundable-amount check, the integrity check of every answer against
// its request, the verification of a webhook's facts (reading back what
// the provider's signature does not cover, verify.go), and the shaping of
// errors.
//
// # Marketplace splits
//
// A split payment's answer is checked like its amount: splits the provider
// echoes must be the request's (the same recipients and amounts, in any
// order), else KindIntegrity; where it echoes none, the request's are
// reported. The splits sent are also recorded in the payment's metadata
// (qpay.MetadataSplits), which both providers echo, so that they are known
// when the payment is read back even from a provider that does not echo
// them: Payment.Splits is then the provider's echo where there is one (it
// says where the money went), else the record. A refund of a split payment
// takes each recipient's share of the refund in proportion to its split,
// rounded down (money.Share), the rest from the merchant, and passes the
// shares to Driver.Refund; an answer carrying shares must repeat them
// (KindIntegrity), and one carrying none reports them. A split payment
// whose shares cannot be known (its record unreadable and no echo, or
// splits adding up to more than the payment) is refused with KindIntegrity
// before any refund request, never refunded without shares. What each
// provider does with the shares, and what is unconfirmed about it, is in
// the adapters' package docs.
//
// Adding a provider means writing a Driver and passing it to Wrap.
package driver

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/text"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// DefaultMaxWebhookBytes bounds a webhook body: the same bound as
// qpay.WebhookHandler's, so that a body the handler reads is one the
// Provider parses.
const DefaultMaxWebhookBytes = qpay.DefaultMaxWebhookBytes

// Driver is what an adapter implements. Its methods receive requests that
// are already validated and carry an idempotency key, and they return
// provider errors as *qpay.Error (the transport does that for HTTP errors).
type Driver interface {
	// Name is the provider's short name, "tap" or "checkout".
	Name() string
	// Mode says whether the account is a test account.
	Mode() qpay.Mode
	// CreatePayment sends req, whose IdempotencyKey is set, once per
	// logical call (the transport retries with the same key).
	CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error)
	// GetPayment reads a payment back.
	GetPayment(ctx context.Context, id string) (*qpay.Payment, error)
	// PaymentForRefund reads a payment back together with the refunds the
	// provider lists for it (and Payment.Refunded, where the provider
	// reports a total), for the refundable check and to find a refund by
	// its reference. The portable layer adds the refunds up. It may cost
	// more than one request. A payment that was never captured needs no
	// refunds read.
	PaymentForRefund(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error)
	// Refund asks for a refund of p, which PaymentForRefund just returned.
	// req.IdempotencyKey is set, to the key derived from the refund's
	// identity (see RefundKey), and must reach the provider. After an
	// ambiguous failure the driver must read back existing refunds before
	// resending (transport.Request's Reconcile). An answer that may be the
	// provider's replay of another request under the same key, and that
	// does not itself carry the refunded amount, must be completed from a
	// read-back, so that the portable layer can compare the amount.
	//
	// shares is what each recipient of a split payment gives back of the
	// refund, computed by the portable layer from p.Splits (refundSplits),
	// nil for a payment without splits. A driver must send them, or, if
	// its provider takes no shares on a refund, refuse a refund with
	// shares (KindUnsupported) before any request: a refund sent without
	// them would take all of it from the merchant. The portable layer
	// checks the shares an answer carries against them, and reports them
	// on a Refund whose answer carries none.
	Refund(ctx context.Context, req qpay.RefundRequest, p *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error)
	// GetRefund reads refund refundID back as the provider reports it, its
	// PaymentID included. paymentID locates the refund for providers that
	// file refunds under their payment (Checkout's actions); a driver that
	// reads a refund by its own ID (Tap) does not use it. The portable
	// layer checks the answer, and which payment it names.
	GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error)
	// ParseWebhook verifies the signature first and decodes only then. The
	// body is the driver's to keep (a copy the caller will not reuse). It
	// returns the event as delivered, with Verification.SignedBy saying
	// which secret of its Keyring verified it; the portable layer fills in
	// the rest of Verification and reads back what WebhookSignature does
	// not cover.
	ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error)
	// WebhookSignature declares the facts of an event that the provider's
	// webhook signature covers: qpay.AllFields when it signs the raw body.
	// For any other signature, the portable layer
	// reads the payment (GetPayment) or the refund (GetRefund) back before
	// returning the event, and takes the facts from there (verify.go).
	WebhookSignature() qpay.Fields
	// ReturnParam names the query parameter the provider adds to the
	// shopper's return URL and the prefix of the ID it carries.
	ReturnParam() (param, prefix string)
	// PaymentIDPrefixes lists the prefixes of every ID GetPayment accepts
	// (Tap's "chg_"; Checkout's "pay_" and "sid_"), so that a merchant's
	// payment can be sent to the configuration that made it
	// (qpay.PaymentIDOwner).
	PaymentIDPrefixes() []string
}

// Aliaser is implemented by drivers whose GetPayment accepts IDs other than
// the payment's own (Checkout's sid_ session IDs). IsAlias reports whether
// id may legitimately come back as another ID.
type Aliaser interface {
	IsAlias(id string) bool
}

// KeyEnder is implemented by drivers whose webhook keys can be ended (both
// adapters; any driver that verifies through a Keyring should be one).
// WithKeysEnding returns a copy of the driver whose Keyring is
// Keyring.Ending(end), sharing everything else. A Provider whose driver is
// not a KeyEnder verifies no webhook once a providers.Registry has
// replaced it.
type KeyEnder interface {
	WithKeysEnding(end time.Time) Driver
}

// EndingWebhooks returns p with its webhook keys ending at end (see
// Keyring.Ending), for a configuration another has replaced; its other
// calls are p's. It reports false for a Provider not made by Wrap, or
// whose driver is not a KeyEnder.
func EndingWebhooks(p qpay.Provider, end time.Time) (qpay.Provider, bool) {
	w, ok := unobserve(p).(*portable)
	if !ok {
		return nil, false
	}
	e, ok := w.d.(KeyEnder)
	if !ok {
		return nil, false
	}
	ended := &portable{d: e.WithKeysEnding(end), opts: w.opts, readBacks: w.readBacks}
	if o, ok := p.(*observed); ok {
		c := *o
		c.p = ended
		return &c, true
	}
	return ended, true
}

// Options tune the portable layer.
type Options struct {
	// Account is stamped on every Payment, Refund and WebhookEvent.
	Account string
	// MaxWebhookBytes bounds a webhook body; zero means DefaultMaxWebhookBytes.
	MaxWebhookBytes int
	// Telemetry records a span and metrics per call (telemetry.go).
	Telemetry qpay.Telemetry
	// Owner is the provider's name for the merchant this configuration
	// acts for (Tap's MerchantID, Checkout's ProcessingChannelID): an
	// object the provider reports as another's is refused (owner.go).
	// Empty compares nothing.
	Owner string
}

// Wrap returns the portable Provider around d.
func Wrap(d Driver, opts Options) qpay.Provider {
	if opts.MaxWebhookBytes <= 0 {
		opts.MaxWebhookBytes = DefaultMaxWebhookBytes
	}
	return instrument(&portable{d: d, opts: opts, readBacks: newReadBackCache()}, opts.Telemetry)
}

// Unwrap returns the Driver inside a Provider made by Wrap, or nil.
func Unwrap(p qpay.Provider) Driver {
	if w, ok := unobserve(p).(*portable); ok {
		return w.d
	}
	return nil
}

type portable struct {
	d         Driver
	opts      Options
	readBacks *readBackCache // recent webhook read-backs (verify.go)
}

var _ qpay.RefundGetter = (*portable)(nil)

func (w *portable) Name() string { return w.d.Name() }

// String names the provider without any configuration, so that printing a
// Provider never prints a key.
func (w *portable) String() string { return "qpay.Provider(" + w.d.Name() + ")" }

func (w *portable) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	const op = qpay.OpCreatePayment
	if err := req.Validate(w.d.Mode()); err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.supports(req); err != nil {
		return nil, w.finish(op, err)
	}
	req.Metadata = requestMetadata(req)
	generated := req.IdempotencyKey == ""
	if generated {
		// Made once, here, before the first attempt: every retry of this
		// call below carries the same key.
		req.IdempotencyKey = transport.NewIdempotencyKey()
	}
	p, err := w.d.CreatePayment(ctx, req)
	if err != nil {
		err = w.finish(op, err)
		if generated {
			// A new call would send a new key (ambiguous.go).
			markAmbiguousCreate(err)
		}
		return nil, err
	}
	if err := w.checkCreated(req, p); err != nil {
		return nil, w.finish(op, err)
	}
	created(req, p)
	return p, nil
}

func (w *portable) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	const op = qpay.OpGetPayment
	if err := qpay.ValidateID(id); err != nil {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "payment ID " + err.Error()})
	}
	p, err := w.d.GetPayment(ctx, id)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.checkRead(id, p); err != nil {
		return nil, w.finish(op, err)
	}
	return p, nil
}

func (w *portable) Refund(ctx context.Context, req qpay.RefundRequest) (*qpay.Refund, error) {
	const op = qpay.OpRefund
	if err := req.Validate(); err != nil {
		return nil, w.finish(op, err)
	}
	p, refunds, err := w.d.PaymentForRefund(ctx, req.PaymentID)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.checkRead(req.PaymentID, p); err != nil {
		return nil, w.finish(op, err)
	}
	if err := countRefunds(p, refunds); err != nil {
		return nil, w.finish(op, err)
	}
	// A refund the payment already has under this reference is the answer:
	// the caller is retrying (after a crash, or after an error that left the
	// outcome unknown), perhaps with a new idempotency key. Making it again
	// would give the money back twice.
	// The shares come first, so that a split payment whose shares cannot
	// be known is refused before any request, and a refund found by its
	// reference is checked against them too.
	shares, err := refundSplits(req, p)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if r := byReference(refunds, req.Reference); r != nil {
		r.Existing = true
		return w.existing(req, shares, p, r)
	}
	if err := refundable(req, p); err != nil {
		return nil, w.finish(op, err)
	}
	// Always the derived key, never the caller's: every replica, every
	// retry and every caller asking for this (payment, reference) sends the
	// same key, so the provider makes one refund however the calls
	// interleave, and the search by reference above is only a shortcut.
	req.IdempotencyKey = RefundKey(w.d.Name(), w.opts.Account, p.ID, req.Reference)
	r, err := w.d.Refund(ctx, req, p, shares)
	if err != nil {
		// An answer that never came (or a 5xx) may hide a refund that was
		// made: look once more before telling the caller it failed, since
		// an error invites a second refund.
		if found := w.refundAfterAmbiguousFailure(ctx, req, err); found != nil {
			// This may be our own refund, so a mismatch is an integrity
			// failure, never an invitation to refund again.
			if err := w.checkRefund(req, shares, p, found); err != nil {
				return nil, w.finish(op, err)
			}
			return found, nil
		}
		return nil, w.finish(op, err)
	}
	if err := w.checkRefund(req, shares, p, r); err != nil {
		return nil, w.finish(op, err)
	}
	return r, nil
}

// existing returns a refund found by reference, if it is the one asked for.
func (w *portable) existing(req qpay.RefundRequest, shares []qpay.Split, p *qpay.Payment, r *qpay.Refund) (*qpay.Refund, error) {
	if r.Amount.Currency() != "" && !r.Amount.Equal(req.Amount) {
		return nil, w.finish(qpay.OpRefund, invalid("reference %q already names refund %s of %s on payment %s; a new refund needs a new reference",
			req.Reference, r.ID, r.Amount, p.ID))
	}
	if err := w.checkRefund(req, shares, p, r); err != nil {
		return nil, w.finish(qpay.OpRefund, err)
	}
	return r, nil
}

func (w *portable) refundAfterAmbiguousFailure(ctx context.Context, req qpay.RefundRequest, err error) *qpay.Refund {
	// A 409 is a request with this key still in flight: as ambiguous as
	// no answer at all.
	if ctx.Err() != nil || !(errors.Is(err, qpay.KindNetwork) || errors.Is(err, qpay.KindUnavailable) || errors.Is(err, qpay.KindConflict)) {
		return nil
	}
	_, refunds, ferr := w.d.PaymentForRefund(ctx, req.PaymentID)
	if ferr != nil {
		return nil
	}
	return byReference(refunds, req.Reference)
}

// RefundKey derives a refund's idempotency key from what identifies the
// refund at the provider: the provider, qpay's account name, the payment
// and the merchant's reference. Derived, it is the same in every replica
// and in every retry (after a timeout, a 409, a crash), so the provider's
// duplicate protection makes one refund per (payment, reference) whatever
// keys callers pass; a caller's RefundRequest.IdempotencyKey is never sent
// (it cannot add to this guarantee, and replacing the derived key would
// break it). Replicas of one merchant share its Account, being built from
// one configuration.
//
// The amount is left out on purpose: a reference reused with another
// amount then reaches the provider under the same key, and the provider
// answers with the first refund instead of making a second. Both providers
// replay the original answer for a key they have seen, whatever the body
// of the resend (UNCONFIRMED for both: neither documents a key reused with
// another body; no "mismatch" error is described). That replay is caught
// here, in one place, by checkRefund's comparison of the refunded amount
// with the request (an integrity error), with drivers completing answers
// that do not carry the amount (Checkout's 202) from a read-back when the
// answer may be a replay. Before any request, the search by reference
// refuses a reused reference with another amount.
//
// A payment's key is random instead: a new payment for the same order
// after a failed one is legitimate, and a derived key would replay the
// failed one for 24 hours.
func RefundKey(provider, account, paymentID, reference string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"qpay-refund/v2", provider, account, paymentID, reference}, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // shaped as a name-based (version 5) UUID
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func byReference(refunds []*qpay.Refund, reference string) *qpay.Refund {
	for _, r := range refunds {
		if r != nil && r.Reference == reference {
			return r
		}
	}
	return nil
}

func (w *portable) ParseWebhook(ctx context.Context, header http.Header, body []byte) (*qpay.WebhookEvent, error) {
	const op = qpay.OpParseWebhook
	if len(body) > w.opts.MaxWebhookBytes {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindInvalidRequest,
			Message: fmt.Sprintf("webhook body is %d bytes, at most %d accepted", len(body), w.opts.MaxWebhookBytes)})
	}
	// Copied once, here: the caller may reuse its buffer, and the event and
	// the payment or refund it carries keep the body as their Raw.
	body = append([]byte(nil), body...)
	ev, err := w.d.ParseWebhook(ctx, canonical(header), body)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.checkEvent(ev); err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.verify(ctx, ev); err != nil {
		return nil, w.finish(op, err)
	}
	ev.Raw = body
	return ev, nil
}

// OwnsPaymentID implements qpay.PaymentIDOwner.
func (w *portable) OwnsPaymentID(id string) bool {
	for _, prefix := range w.d.PaymentIDPrefixes() {
		if len(id) > len(prefix) && strings.HasPrefix(id, prefix) {
			return true
		}
	}
	return false
}

// GetRefund implements qpay.RefundGetter.
func (w *portable) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	const op = qpay.OpGetRefund
	if err := qpay.ValidateID(paymentID); err != nil {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "payment ID " + err.Error()})
	}
	if err := qpay.ValidateID(refundID); err != nil {
		return nil, w.finish(op, &qpay.Error{Kind: qpay.KindInvalidRequest, Message: "refund ID " + err.Error()})
	}
	r, err := w.d.GetRefund(ctx, paymentID, refundID)
	if err != nil {
		return nil, w.finish(op, err)
	}
	if err := w.checkRefundRead(refundID, r); err != nil {
		return nil, w.finish(op, err)
	}
	if r.PaymentID != paymentID {
		return nil, w.finish(op, integrity("refund %s belongs to payment %s, not to payment %s", r.ID, r.PaymentID, paymentID))
	}
	if err := w.refundOwner(ctx, r); err != nil {
		return nil, w.finish(op, err)
	}
	return r, nil
}

// ReturnID implements qpay.ReturnReader.
func (w *portable) ReturnID(query url.Values) (string, error) {
	param, prefix := w.d.ReturnParam()
	return qpay.ReturnIDFrom(w.d.Name(), query, param, prefix)
}

// canonical returns header with canonical keys, so that a header map built
// by hand or by a serverless runtime ("cko-signature", "HASHSTRING") is read
// like one from net/http.
func canonical(header http.Header) http.Header {
	for k := range header {
		if k != http.CanonicalHeaderKey(k) {
			out := make(http.Header, len(header))
			for k, v := range header {
				ck := http.CanonicalHeaderKey(k)
				out[ck] = append(out[ck], v...)
			}
			return out
		}
	}
	return header
}

// countRefunds adds up the refunds a provider listed. Refunded becomes the larger of
// the provider's own total and the sum of the refunds that have not failed:
// pending and unknown ones count, since that money is already promised
// back, and a provider's total may leave them out. A captured payment then
// moves forward to PartiallyRefunded or Refunded, never back: the
// provider's own status may lag behind a refund still pending.
func countRefunds(p *qpay.Payment, refunds []*qpay.Refund) error {
	if !p.Status.Succeeded() || len(refunds) == 0 {
		return nil // the provider's own status and total stand
	}
	sum, err := money.FromMinor(0, p.Amount.Currency())
	if err != nil {
		return protocol("payment %s has an unusable currency", p.ID)
	}
	for _, r := range refunds {
		if r.Status == status.RefundFailed {
			continue
		}
		if sum, err = sum.Add(r.Amount); err != nil {
			return &qpay.Error{Kind: qpay.KindIntegrity, Err: err, Body: r.Raw,
				Message: fmt.Sprintf("refund %s of payment %s is in %s, the payment in %s", r.ID, p.ID, r.Amount.Currency(), p.Amount.Currency())}
		}
	}
	if c, err := sum.Cmp(p.Refunded); p.Refunded.Currency() == "" || (err == nil && c > 0) {
		p.Refunded = sum
	}
	if !p.Refunded.IsPositive() {
		return nil
	}
	derived := status.PartiallyRefunded
	if c, err := p.Refunded.Cmp(p.Amount); err == nil && c >= 0 {
		derived = status.Refunded
	}
	p.Status, _ = status.Apply(p.Status, derived)
	return nil
}

// refundable refuses, before any refund request, what the provider would
// refuse anyway or, worse, accept by mistake.
func refundable(req qpay.RefundRequest, p *qpay.Payment) error {
	switch {
	case p.Status == status.Refunded:
		return invalid("payment %s is already fully refunded", p.ID)
	case !p.Status.Succeeded():
		return invalid("payment %s is %s; only a captured payment can be refunded", p.ID, p.Status)
	}
	left, err := p.Refundable()
	if err != nil {
		return &qpay.Error{Kind: qpay.KindIntegrity, Message: fmt.Sprintf("payment %s reports more refunded than paid", p.ID), Err: err}
	}
	cmp, err := req.Amount.Cmp(left)
	if err != nil {
		return &qpay.Error{Kind: qpay.KindInvalidRequest,
			Message: fmt.Sprintf("refund in %s for a payment in %s", req.Amount.Currency(), left.Currency()), Err: err}
	}
	if cmp > 0 {
		return invalid("refund of %s exceeds the %s still refundable on payment %s", req.Amount, left, p.ID)
	}
	return nil
}

// checkCreated compares a new payment with its request. Where the provider
// does not echo a field (Checkout's 202 carries no amount, Tap may echo no
// destinations), the request's value is reported; where it echoes one, it
// must match: an answer naming another split recipient or amount is
// KindIntegrity.
func (w *portable) checkCreated(req qpay.PaymentRequest, p *qpay.Payment) error {
	if p == nil || p.ID == "" {
		return protocol("the provider's answer has no payment ID")
	}
	if err := w.checkOwner("payment", p.ID, p.Owner); err != nil {
		return err
	}
	p.Provider, p.Account = w.d.Name(), w.opts.Account
	if p.Amount.Currency() == "" {
		p.Amount = req.Amount
	} else if !p.Amount.Equal(req.Amount) {
		return integrity("asked for a payment of %s, the provider created one of %s (payment %s)", req.Amount, p.Amount, p.ID)
	}
	switch p.Reference {
	case "":
		p.Reference = req.Reference
	case req.Reference:
	default:
		return integrity("asked for reference %q, the provider answered %q (payment %s)", req.Reference, p.Reference, p.ID)
	}
	switch {
	case len(p.Splits) == 0:
		p.Splits = slices.Clone(req.Splits)
	case !sameSplits(req.Splits, p.Splits):
		return integrity("asked to split payment %s as %s, the provider answered %s", p.ID, describeSplits(req.Splits), describeSplits(p.Splits))
	}
	if p.Status == status.Pending && p.RedirectURL == "" && p.RedirectHTML == "" {
		return protocol("payment %s is pending but the provider gave no redirect URL or page for the shopper", p.ID)
	}
	return nil
}

// checkRead checks a payment read back by ID.
func (w *portable) checkRead(id string, p *qpay.Payment) error {
	if p == nil || p.ID == "" {
		return protocol("the provider's answer has no payment ID")
	}
	if p.ID != id {
		if a, ok := w.d.(Aliaser); !ok || !a.IsAlias(id) {
			return integrity("asked for payment %s, the provider answered with payment %s", id, p.ID)
		}
	}
	switch p.Amount.Currency() {
	case qpay.Currency:
	case "":
		return protocol("payment %s has no amount", p.ID)
	default:
		// QPay is QAR only: another currency means this is not the QPay
		// payment the caller thinks it is, or the answer is wrong.
		return integrity("payment %s is in %s, not %s: not a QPay payment", p.ID, p.Amount.Currency(), qpay.Currency)
	}
	if err := w.checkOwner("payment", p.ID, p.Owner); err != nil {
		return err
	}
	p.Provider, p.Account = w.d.Name(), w.opts.Account
	read(p)
	return nil
}

// checkRefundRead checks a refund read back by ID: the refund asked for,
// naming a payment, in QAR.
func (w *portable) checkRefundRead(id string, r *qpay.Refund) error {
	if r == nil || r.ID == "" {
		return protocol("the provider's answer has no refund ID")
	}
	if r.ID != id {
		return integrity("asked for refund %s, the provider answered with refund %s", id, r.ID)
	}
	if err := qpay.ValidateID(r.PaymentID); err != nil {
		return protocol("refund %s: payment ID %v", r.ID, err)
	}
	switch r.Amount.Currency() {
	case qpay.Currency:
	case "":
		return protocol("refund %s has no amount", r.ID)
	default:
		return integrity("refund %s is in %s, not %s: not a QPay refund", r.ID, r.Amount.Currency(), qpay.Currency)
	}
	if err := w.checkOwner("refund", r.ID, r.Owner); err != nil {
		return err
	}
	r.Provider, r.Account = w.d.Name(), w.opts.Account
	return nil
}

// checkRefund compares a refund with its request and with the shares
// sent with it, as checkCreated does a payment: shares the answer carries
// must be those sent, and an answer carrying none reports them.
func (w *portable) checkRefund(req qpay.RefundRequest, shares []qpay.Split, p *qpay.Payment, r *qpay.Refund) error {
	if r == nil || r.ID == "" {
		return protocol("the provider's answer has no refund ID")
	}
	if err := w.checkOwner("refund", r.ID, r.Owner); err != nil {
		return err
	}
	r.Provider, r.Account = w.d.Name(), w.opts.Account
	if r.Amount.Currency() == "" {
		r.Amount = req.Amount
	} else if !r.Amount.Equal(req.Amount) {
		// Under the derived key this is, most likely, the provider's
		// replay of an earlier refund with the same reference; either way
		// the refund the caller asked for was not made as asked.
		return integrity("asked to refund %s under reference %q, the provider answered with refund %s of %s: the reference already names another refund (a new refund needs a new reference), or the answer is wrong",
			req.Amount, req.Reference, r.ID, r.Amount)
	}
	switch r.PaymentID {
	case "":
		r.PaymentID = p.ID
	case p.ID, req.PaymentID:
	default:
		return integrity("asked to refund payment %s, the provider refunded payment %s", p.ID, r.PaymentID)
	}
	switch r.Reference {
	case "":
		r.Reference = req.Reference
	case req.Reference:
	default:
		return integrity("asked for refund reference %q, the provider answered %q (refund %s)", req.Reference, r.Reference, r.ID)
	}
	switch {
	case len(r.Splits) == 0:
		r.Splits = slices.Clone(shares)
	case !sameSplits(shares, r.Splits):
		return integrity("asked to take %s back from the recipients of payment %s, the provider answered with refund %s taking %s",
			describeSplits(shares), p.ID, r.ID, describeSplits(r.Splits))
	}
	return nil
}

func (w *portable) checkEvent(ev *qpay.WebhookEvent) error {
	if ev == nil || ev.ID == "" {
		return protocol("the webhook has no event ID")
	}
	// The event ID is the key a store de-duplicates on, and the payment and
	// refund IDs are what GetPayment and a store look up: a signed body
	// whose IDs can be neither is malformed. Refused here, it is a 400; let
	// through, the merchant's store would refuse it and the 500 would have
	// the provider deliver it again and again.
	if err := checkEventID(ev.ID); err != nil {
		return protocol("webhook event ID %v", err)
	}
	ev.Provider, ev.Account = w.d.Name(), w.opts.Account
	switch ev.Type {
	case qpay.EventPayment:
		if ev.Payment == nil || ev.Payment.ID == "" || ev.Payment.Amount.Currency() == "" {
			return protocol("payment webhook %s carries no payment with an ID and an amount", ev.ID)
		}
		if err := qpay.ValidateID(ev.Payment.ID); err != nil {
			return protocol("payment webhook %s: payment ID %v", ev.ID, err)
		}
		if err := w.checkOwner("payment", ev.Payment.ID, ev.Payment.Owner); err != nil {
			return err
		}
		ev.Payment.Provider, ev.Payment.Account = ev.Provider, ev.Account
		ev.PaymentID = ev.Payment.ID
		read(ev.Payment)
	case qpay.EventRefund:
		if ev.Refund == nil || ev.Refund.ID == "" || ev.Refund.PaymentID == "" || ev.Refund.Amount.Currency() == "" {
			return protocol("refund webhook %s carries no refund with an ID, a payment ID and an amount", ev.ID)
		}
		if err := qpay.ValidateID(ev.Refund.ID); err != nil {
			return protocol("refund webhook %s: refund ID %v", ev.ID, err)
		}
		if err := qpay.ValidateID(ev.Refund.PaymentID); err != nil {
			return protocol("refund webhook %s: payment ID %v", ev.ID, err)
		}
		if err := w.checkOwner("refund", ev.Refund.ID, ev.Refund.Owner); err != nil {
			return err
		}
		ev.Refund.Provider, ev.Refund.Account = ev.Provider, ev.Account
		ev.PaymentID = ev.Refund.PaymentID
	default:
		return protocol("webhook %s has no event type", ev.ID)
	}
	return nil
}

// maxEventIDLen bounds an event ID: what a store can index (store/pgstore
// keeps it as a text key). Checkout's evt_ IDs and Tap's derived
// "tap:<id>:<status>" are far shorter.
const maxEventIDLen = 255

// checkEventID accepts what a store can file an event under: 1 to
// maxEventIDLen bytes of valid UTF-8 without the characters text.IsHidden
// names: the same rule as the store's keys, so that what passes here a
// store can file.
func checkEventID(id string) error {
	switch {
	case len(id) > maxEventIDLen:
		return fmt.Errorf("is %d bytes, at most %d allowed", len(id), maxEventIDLen)
	case !utf8.ValidString(id):
		return fmt.Errorf("%.40q is not valid UTF-8", id)
	case strings.ContainsFunc(id, text.IsHidden):
		return fmt.Errorf("%.40q contains control or invisible format characters", id)
	}
	return nil
}

// finish makes every error leaving the Provider an *qpay.Error that names
// the provider and the operation.
func (w *portable) finish(op string, err error) error {
	var e *qpay.Error
	if errors.As(err, &e) {
		if e.Provider == "" {
			e.Provider = w.d.Name()
		}
		if e.Op == "" {
			e.Op = op
		}
		return err
	}
	kind := qpay.KindUnknown
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kind = qpay.KindCanceled
	}
	return &qpay.Error{Provider: w.d.Name(), Op: op, Kind: kind, Err: err}
}

func invalid(format string, args ...any) error {
	return &qpay.Error{Kind: qpay.KindInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

func integrity(format string, args ...any) error {
	return &qpay.Error{Kind: qpay.KindIntegrity, Message: fmt.Sprintf(format, args...)}
}

func protocol(format string, args ...any) error {
	return &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf(format, args...)}
}
