package tap

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// DefaultBaseURL is Tap's API host; test and live accounts share it and are
// told apart by the key.
const DefaultBaseURL = "https://api.tap.company"

// providerName is the name in every Payment, Refund and Error from Tap.
const providerName = "tap"

// testKeyPrefix marks a sandbox secret key.
const testKeyPrefix = "sk_test_"

// Config is one Tap account.
type Config struct {
	// SecretKey is the account's secret API key, sk_test_... or sk_live_....
	// Tap also keys webhook hashstrings with it. An sk_test_ key puts the
	// provider in qpay.TestMode, any other key in qpay.LiveMode.
	SecretKey qpay.Secret
	// BaseURL is Tap's API root; empty means DefaultBaseURL. A path is
	// allowed (a simulator mounted under /tap); a plain http URL only with
	// a test key or a loopback host, so a live key never crosses a network
	// in clear.
	BaseURL string
	// MerchantID is sent as merchant.id, for platform accounts that charge
	// on behalf of several merchants. Optional.
	MerchantID string
	// PreviousSecretKeys are secret keys being rotated out. Each still
	// verifies webhook hashstrings until its Until, never after, so that
	// deliveries Tap signed (or retries) with the old key are not lost
	// while the new SecretKey takes over; API calls use SecretKey only.
	// WebhookEvent.Verification.SignedBy says which key verified a delivery.
	PreviousSecretKeys []qpay.PreviousSecret
	// HTTP tunes timeouts, retries and logging.
	HTTP qpay.HTTPOptions // Account names the merchant this configuration belongs to; it is
	// stamped on every Payment, Refund and WebhookEvent the Provider
	// returns, so that a shared store keeps merchants apart. Optional for
	// a single merchant; providers.Registry sets it to the merchant ID.
	Account string
}

// New returns a qpay.Provider for the Tap account cfg describes. It fails,
// with an error that never contains the key, when the key is missing or
// malformed or when BaseURL is not usable.
func New(cfg Config) (qpay.Provider, error) {
	a, err := newAdapter(cfg)
	if err != nil {
		return nil, err
	}
	return driver.Wrap(a, driver.Options{Account: cfg.Account, Telemetry: cfg.HTTP.Telemetry, Owner: cfg.MerchantID}), nil
}

// adapter is the Tap driver: it translates between qpay's types and Tap's
// wire format and leaves everything provider-neutral to package driver.
type adapter struct {
	keys       driver.Keyring // verify webhooks: SecretKey and the previous keys
	merchantID string
	mode       qpay.Mode
	http       *transport.Client
	now        func() time.Time // the clock of the refund list's period; tests replace it
}

func newAdapter(cfg Config) (*adapter, error) {
	key := cfg.SecretKey.Reveal()
	switch {
	case key == "":
		return nil, errors.New("tap: SecretKey is required")
	case strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return nil, errors.New("tap: SecretKey contains spaces or control characters")
	case strings.HasPrefix(key, "pk_"):
		// Tap answers 2106 for this on every call; say it up front.
		return nil, errors.New("tap: SecretKey is a publishable key (pk_...); server calls need the secret key (sk_...)")
	}
	mode := qpay.LiveMode
	if strings.HasPrefix(key, testKeyPrefix) {
		mode = qpay.TestMode
	}
	base, err := baseURL(cfg.BaseURL, mode)
	if err != nil {
		return nil, err
	}
	if strings.ContainsFunc(cfg.MerchantID, unicode.IsControl) {
		return nil, errors.New("tap: MerchantID contains control characters")
	}
	keys, err := driver.NewKeyring("tap: PreviousSecretKeys", cfg.SecretKey, cfg.PreviousSecretKeys)
	if err != nil {
		return nil, err
	}
	auth := "Bearer " + key // built once, not on every request
	client, err := transport.New(transport.Config{
		Provider: providerName,
		BaseURL:  base,
		Authorize: func(h http.Header) {
			h.Set("Authorization", auth)
		},
		Secrets:     keys.Secrets(),
		DecodeError: decodeError,
		UserAgent:   "qpay-go (tap)",
	}.WithOptions(cfg.HTTP))
	if err != nil {
		return nil, fmt.Errorf("tap: %w", err)
	}
	return &adapter{keys: keys, merchantID: cfg.MerchantID, mode: mode, http: client, now: time.Now}, nil
}

// WithKeysEnding implements driver.KeyEnder.
func (a *adapter) WithKeysEnding(end time.Time) driver.Driver {
	c := *a
	c.keys = a.keys.Ending(end)
	return &c
}

// baseURL checks and normalizes Config.BaseURL.
func baseURL(raw string, mode qpay.Mode) (string, error) {
	if raw == "" {
		return DefaultBaseURL, nil
	}
	return transport.CheckBaseURL(providerName, "BaseURL", raw, mode)
}

// Name implements driver.Driver.
func (a *adapter) Name() string { return providerName }

// ReturnParam implements driver.Driver: Tap sends the shopper back to
// redirect.url with tap_id=<charge ID> added.
func (a *adapter) ReturnParam() (param, prefix string) { return "tap_id", "chg_" }

// PaymentIDPrefixes implements driver.Driver: Tap's charges are chg_...
func (a *adapter) PaymentIDPrefixes() []string { return []string{"chg_"} }

// Mode implements driver.Driver.
func (a *adapter) Mode() qpay.Mode { return a.mode }

// CreatePayment implements driver.Driver. The idempotency key travels in
// the body (reference.idempotent), which the transport sends unchanged on
// every attempt, so a retried create returns the first charge.
func (a *adapter) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	resp, err := a.http.Do(ctx, transport.Request{
		Op:             qpay.OpCreatePayment,
		Method:         http.MethodPost,
		Path:           "/v2/charges",
		Body:           newChargeRequest(req, a.merchantID),
		IdempotencyKey: req.IdempotencyKey,
	})
	if err != nil {
		return nil, err
	}
	p, _, err := a.decodeCharge(qpay.OpCreatePayment, resp.Status, resp.Body)
	return p, err
}

// GetPayment implements driver.Driver with one request. Tap's charge object
// carries no refunded amount, so a refunded charge still reads CAPTURED
// here; PaymentForRefund adds the refunds.
func (a *adapter) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	p, _, err := a.getCharge(ctx, qpay.OpGetPayment, id)
	return p, err
}

func (a *adapter) getCharge(ctx context.Context, op, id string) (*qpay.Payment, *charge, error) {
	resp, err := a.http.Do(ctx, transport.Request{
		Op:     op,
		Method: http.MethodGet,
		Path:   "/v2/charges/" + url.PathEscape(id),
	})
	if err != nil {
		return nil, nil, err
	}
	return a.decodeCharge(op, resp.Status, resp.Body)
}

// decodeCharge turns a charge object into a Payment whose Raw is body.
func (a *adapter) decodeCharge(op string, httpStatus int, body []byte) (*qpay.Payment, *charge, error) {
	var c charge
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, nil, a.protocol(op, httpStatus, body, "cannot decode Tap's charge object", err)
	}
	p, err := a.chargePayment(op, httpStatus, body, &c)
	if err != nil {
		return nil, nil, err
	}
	return p, &c, nil
}

// chargePayment turns a decoded charge object, whose body is body, into a
// Payment whose Raw is body.
func (a *adapter) chargePayment(op string, httpStatus int, body []byte, c *charge) (*qpay.Payment, error) {
	amount, err := a.amount(op, httpStatus, body, "charge "+c.ID, c.Amount, c.Currency)
	if err != nil {
		return nil, err
	}
	st := chargeStatus(c.Status)
	p := &qpay.Payment{
		Provider:    providerName,
		ID:          c.ID,
		Owner:       c.Merchant.owner(),
		Status:      st,
		RawStatus:   c.Status,
		Amount:      amount,
		Reference:   cmp.Or(string(c.Reference.Transaction), string(c.Reference.Order)),
		RedirectURL: c.Transaction.URL,
		WebhookURL:  c.Post.URL,
		Metadata:    c.Metadata,
		CreatedAt:   epochMillis(c.Transaction.Created),
		Raw:         body,
	}
	p.Page, p.Method = pageOf(c.Source.ID), methodOf(c.Source, c.Card)
	if p.Splits, err = a.splitsOf(op, httpStatus, body, c.Destinations); err != nil {
		return nil, err
	}
	// Tap's response code and message explain a failure, and for TIMEDOUT
	// or UNKNOWN why the outcome is open; on a pending or captured charge
	// they only repeat the status ("100 Initiated", "000 Captured").
	if st.Failure() || st == status.Unknown {
		p.FailureCode = string(c.Response.Code)
		p.FailureMessage = c.Response.Message
	}
	return p, nil
}

// amount reads one of Tap's amounts exactly. An amount with more decimals
// than its currency has is an answer qpay cannot represent without
// rounding, so it is a protocol error rather than a silently changed sum.
func (a *adapter) amount(op string, httpStatus int, body []byte, what string, d *money.Number, currency string) (money.Money, error) {
	if d == nil || currency == "" {
		return money.Money{}, a.protocol(op, httpStatus, body, what+" has no amount or currency", nil)
	}
	m, err := money.New(d.Decimal(), currency)
	if err != nil {
		return money.Money{}, a.protocol(op, httpStatus, body, what+" has an amount qpay cannot take exactly", err)
	}
	return m, nil
}

// protocol is the error for an answer qpay cannot understand. The body is
// kept, redacted, for the merchant's support ticket.
func (a *adapter) protocol(op string, httpStatus int, body []byte, msg string, err error) error {
	e := &qpay.Error{Provider: providerName, Op: op, Kind: qpay.KindProtocol, HTTPStatus: httpStatus, Message: msg, Err: err}
	if body != nil {
		e.Body = a.http.Redactor().Bytes(append([]byte(nil), body...))
	}
	return e
}
