package mpgs

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/status"
)

// providerName is the name in every Payment, Refund and Error from the
// gateway.
const providerName = "mpgs"

// DefaultAPIVersion is the REST API version qpay speaks; QPay needs 100 or
// later.
const DefaultAPIVersion = 100

// minAPIVersion is the first version with QPay ("QPAY is supported from
// the API version 100 and later").
const minAPIVersion = 100

// testMerchantPrefix marks a gateway test merchant (TESTxxxx).
const testMerchantPrefix = "TEST"

// Identifiers qpay chooses. The gateway takes the merchant's own IDs as
// path segments: at most 40 characters; qpay uses [a-z0-9-] only.
const (
	// OrderIDPrefix starts every order ID qpay derives (a Payment's ID).
	OrderIDPrefix = "qp-"
	// refundIDPrefix starts every refund transaction ID qpay derives.
	refundIDPrefix = "rf-"
	// paymentTransactionID is the ID of the one browser-payment
	// transaction of each order. The order ID is already unique per
	// logical create, so the transaction needs no derivation of its own.
	paymentTransactionID = "qpay-pay"
)

// ReturnParam is the query parameter qpay adds to the shopper's return URL:
// the order ID, since the gateway is not documented to add anything.
const ReturnParam = "qpay_order"

// Config is one merchant profile on a Mastercard Gateway.
type Config struct {
	// MerchantID is the gateway merchant ID (TEST... for a test
	// merchant, which puts the provider in qpay.TestMode).
	MerchantID string
	// APIPassword is the merchant's API password from Merchant
	// Administration; it is sent as Basic authentication for the user
	// "merchant.<MerchantID>".
	APIPassword qpay.Secret
	// Host is the gateway the acquiring bank gave, e.g.
	// "test-gateway.mastercard.com" or a bank's own host. A bare host
	// means https; a URL may carry a path (a simulator mounted under
	// /mpgs) and may be plain http only for a test merchant or a loopback
	// host, so that a live password never crosses a network in clear.
	Host string
	// APIVersion is the REST API version; zero means DefaultAPIVersion.
	// Versions before 100 have no QPay and are refused.
	APIVersion int
	// WebhookSecret is the notification secret configured in Merchant
	// Administration, which the gateway sends as is in
	// X-Notification-Secret. Required: there is no unverified path.
	WebhookSecret qpay.Secret
	// PreviousWebhookSecrets are notification secrets being rotated out:
	// each is still accepted until its Until, never after, so that
	// notifications sent (or retried) with the old secret are not lost
	// while WebhookSecret takes over. WebhookEvent.Verification.SignedBy says which
	// secret a delivery carried.
	PreviousWebhookSecrets []qpay.PreviousSecret
	// HTTP tunes timeouts, retries and logging.
	HTTP qpay.HTTPOptions
	// Account names the merchant this configuration belongs to (see
	// tap.Config.Account).
	Account string
}

// New returns a qpay.Provider for the merchant profile cfg describes. It
// fails, with an error that never contains a secret, when something is
// missing or malformed.
func New(cfg Config) (qpay.Provider, error) {
	a, err := newAdapter(cfg)
	if err != nil {
		return nil, err
	}
	return driver.Wrap(a, driver.Options{Account: cfg.Account}), nil
}

// adapter is the gateway's driver: it translates between qpay's types and
// the gateway's wire format and leaves everything provider-neutral to
// package driver.
type adapter struct {
	merchantID string
	keys       driver.Keyring   // the notification secrets
	now        func() time.Time // the clock of the rotation windows; tests replace it
	mode       qpay.Mode
	http       *transport.Client
}

func newAdapter(cfg Config) (*adapter, error) {
	if err := checkMerchantID(cfg.MerchantID); err != nil {
		return nil, err
	}
	password := cfg.APIPassword.Reveal()
	switch {
	case password == "":
		return nil, errors.New("mpgs: APIPassword is required")
	case strings.IndexFunc(password, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return nil, errors.New("mpgs: APIPassword contains spaces or control characters")
	}
	if cfg.WebhookSecret.IsZero() {
		return nil, errors.New("mpgs: WebhookSecret is required (the notification secret of Merchant Administration)")
	}
	keys, err := driver.NewKeyring("mpgs: Config.PreviousWebhookSecrets", cfg.WebhookSecret, cfg.PreviousWebhookSecrets)
	if err != nil {
		return nil, err
	}
	version := cfg.APIVersion
	switch {
	case version == 0:
		version = DefaultAPIVersion
	case version < minAPIVersion:
		return nil, fmt.Errorf("mpgs: APIVersion %d has no QPay; use %d or later", version, minAPIVersion)
	}
	mode := qpay.LiveMode
	if strings.HasPrefix(cfg.MerchantID, testMerchantPrefix) {
		mode = qpay.TestMode
	}
	base, err := baseURL(cfg.Host, mode)
	if err != nil {
		return nil, err
	}
	credentials := base64.StdEncoding.EncodeToString([]byte("merchant." + cfg.MerchantID + ":" + password))
	auth := "Basic " + credentials // built once, not on every request
	client, err := transport.New(transport.Config{
		Provider: providerName,
		BaseURL:  base + "/api/rest/version/" + strconv.Itoa(version) + "/merchant/" + cfg.MerchantID,
		Authorize: func(h http.Header) {
			h.Set("Authorization", auth)
		},
		Secrets:     append(keys.Secrets(), cfg.APIPassword, qpay.NewSecret(credentials)),
		DecodeError: decodeError,
		UserAgent:   "qpay-go (mpgs)",
	}.WithOptions(cfg.HTTP))
	if err != nil {
		return nil, fmt.Errorf("mpgs: %w", err)
	}
	return &adapter{merchantID: cfg.MerchantID, keys: keys, now: time.Now, mode: mode, http: client}, nil
}

// The adapter implements driver.KeyEnder, so that a configuration a
// providers.Registry replaces stops accepting notifications after its
// window.
var _ driver.KeyEnder = (*adapter)(nil)

// WithKeysEnding implements driver.KeyEnder.
func (a *adapter) WithKeysEnding(end time.Time) driver.Driver {
	c := *a
	c.keys = a.keys.Ending(end)
	return &c
}

// checkMerchantID accepts what the gateway documents: 1 to 40 of 0-9, a-z,
// A-Z, '-' and '_'. It becomes a path segment and the Basic user name.
func checkMerchantID(id string) error {
	if id == "" {
		return errors.New("mpgs: MerchantID is required")
	}
	if len(id) > 40 || strings.IndexFunc(id, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0 {
		return fmt.Errorf("mpgs: MerchantID %.48q must be 1 to 40 letters, digits, '-' or '_'", id)
	}
	return nil
}

// baseURL checks and normalizes Config.Host.
func baseURL(host string, mode qpay.Mode) (string, error) {
	if host == "" {
		return "", errors.New("mpgs: Host is required (the gateway host of your acquiring bank, e.g. test-gateway.mastercard.com)")
	}
	raw := host
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	return transport.CheckBaseURL(providerName, "Host", raw, mode)
}

// Name implements driver.Driver.
func (a *adapter) Name() string { return providerName }

// Mode implements driver.Driver.
func (a *adapter) Mode() qpay.Mode { return a.mode }

// ReturnParam implements driver.Driver: qpay itself adds
// qpay_order=<order ID> to the return URL it sends (the gateway documents
// nothing it would add).
func (a *adapter) ReturnParam() (param, prefix string) { return ReturnParam, OrderIDPrefix }

// PaymentIDPrefixes implements driver.Driver: every Payment ID is an
// order ID qpay derived.
func (a *adapter) PaymentIDPrefixes() []string { return []string{OrderIDPrefix} }

// OrderID is the order ID, and so the Payment ID, that CreatePayment uses
// for a request with this reference and idempotency key on merchant
// profile merchantID: "qp-" and 32 hex digits of a SHA-256 over the three.
// The same logical create (the same reference and key) always names the
// same order, on every retry and every replica, so the gateway can never
// hold two orders for it; a new key (a new attempt at paying the same
// merchant order) names a new order.
func OrderID(merchantID, reference, idempotencyKey string) string {
	return OrderIDPrefix + digest("qpay-mpgs-order", merchantID, reference, idempotencyKey)
}

// RefundID is the transaction ID, and so the Refund ID, of the refund of
// order orderID under the merchant's refund reference: one refund per
// (payment, reference) at the gateway, whatever idempotency keys callers
// pass. For an order ID qpay derived it is 40 characters of base64url: the
// order's 128 bits, then 108 bits of SHA-256 over the order ID and the
// reference. So a refund names its order by itself, and a refund
// notification is read back from the order its transaction ID names, not
// from the order.id the delivery claims. For another order ID it is "rf-"
// and 32 hex digits of that SHA-256.
func RefundID(orderID, reference string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"qpay-mpgs-refund", orderID, reference}, "\x00")))
	if raw, ok := orderBits(orderID); ok {
		return base64.RawURLEncoding.EncodeToString(raw) + base64.RawURLEncoding.EncodeToString(sum[:14])[:18]
	}
	return refundIDPrefix + hex.EncodeToString(sum[:16])
}

// orderBits returns the 128 bits of an order ID OrderID made.
func orderBits(orderID string) ([]byte, bool) {
	h, ok := strings.CutPrefix(orderID, OrderIDPrefix)
	if !ok || len(h) != 32 {
		return nil, false
	}
	raw, err := hex.DecodeString(h)
	return raw, err == nil && hex.EncodeToString(raw) == h // lower-case hex only, as OrderID writes it
}

// refundOrder returns the order a refund ID made by RefundID names.
func refundOrder(refundID string) (string, bool) {
	if len(refundID) != 40 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(refundID[:22])
	if err != nil || len(raw) != 16 {
		return "", false
	}
	return OrderIDPrefix + hex.EncodeToString(raw), true
}

// digest is 128 bits of SHA-256 over parts, in hex. The parts are joined
// with NUL, which none of them may contain (qpay refuses control
// characters in references and keys).
func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

func orderPath(orderID string) string { return "/order/" + url.PathEscape(orderID) }

func transactionPath(orderID, transactionID string) string {
	return orderPath(orderID) + "/transaction/" + url.PathEscape(transactionID)
}

// CreatePayment implements driver.Driver: INITIATE_BROWSER_PAYMENT of a
// QPAY PAY on the order OrderID derives, under the transaction ID
// paymentTransactionID (see put for retries).
func (a *adapter) CreatePayment(ctx context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	const op = qpay.OpCreatePayment
	orderID := OrderID(a.merchantID, req.Reference, req.IdempotencyKey)
	body, err := newInitiateRequest(req, orderID)
	if err != nil {
		return nil, err
	}
	res, err := a.put(ctx, op, orderID, paymentTransactionID, body)
	if err != nil {
		return nil, err
	}
	if res.read != nil {
		return a.orderPayment(op, res.read)
	}
	var t transactionAnswer
	if err := json.Unmarshal(res.body, &t); err != nil {
		return nil, a.protocol(op, res.status, res.body, "cannot decode the gateway's answer to INITIATE_BROWSER_PAYMENT", err)
	}
	if err := a.resultError(op, res.status, res.body, t.Result); err != nil {
		return nil, err
	}
	return a.transactionPayment(op, res.status, res.body, &t)
}

func newInitiateRequest(req qpay.PaymentRequest, orderID string) (*initiateRequest, error) {
	ret, err := url.Parse(req.ReturnURL)
	if err != nil {
		return nil, &qpay.Error{Provider: providerName, Op: qpay.OpCreatePayment, Kind: qpay.KindInvalidRequest, Message: "return URL does not parse", Err: err}
	}
	// The gateway sends the shopper back to the same URL whatever the
	// outcome and adds nothing documented: qpay marks the order itself,
	// for PaymentFromReturn, which then reads the order back.
	q := ret.Query()
	q.Set(ReturnParam, orderID)
	ret.RawQuery = q.Encode()
	body := &initiateRequest{
		APIOperation:   opInitiate,
		BrowserPayment: browserPaymentRequest{Operation: browserOpPay, ReturnURL: ret.String()},
		Order: orderRequest{
			Amount:          req.Amount.Fixed(),
			Currency:        req.Amount.Currency(),
			Reference:       req.Reference,
			Description:     req.Description,
			NotificationURL: req.WebhookURL,
		},
		SourceOfFunds: sourceOfFunds{Type: fundsBrowserPayment, BrowserPayment: browserPaymentSrc{Type: browserQPay}},
	}
	c := req.Customer
	first, last, _ := strings.Cut(strings.TrimSpace(c.Name), " ")
	if cu := (customer{FirstName: first, LastName: strings.TrimSpace(last), Email: c.Email, Phone: c.Phone.CountryCode + c.Phone.Number}); cu != (customer{}) {
		body.Customer = &cu
	}
	return body, nil
}

// GetPayment implements driver.Driver with one Retrieve Order.
func (a *adapter) GetPayment(ctx context.Context, id string) (*qpay.Payment, error) {
	o, err := a.readOrder(ctx, qpay.OpGetPayment, id)
	if err != nil {
		return nil, err
	}
	return a.orderPayment(qpay.OpGetPayment, o)
}

// PaymentForRefund implements driver.Driver: one Retrieve Order gives the
// payment, the gateway's refunded total and every refund transaction.
func (a *adapter) PaymentForRefund(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	const op = qpay.OpRefund
	o, err := a.readOrder(ctx, op, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := a.orderPayment(op, o)
	if err != nil {
		return nil, nil, err
	}
	refunds, err := a.orderRefunds(op, o)
	if err != nil {
		return nil, nil, err
	}
	return p, refunds, nil
}

// Refund implements driver.Driver: REFUND on the payment's order under the
// transaction ID RefundID derives from the order and the refund reference,
// so a resend, a retry by the caller with another idempotency key, or a
// second replica all name the one refund (see put for retries). The
// idempotency key itself is not sent: the transaction ID is the gateway's
// duplicate protection.
//
// The gateway takes no splits, so shares (a payment reporting splits,
// which qpay never makes on this route) are refused before any request
// rather than dropped.
func (a *adapter) Refund(ctx context.Context, req qpay.RefundRequest, p *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error) {
	const op = qpay.OpRefund
	if len(shares) > 0 {
		return nil, driver.Unsupported("mpgs: payment %s reports splits, and the gateway takes none: a refund without them would take all of it from the merchant", p.ID)
	}
	txID := RefundID(p.ID, req.Reference)
	res, err := a.put(ctx, op, p.ID, txID, refundRequest{
		APIOperation: opRefund,
		Transaction:  transactionRequest{Amount: req.Amount.Fixed(), Currency: req.Amount.Currency(), Reference: req.Reference},
	})
	if err != nil {
		return nil, err
	}
	if res.read != nil {
		return a.orderRefund(op, res.read, txID)
	}
	var t transactionAnswer
	if err := json.Unmarshal(res.body, &t); err != nil {
		return nil, a.protocol(op, res.status, res.body, "cannot decode the gateway's answer to REFUND", err)
	}
	if err := a.resultError(op, res.status, res.body, t.Result); err != nil {
		return nil, err
	}
	return a.refundOf(op, res.status, res.body, p.ID, &t)
}

// GetRefund implements driver.Driver: the refund transaction refundID of
// the order it names (RefundID), or, for a transaction ID qpay did not
// make, of order paymentID, read from Retrieve Order. The portable layer
// checks which payment it belongs to.
func (a *adapter) GetRefund(ctx context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	orderID := paymentID
	if o, ok := refundOrder(refundID); ok {
		orderID = o
	}
	o, err := a.readOrder(ctx, qpay.OpGetRefund, orderID)
	if err != nil {
		return nil, err
	}
	return a.orderRefund(qpay.OpGetRefund, o, refundID)
}

// putResult is what a transaction PUT came to: the gateway's answer, or,
// when the transaction was found to exist already, the order read back.
type putResult struct {
	status int
	body   []byte
	read   *orderRead
}

// put sends one transaction PUT of a logical call. The gateway's IDs are
// the merchant's, so every attempt names the same order and transaction
// and cannot make a second one. What the gateway answers to a PUT of a
// transaction that already exists is UNCONFIRMED, so qpay never relies on
// it: after an ambiguous failure (no answer, or a 5xx) the order is read
// back before anything is resent, and a transaction found there is the
// answer; after an invalid-request answer (perhaps "already exists") the
// order is read back once too, so that the caller's retry of a call that
// did reach the gateway returns what it made.
func (a *adapter) put(ctx context.Context, op, orderID, txID string, body any) (*putResult, error) {
	var found *orderRead
	resp, err := a.http.Do(ctx, transport.Request{
		Op:     op,
		Method: http.MethodPut,
		Path:   transactionPath(orderID, txID),
		Body:   body,
		Reconcile: func(ctx context.Context) (bool, error) {
			o, err := a.findTransaction(ctx, op, orderID, txID)
			if err != nil || o == nil {
				return false, err
			}
			found = o
			return true, nil
		},
	})
	var e *qpay.Error
	switch {
	case err == nil && resp.Reconciled:
		return &putResult{read: found}, nil
	case err == nil:
		return &putResult{status: resp.Status, body: resp.Body}, nil
	case ctx.Err() == nil && errors.As(err, &e) && e.Kind == qpay.KindInvalidRequest && e.HTTPStatus == http.StatusBadRequest:
		if o, rerr := a.findTransaction(ctx, op, orderID, txID); rerr == nil && o != nil {
			return &putResult{read: o}, nil
		}
	}
	return nil, err
}

// findTransaction reads order orderID back and reports it if it holds
// transaction txID, nil if the order or the transaction does not exist.
func (a *adapter) findTransaction(ctx context.Context, op, orderID, txID string) (*orderRead, error) {
	o, err := a.readOrder(ctx, op, orderID)
	switch {
	case errors.Is(err, qpay.KindNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case o.answer.transaction(txID) == nil:
		return nil, nil
	}
	return o, nil
}

// orderRead is a decoded Retrieve Order answer and its body.
type orderRead struct {
	answer orderAnswer
	status int
	body   []byte
}

// readOrder is Retrieve Order: GET .../order/{id}.
func (a *adapter) readOrder(ctx context.Context, op, id string) (*orderRead, error) {
	resp, err := a.http.Do(ctx, transport.Request{Op: op, Method: http.MethodGet, Path: orderPath(id)})
	if err != nil {
		return nil, err
	}
	o := &orderRead{status: resp.Status, body: resp.Body}
	if err := json.Unmarshal(resp.Body, &o.answer); err != nil {
		return nil, a.protocol(op, resp.Status, resp.Body, "cannot decode the gateway's order", err)
	}
	if err := a.resultError(op, resp.Status, resp.Body, o.answer.Result); err != nil {
		return nil, err
	}
	return o, nil
}

// resultError turns a 2xx answer whose result is ERROR into the error the
// same body would be under a 400.
func (a *adapter) resultError(op string, httpStatus int, body []byte, result string) error {
	if result != "ERROR" {
		return nil
	}
	d := decodeError(http.StatusBadRequest, nil, body)
	kind := d.Kind
	if kind == qpay.KindUnknown {
		kind = qpay.KindInvalidRequest
	}
	r := a.http.Redactor()
	return &qpay.Error{Provider: providerName, Op: op, Kind: kind, HTTPStatus: httpStatus, Code: r.String(d.Code),
		Message: r.String(d.Message), Retryable: kind.Retryable(), Body: r.Bytes(append([]byte(nil), body...))}
}

// orderPayment turns a Retrieve Order answer into a Payment whose Raw is
// its body.
func (a *adapter) orderPayment(op string, o *orderRead) (*qpay.Payment, error) {
	ans := &o.answer
	pay := ans.payment()
	p, err := a.payment(op, o.status, o.body, &ans.orderFields, pay)
	if err != nil {
		return nil, err
	}
	if ans.TotalRefundedAmount != nil && ans.TotalRefundedAmount.Decimal().IsPositive() {
		refunded, err := money.New(ans.TotalRefundedAmount.Decimal(), ans.Currency)
		if err != nil {
			return nil, a.protocol(op, o.status, o.body, "order "+ans.ID+" has a refunded total qpay cannot take exactly", err)
		}
		p.Refunded = refunded
	}
	return p, nil
}

// transactionPayment turns the answer to INITIATE_BROWSER_PAYMENT into a
// Payment whose Raw is body.
func (a *adapter) transactionPayment(op string, httpStatus int, body []byte, t *transactionAnswer) (*qpay.Payment, error) {
	return a.payment(op, httpStatus, body, &t.Order, t)
}

func (a *adapter) payment(op string, httpStatus int, body []byte, o *orderFields, pay *transactionAnswer) (*qpay.Payment, error) {
	amount, err := a.amount(op, httpStatus, body, "order "+o.ID, o.Amount, o.Currency)
	if err != nil {
		return nil, err
	}
	st := paymentStatus(o.Status, pay)
	p := &qpay.Payment{
		Provider:  providerName,
		ID:        o.ID,
		Status:    st,
		RawStatus: o.Status,
		Amount:    amount,
		Reference: o.Reference,
		CreatedAt: parseTime(o.CreationTime),
		Raw:       body,
	}
	if p.RawStatus == "" && pay != nil {
		p.RawStatus = pay.Result
	}
	if pay != nil {
		p.Method = method(pay.SourceOfFunds)
		if st == status.Pending {
			p.RedirectURL = pay.BrowserPayment.RedirectURL
			p.RedirectHTML = pay.BrowserPayment.RedirectHTML
		}
		if st.Failure() || st == status.Unknown {
			p.FailureCode = pay.Response.GatewayCode
			p.FailureMessage = firstOf(pay.Response.AcquirerMessage, string(pay.Response.AcquirerCode))
		}
	}
	return p, nil
}

// method says how the shopper paid: QPay for the QPAY browser payment
// this adapter makes, the gateway's words otherwise (a payment of the
// order made outside qpay). Nothing when the answer does not say.
func method(s sourceOfFunds) qpay.Method {
	switch {
	case s.Type == fundsBrowserPayment && s.BrowserPayment.Type == browserQPay:
		return qpay.Method{Type: qpay.MethodQPay, Raw: browserQPay}
	case s.BrowserPayment.Type != "":
		return qpay.Method{Type: strings.ToLower(s.BrowserPayment.Type), Raw: s.BrowserPayment.Type}
	case s.Type != "":
		return qpay.Method{Type: strings.ToLower(s.Type), Raw: s.Type}
	}
	return qpay.Method{}
}

// orderRefunds lists the order's REFUND transactions.
func (a *adapter) orderRefunds(op string, o *orderRead) ([]*qpay.Refund, error) {
	var refunds []*qpay.Refund
	for i := range o.answer.Transactions {
		t := &o.answer.Transactions[i]
		if t.Transaction.Type != typeRefund {
			continue
		}
		r, err := a.elementRefund(op, o, t)
		if err != nil {
			return nil, err
		}
		refunds = append(refunds, r)
	}
	return refunds, nil
}

// orderRefund returns the order's REFUND transaction txID.
func (a *adapter) orderRefund(op string, o *orderRead, txID string) (*qpay.Refund, error) {
	t := o.answer.transaction(txID)
	if t == nil || t.Transaction.Type != typeRefund {
		return nil, &qpay.Error{Provider: providerName, Op: op, Kind: qpay.KindNotFound, HTTPStatus: o.status,
			Message: fmt.Sprintf("order %s has no refund transaction %s", o.answer.ID, txID)}
	}
	return a.elementRefund(op, o, t)
}

// elementRefund is a REFUND transaction of Retrieve Order's array: a
// refund of that order, which an element naming another order contradicts.
func (a *adapter) elementRefund(op string, o *orderRead, t *transactionAnswer) (*qpay.Refund, error) {
	if t.Order.ID != "" && t.Order.ID != o.answer.ID {
		return nil, &qpay.Error{Provider: providerName, Op: op, Kind: qpay.KindIntegrity, HTTPStatus: o.status,
			Message: fmt.Sprintf("order %s lists refund %s as one of order %s", o.answer.ID, t.Transaction.ID, t.Order.ID)}
	}
	return a.refundOf(op, o.status, o.body, o.answer.ID, t)
}

// refundOf turns a REFUND transaction of order orderID into a Refund whose
// Raw is body (the answer or the order it came in).
func (a *adapter) refundOf(op string, httpStatus int, body []byte, orderID string, t *transactionAnswer) (*qpay.Refund, error) {
	amount, err := a.amount(op, httpStatus, body, "refund "+t.Transaction.ID, t.Transaction.Amount, t.Transaction.Currency)
	if err != nil {
		return nil, err
	}
	paymentID := t.Order.ID
	if paymentID == "" {
		// An element of Retrieve Order's transaction array need not
		// repeat its order.
		paymentID = orderID
	}
	st := refundStatus(t.Result, t.Response.GatewayCode)
	r := &qpay.Refund{
		Provider:  providerName,
		ID:        t.Transaction.ID,
		PaymentID: paymentID,
		Status:    st,
		RawStatus: firstOf(t.Response.GatewayCode, t.Result),
		Amount:    amount,
		Reference: t.Transaction.Reference,
		CreatedAt: parseTime(t.TimeOfRecord),
		Raw:       body,
	}
	if st == status.RefundFailed || st == status.RefundUnknown {
		r.FailureCode = t.Response.GatewayCode
		r.FailureMessage = firstOf(t.Response.AcquirerMessage, string(t.Response.AcquirerCode))
	}
	return r, nil
}

// amount reads one of the gateway's amounts exactly; one with more
// decimals than its currency has is a protocol error, never rounded.
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

// parseTime reads the gateway's ISO 8601 times ("2024-04-22T08:22:24.130Z");
// the zero time when absent or unreadable.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
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
