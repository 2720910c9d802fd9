package checkout

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// name is the provider's short name, as qpay.Provider.Name returns it.
const name = "checkout"

// The hosts of Checkout.com's payments API.
const (
	DefaultBaseURL = "https://api.checkout.com"
	SandboxBaseURL = "https://api.sandbox.checkout.com"
)

// The headers of Checkout's API that the adapter reads or writes.
const (
	idempotencyHeader = "Cko-Idempotency-Key"
	requestIDHeader   = "Cko-Request-Id"
)

// Config is one Checkout.com account.
type Config struct {
	// SecretKey is the account's secret API key (sk_...). Keys starting
	// sk_sbox_ (current platform) or sk_test_ (previous platform) are
	// sandbox keys: the account is then in qpay.TestMode and BaseURL
	// defaults to SandboxBaseURL.
	SecretKey qpay.Secret
	// WebhookSecret is the key Checkout signs webhook deliveries with
	// (Cko-Signature). Required: there is no unverified webhook path.
	WebhookSecret qpay.Secret
	// PreviousWebhookSecrets are webhook secrets being rotated out. Each
	// still verifies deliveries until its Until, never after, so that
	// events Checkout signed (or retries) with the old secret are not lost
	// while WebhookSecret takes over. WebhookEvent.Verification.SignedBy
	// says which secret verified a delivery.
	PreviousWebhookSecrets []qpay.PreviousSecret
	// WebhookAuthorization, when set, is the Authorization header value
	// configured on the webhook; deliveries must then carry it as well as a
	// valid signature.
	WebhookAuthorization qpay.Secret
	// ProcessingChannelID is sent with every payment when set; some
	// current-platform accounts require it.
	ProcessingChannelID string
	// BaseURL overrides the API host, e.g. the per-merchant
	// https://{prefix}.api.checkout.com or an offline simulator.
	BaseURL string
	// HTTP tunes the transport.
	HTTP qpay.HTTPOptions // Account names the merchant this configuration belongs to; it is
	// stamped on every Payment, Refund and WebhookEvent the Provider
	// returns, so that a shared store keeps merchants apart. Optional for
	// a single merchant; providers.Registry sets it to the merchant ID.
	Account string
}

// previousPlatformKey matches the secret keys of Checkout's previous (ABC)
// platform, which are sent without the Bearer scheme. checkout-sdk-go
// classifies keys the same way (configuration/key_patterns.go).
var previousPlatformKey = regexp.MustCompile(`^sk_(test_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// authorization returns the Authorization header value for key: previous
// platform keys bare, every other key (current platform, OAuth tokens) as
// a Bearer credential.
func authorization(key string) string {
	if previousPlatformKey.MatchString(key) {
		return key
	}
	return "Bearer " + key
}

// isSandboxKey reports whether key belongs to a sandbox account.
func isSandboxKey(key string) bool {
	return strings.HasPrefix(key, "sk_sbox_") || strings.HasPrefix(key, "sk_test_")
}

// New returns a qpay.Provider for one Checkout.com account. It fails, with
// an error that names the field but never its value, when a key is missing
// or malformed, or BaseURL is not an http(s) URL (plain http only for a
// sandbox key or the loopback).
func New(cfg Config) (qpay.Provider, error) {
	a, err := newAdapter(cfg)
	if err != nil {
		return nil, err
	}
	return driver.Wrap(a, driver.Options{Account: cfg.Account, Telemetry: cfg.HTTP.Telemetry, Owner: cfg.ProcessingChannelID}), nil
}

func newAdapter(cfg Config) (*adapter, error) {
	key := cfg.SecretKey.Reveal()
	if err := checkSecret("SecretKey", key, true, false); err != nil {
		return nil, err
	}
	if err := checkSecret("WebhookSecret", cfg.WebhookSecret.Reveal(), true, true); err != nil {
		return nil, err
	}
	// An Authorization value often has a scheme: "Basic ...".
	if err := checkSecret("WebhookAuthorization", cfg.WebhookAuthorization.Reveal(), false, true); err != nil {
		return nil, err
	}
	for i, p := range cfg.PreviousWebhookSecrets {
		if err := checkSecret(fmt.Sprintf("PreviousWebhookSecrets[%d]", i), p.Secret.Reveal(), true, true); err != nil {
			return nil, err
		}
	}
	keys, err := driver.NewKeyring("checkout: Config.PreviousWebhookSecrets", cfg.WebhookSecret, cfg.PreviousWebhookSecrets)
	if err != nil {
		return nil, err
	}
	mode := qpay.LiveMode
	base := DefaultBaseURL
	if isSandboxKey(key) {
		mode, base = qpay.TestMode, SandboxBaseURL
	}
	if cfg.BaseURL != "" {
		if base, err = transport.CheckBaseURL(name, "Config.BaseURL", cfg.BaseURL, mode); err != nil {
			return nil, err
		}
	}
	auth := authorization(key)
	tc := transport.Config{
		Provider:          name,
		BaseURL:           base,
		Authorize:         func(h http.Header) { h.Set("Authorization", auth) },
		Secrets:           append(keys.Secrets(), cfg.SecretKey, cfg.WebhookAuthorization),
		DecodeError:       decodeError,
		IdempotencyHeader: idempotencyHeader,
		RequestIDHeader:   requestIDHeader,
		UserAgent:         "qpay-go/checkout",
	}.WithOptions(cfg.HTTP)
	client, err := transport.New(tc)
	if err != nil {
		return nil, fmt.Errorf("checkout: %w", err)
	}
	return &adapter{
		http:        client,
		mode:        mode,
		webhookKeys: keys,
		webhookAuth: cfg.WebhookAuthorization,
		channel:     cfg.ProcessingChannelID,
		now:         time.Now,
	}, nil
}

// checkSecret refuses what could never authenticate, without printing the
// value: an empty required secret, control characters or surrounding
// spaces (usually a copy-and-paste accident, e.g. a trailing newline from a
// file), and, in an API key, any space at all.
func checkSecret(field, v string, required, spacesInside bool) error {
	switch {
	case v == "" && required:
		return fmt.Errorf("checkout: Config.%s is required", field)
	case strings.ContainsFunc(v, unicode.IsControl), strings.TrimSpace(v) != v:
		return fmt.Errorf("checkout: Config.%s has control characters or surrounding spaces", field)
	case !spacesInside && strings.ContainsFunc(v, unicode.IsSpace):
		return fmt.Errorf("checkout: Config.%s contains spaces", field)
	}
	return nil
}

// adapter is the Checkout.com driver.Driver. It only translates; the
// portable layer around it validates, checks and shapes errors.
type adapter struct {
	http        *transport.Client
	mode        qpay.Mode
	webhookKeys driver.Keyring // WebhookSecret and the previous ones
	webhookAuth qpay.Secret
	channel     string
	// now is the clock that the previous webhook secrets' windows are
	// judged by, as Tap's adapter does; tests replace it.
	now func() time.Time
}

var (
	_ driver.Driver   = (*adapter)(nil)
	_ driver.Aliaser  = (*adapter)(nil)
	_ driver.KeyEnder = (*adapter)(nil)
)

// WithKeysEnding implements driver.KeyEnder.
func (a *adapter) WithKeysEnding(end time.Time) driver.Driver {
	c := *a
	c.webhookKeys = a.webhookKeys.Ending(end)
	return &c
}

// String and GoString keep a printed driver from showing its transport's
// configuration.
func (a *adapter) String() string   { return "checkout.driver" }
func (a *adapter) GoString() string { return "checkout.driver" }

func (a *adapter) Name() string    { return name }
func (a *adapter) Mode() qpay.Mode { return a.mode }

// IsAlias reports whether id is a session ID (sid_...) or a hosted page
// (hpp_...), which GetPayment accepts and answers with the payment's own
// pay_ ID.
func (a *adapter) IsAlias(id string) bool {
	return strings.HasPrefix(id, "sid_") || strings.HasPrefix(id, hostedPrefix)
}

// ReturnParam implements driver.Driver: Checkout sends the shopper back to
// success_url or failure_url with cko-session-id=<session ID> added, which
// GetPayment accepts for 15 minutes.
func (a *adapter) ReturnParam() (param, prefix string) { return "cko-session-id", "sid_" }

// PaymentIDPrefixes implements driver.Driver: payments are pay_..., and
// GetPayment also takes the shopper's session ID, sid_..., and a hosted
// page's ID, hpp_...
func (a *adapter) PaymentIDPrefixes() []string { return []string{"pay_", "sid_", hostedPrefix} }

func (a *adapter) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	if req.Page != qpay.PageQPay {
		return a.createHosted(ctx, req)
	}
	body, err := newPaymentRequest(req, a.channel)
	if err != nil {
		return nil, err
	}
	var out paymentResponse
	resp, err := a.http.DoJSON(ctx, transport.Request{
		Op:             qpay.OpCreatePayment,
		Method:         http.MethodPost,
		Path:           "/payments",
		Body:           body,
		IdempotencyKey: req.IdempotencyKey,
	}, &out)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusCreated || out.Amount != nil {
		// A synchronous answer carries the whole payment.
		return toPayment(&out, resp.Body)
	}
	return acceptedPayment(&out, resp.Body), nil
}

func (a *adapter) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	p, _, err := a.getPayment(ctx, id, qpay.OpGetPayment)
	return p, err
}

// getPayment reads a payment and also returns the wire form, whose
// balances PaymentForRefund needs.
func (a *adapter) getPayment(ctx context.Context, id, op string) (*qpay.Payment, *paymentResponse, error) {
	if strings.HasPrefix(id, hostedPrefix) {
		return a.getHosted(ctx, id, op)
	}
	var out paymentResponse
	resp, err := a.http.DoJSON(ctx, transport.Request{
		Op:     op,
		Method: http.MethodGet,
		Path:   "/payments/" + url.PathEscape(id),
	}, &out)
	if err != nil {
		return nil, nil, err
	}
	// QPay is QAR only: the portable layer refuses a payment in another
	// currency (an integrity error) for every provider.
	p, err := toPayment(&out, resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return p, &out, nil
}

func (a *adapter) PaymentForRefund(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	p, _, err := a.getPayment(ctx, id, qpay.OpRefund)
	if err != nil {
		return nil, nil, err
	}
	if !p.Status.Succeeded() {
		// A payment that took no money has no refunds to read.
		return p, nil, nil
	}
	// The actions are read even when balances are present: they are where
	// a refund is found by its reference.
	acts, err := a.actions(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	var refunds []*qpay.Refund
	for i := range acts {
		if acts[i].Type != actionRefund {
			continue
		}
		r, err := refundFromAction(&acts[i], p)
		if err != nil {
			return nil, nil, err
		}
		refunds = append(refunds, r)
	}
	// The refund actions count pending refunds, which
	// balances.total_refunded (Payment.Refunded) may not (UNCONFIRMED); the
	// portable layer takes the larger of the two.
	return p, refunds, nil
}

// Refund implements driver.Driver. qpay sends Checkout no splits
// (Supports), so a refund carries no amount_allocations: shares, which a
// payment split some other way would bring, are refused before any
// request rather than dropped.
func (a *adapter) Refund(ctx context.Context, req qpay.RefundRequest, p *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error) {
	if len(shares) > 0 {
		return nil, driver.Unsupported("checkout: payment %s reports splits, and qpay sends Checkout no amount_allocations: a refund without them would take all of it from the merchant; refund it from Checkout's dashboard", p.ID)
	}
	body, err := newRefundRequest(req)
	if err != nil {
		return nil, err
	}
	var found *action
	var out refundAccepted
	resp, err := a.http.DoJSON(ctx, transport.Request{
		Op:             qpay.OpRefund,
		Method:         http.MethodPost,
		Path:           "/payments/" + url.PathEscape(p.ID) + "/refunds",
		Body:           body,
		IdempotencyKey: req.IdempotencyKey,
		// The idempotency key should make a resend harmless, but a refund
		// moves money: look first, as the transport's contract asks.
		Reconcile: func(ctx context.Context) (bool, error) {
			acts, err := a.actions(ctx, p.ID)
			if err != nil {
				return false, err
			}
			found = findRefund(acts, req.Reference)
			return found != nil, nil
		},
	}, &out)
	if err != nil {
		return nil, err
	}
	if resp.Reconciled {
		return refundFromAction(found, p)
	}
	// The 202 names the refund but not its amount, and it is also what
	// Checkout replays for a key it has seen, whatever the body of this
	// request (UNCONFIRMED): under the key derived from the payment and the
	// reference, another request's 202 for that reference, of another
	// amount perhaps, reaches every caller that sends it after that request
	// began. Its action is read back so that the portable layer compares the
	// amount refunded with the amount asked. Should the action not be listed
	// (or the read fail), the 202 is reported as it stands.
	if acts, err := a.actions(ctx, p.ID); err == nil {
		for i := range acts {
			if acts[i].ID == out.ActionID && acts[i].Type == actionRefund {
				r, err := refundFromAction(&acts[i], p)
				if err != nil {
					return nil, err
				}
				if out.Reference != "" && out.Reference != r.Reference {
					// The answer and the action disagree: neither can be
					// reported as this refund.
					return nil, &qpay.Error{Kind: qpay.KindIntegrity, Body: a.http.Redactor().Bytes(resp.Body),
						Message: fmt.Sprintf("Checkout's 202 gives refund %s the reference %q, its action %q", out.ActionID, out.Reference, r.Reference)}
				}
				r.Raw = resp.Body
				return r, nil
			}
		}
	}
	return &qpay.Refund{
		ID:        out.ActionID,
		PaymentID: p.ID,
		Status:    status.RefundPending,
		RawStatus: "Pending",
		Reference: out.Reference,
		Raw:       resp.Body,
	}, nil
}

// GetRefund implements driver.Driver. Checkout has no endpoint for one
// refund: a refund is an action of its payment, read with GET
// /payments/{id}/actions. The payment is read first, because actions carry
// no currency and a refund's minor units mean what its payment's currency
// says.
func (a *adapter) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	p, _, err := a.getPayment(ctx, paymentID, qpay.OpGetRefund)
	if err != nil {
		return nil, err
	}
	acts, err := a.actionsFor(ctx, qpay.OpGetRefund, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range acts {
		if acts[i].ID != refundID {
			continue
		}
		if acts[i].Type != actionRefund {
			return nil, &qpay.Error{Kind: qpay.KindIntegrity,
				Message: fmt.Sprintf("action %s of payment %s is a %q, not a refund", refundID, p.ID, acts[i].Type)}
		}
		return refundFromAction(&acts[i], p)
	}
	return nil, &qpay.Error{Kind: qpay.KindNotFound, Message: fmt.Sprintf("payment %s has no refund %s among its actions", p.ID, refundID)}
}

// actions reads a payment's actions, newest first, for a refund.
func (a *adapter) actions(ctx context.Context, paymentID string) ([]action, error) {
	return a.actionsFor(ctx, qpay.OpRefund, paymentID)
}

// actionsFor reads a payment's actions, newest first, for operation op.
func (a *adapter) actionsFor(ctx context.Context, op, paymentID string) ([]action, error) {
	var acts []action
	_, err := a.http.DoJSON(ctx, transport.Request{
		Op:     op,
		Method: http.MethodGet,
		Path:   "/payments/" + url.PathEscape(paymentID) + "/actions",
	}, &acts)
	return acts, err
}

// findRefund returns the refund action with the given reference, or nil.
func findRefund(acts []action, reference string) *action {
	for i := range acts {
		if acts[i].Type == actionRefund && acts[i].Reference == reference {
			return &acts[i]
		}
	}
	return nil
}

// refundFromAction reports a refund found among the payment's actions.
func refundFromAction(act *action, p *qpay.Payment) (*qpay.Refund, error) {
	amt, err := money.FromMinor(act.Amount.Int64(), p.Amount.Currency())
	if err != nil {
		return nil, protocolError("refund action "+act.ID+" amount", err)
	}
	r := &qpay.Refund{
		ID:        act.ID,
		PaymentID: p.ID,
		Status:    refundStatusOfAction(act),
		Amount:    amt,
		Reference: act.Reference,
		CreatedAt: parseTime(act.ProcessedOn),
	}
	switch r.Status {
	case status.RefundSucceeded:
		r.RawStatus = "Approved"
	case status.RefundFailed:
		r.RawStatus = "Declined"
		r.FailureCode, r.FailureMessage = string(act.ResponseCode), string(act.ResponseSummary)
	default:
		r.RawStatus = "Pending"
	}
	return r, nil
}

// refundStatusOfAction reads a refund action's outcome the way Checkout
// documents the approved field: true approved, false declined, absent not
// yet processed.
func refundStatusOfAction(act *action) status.RefundStatus {
	switch {
	case act.Approved == nil:
		return status.RefundPending
	case *act.Approved:
		return status.RefundSucceeded
	}
	return status.RefundFailed
}

func protocolError(what string, err error) *qpay.Error {
	return &qpay.Error{Kind: qpay.KindProtocol, Message: "cannot read the provider's " + what, Err: err}
}
