// Package conformance is the suite every adapter must pass, the way the Go
// CDK's drivertest checks every driver: one set of scenarios, run once per
// adapter and once per kind of backend (gock fixtures in the adapter's own
// tests, the qpaytest simulator over real HTTP).
//
// A Backend is the provider's side of the conversation as a test controls
// it; the scenarios only talk to the portable qpay.Provider and ask the
// Backend to play the shopper, to sign webhooks, or to misbehave.
package conformance

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// The operations a Backend can be asked to fail or misreport, and counts.
const (
	OpCreatePayment = qpay.OpCreatePayment
	OpGetPayment    = qpay.OpGetPayment
	OpRefund        = qpay.OpRefund
)

// Backend is the provider's side of a scenario.
type Backend interface {
	// Provider returns the adapter under test, talking to this backend,
	// built the way a merchant would build it (through the portable layer).
	Provider(t *testing.T) qpay.Provider
	// Settle plays the shopper on the QPay page of payment id: to is
	// status.Captured, status.Failed, status.Canceled or status.Expired.
	// Afterwards the provider reports that outcome.
	Settle(t *testing.T, id string, to status.Status)
	// PaymentWebhook returns a correctly signed delivery of the payment's
	// current state, as the provider would send it.
	PaymentWebhook(t *testing.T, id string) (http.Header, []byte)
	// RefundWebhook returns a correctly signed delivery saying that refund r
	// succeeded.
	RefundWebhook(t *testing.T, r *qpay.Refund) (http.Header, []byte)
	// SignatureHeader names the header that carries the webhook signature.
	SignatureHeader() string
	// FailNext makes the provider answer the next request of op with the
	// HTTP status code and its documented error body. A 5xx or 429 fails
	// only one attempt, so the transport's retry succeeds.
	FailNext(t *testing.T, op string, code int)
	// MisreportNext makes the provider's next answer to op contradict the
	// request: another amount or reference (whichever that answer echoes),
	// or another payment.
	MisreportNext(t *testing.T, op string)
	// Requests counts the HTTP requests the provider has received for op.
	Requests(op string) int
}

// SharedSecret is implemented by a Backend whose provider authenticates a
// webhook with a secret it sends as is in SignatureHeader (the Mastercard
// Gateway's X-Notification-Secret) rather than with a signature over the
// body. Such a header says who sent a delivery, not what the delivery says:
// a body altered or swapped under a genuine header cannot be told from a
// genuine one by the header, and every delivery carries the same header.
// For such a provider BadSignatureIsRejected still requires a missing or
// wrong secret to be refused as KindInvalidSignature, and requires of an
// altered or swapped body that it is refused, or that the event it yields
// carries what the provider's API says (read back), never what the body
// claims.
type SharedSecret interface {
	// WebhookSecretIsNotASignature marks the Backend.
	WebhookSecretIsNotASignature()
}

// Run runs every scenario, each against a fresh backend from newBackend, so
// that request counts start at zero.
func Run(t *testing.T, newBackend func(t *testing.T) Backend) {
	t.Helper()
	scenarios := []struct {
		name string
		run  func(*testing.T, Backend)
	}{
		{"CreateReturnsPendingWithRedirect", testCreate},
		{"CreateRejectsBadInputBeforeAnyRequest", testCreateInvalid},
		{"GetReportsEveryOutcome", testGetOutcomes},
		{"PartialThenFullRefund", testRefunds},
		{"RefundOfUncapturedPaymentIsRefused", testRefundUncaptured},
		{"PaymentWebhookRoundTrip", testPaymentWebhook},
		{"RefundWebhookRoundTrip", testRefundWebhook},
		{"RefundIsReadBackByID", testGetRefund},
		{"RewrittenDeliveriesNeverDecide", testRewrittenDeliveries},
		{"BadSignatureIsRejected", testBadSignature},
		{"ProviderErrorsAreTyped", testProviderErrors},
		{"TransientErrorsAreRetried", testTransientErrors},
		{"IntegrityErrors", testIntegrity},
	}
	scenarios = append(scenarios, hostedScenarios...)
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) { s.run(t, newBackend(t)) })
	}
}

// Request returns a valid QPay payment request for the scenarios.
func Request(reference, amount string) qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:      money.MustParse(amount, qpay.Currency),
		Reference:   reference,
		Description: "Order " + reference,
		Customer: qpay.Customer{
			Name:  "Mariam Al-Kuwari",
			Email: "mariam@example.qa",
			Phone: qpay.Phone{CountryCode: "974", Number: "55123456"},
		},
		ReturnURL:  "https://shop.example/qpay/return",
		WebhookURL: "https://shop.example/qpay/webhook",
		Metadata:   map[string]string{"order_id": reference},
	}
}

func create(t *testing.T, p qpay.Provider, ref, amount string) *qpay.Payment {
	t.Helper()
	pay, err := p.CreatePayment(context.Background(), Request(ref, amount))
	require.NoError(t, err)
	return pay
}

func captured(t *testing.T, b Backend, p qpay.Provider, ref, amount string) *qpay.Payment {
	t.Helper()
	pay := create(t, p, ref, amount)
	b.Settle(t, pay.ID, status.Captured)
	got, err := p.GetPayment(context.Background(), pay.ID)
	require.NoError(t, err)
	require.Equal(t, status.Captured, got.Status)
	return got
}

func testCreate(t *testing.T, b Backend) {
	p := b.Provider(t)
	pay := create(t, p, "ORD-create", "79.10")
	assert.Equal(t, p.Name(), pay.Provider)
	assert.NotEmpty(t, pay.ID)
	assert.Equal(t, status.Pending, pay.Status)
	assert.NotEmpty(t, pay.RawStatus)
	assert.True(t, pay.Amount.Equal(money.MustParse("79.10", "QAR")), "amount %s", pay.Amount)
	assert.Equal(t, "ORD-create", pay.Reference)
	assert.Regexp(t, `^https?://`, pay.RedirectURL)
	assert.Equal(t, 1, b.Requests(OpCreatePayment))
	// A Registry sends an old payment to the configuration that made it by
	// the shape of its ID: the adapter must know its own.
	if o, ok := p.(qpay.PaymentIDOwner); assert.True(t, ok, "the Provider implements qpay.PaymentIDOwner") {
		assert.True(t, o.OwnsPaymentID(pay.ID), "the Provider owns its payment ID %s", pay.ID)
		assert.False(t, o.OwnsPaymentID("xyz_"+pay.ID), "the Provider claims a foreign ID")
	}

	got, err := p.GetPayment(context.Background(), pay.ID)
	require.NoError(t, err)
	assert.Equal(t, pay.ID, got.ID)
	assert.Equal(t, status.Pending, got.Status)
	assert.True(t, got.Amount.Equal(pay.Amount))
}

func testCreateInvalid(t *testing.T, b Backend) {
	p := b.Provider(t)
	bad := Request("", "79.10")
	bad.Amount = money.MustParse("1.500", "KWD")
	bad.ReturnURL = "http://shop.example/return"
	_, err := p.CreatePayment(context.Background(), bad)
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindInvalidRequest, e.Kind)
	assert.Equal(t, p.Name(), e.Provider)
	assert.Contains(t, e.Message, "reference is required")
	assert.Contains(t, e.Message, "QAR only")
	assert.Equal(t, 0, b.Requests(OpCreatePayment), "an invalid request reached the provider")
}

func testGetOutcomes(t *testing.T, b Backend) {
	p := b.Provider(t)
	for _, to := range []status.Status{status.Captured, status.Failed, status.Canceled, status.Expired} {
		t.Run(to.String(), func(t *testing.T) {
			pay := create(t, p, "ORD-get-"+to.String(), "10.00")
			b.Settle(t, pay.ID, to)
			got, err := p.GetPayment(context.Background(), pay.ID)
			require.NoError(t, err)
			assert.Equal(t, to, got.Status, "raw status %q", got.RawStatus)
			assert.NotEmpty(t, got.RawStatus)
			assert.NotEmpty(t, got.Raw)
			assert.True(t, got.Amount.Equal(money.MustParse("10.00", "QAR")))
			if to == status.Failed {
				assert.True(t, got.FailureCode != "" || got.FailureMessage != "", "a decline carries its reason")
			}
		})
	}
}

func testRefunds(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	pay := captured(t, b, p, "ORD-refund", "100.00")

	part, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("30.00", "QAR"), Reference: "RFD-1"})
	require.NoError(t, err)
	assert.NotEmpty(t, part.ID)
	assert.Equal(t, pay.ID, part.PaymentID)
	assert.Equal(t, p.Name(), part.Provider)
	assert.True(t, part.Amount.Equal(money.MustParse("30.00", "QAR")))
	assert.Equal(t, "RFD-1", part.Reference)
	assert.Contains(t, []status.RefundStatus{status.RefundPending, status.RefundSucceeded}, part.Status)
	sent := b.Requests(OpRefund)
	assert.Equal(t, 1, sent)

	_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("70.01", "QAR"), Reference: "RFD-2"})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest, "more than what is left")
	assert.ErrorContains(t, err, "exceeds")
	assert.Equal(t, sent, b.Requests(OpRefund), "an over-refund reached the provider")

	rest, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("70.00", "QAR"), Reference: "RFD-3"})
	require.NoError(t, err)
	assert.True(t, rest.Amount.Equal(money.MustParse("70.00", "QAR")))
	assert.NotEqual(t, part.ID, rest.ID)

	_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("0.01", "QAR"), Reference: "RFD-4"})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest, "nothing is left")
	assert.Equal(t, sent+1, b.Requests(OpRefund))
}

func testRefundUncaptured(t *testing.T, b Backend) {
	p := b.Provider(t)
	pay := create(t, p, "ORD-refund-pending", "5.00")
	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-X"})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, "only a captured payment can be refunded")
	assert.Equal(t, 0, b.Requests(OpRefund))
}

func testPaymentWebhook(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	pay := create(t, p, "ORD-webhook", "1.00")
	b.Settle(t, pay.ID, status.Captured)
	h, body := b.PaymentWebhook(t, pay.ID)

	ev, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.EventPayment, ev.Type)
	assert.Equal(t, p.Name(), ev.Provider)
	assert.Equal(t, pay.ID, ev.PaymentID)
	require.NotNil(t, ev.Payment)
	assert.Equal(t, status.Captured, ev.Payment.Status)
	assert.True(t, ev.Payment.Amount.Equal(money.MustParse("1.00", "QAR")))
	assert.Equal(t, body, []byte(ev.Raw))
	assert.NotEmpty(t, ev.ID)
	assert.Equal(t, qpay.Fields(0), ev.Verification.Unverified(), "every fact is signed or read back")

	again, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	assert.Equal(t, ev.ID, again.ID, "a redelivery keeps its event ID")
}

func testRefundWebhook(t *testing.T, b Backend) {
	p := b.Provider(t)
	pay := captured(t, b, p, "ORD-refund-webhook", "20.00")
	r, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-W"})
	require.NoError(t, err)
	h, body := b.RefundWebhook(t, r)

	ev, err := p.ParseWebhook(context.Background(), h, body)
	require.NoError(t, err)
	assert.Equal(t, qpay.EventRefund, ev.Type)
	require.NotNil(t, ev.Refund)
	assert.Equal(t, r.ID, ev.Refund.ID)
	assert.Equal(t, pay.ID, ev.PaymentID)
	assert.Equal(t, status.RefundSucceeded, ev.Refund.Status)
	assert.True(t, ev.Refund.Amount.Equal(money.MustParse("5.00", "QAR")))
	assert.Equal(t, qpay.Fields(0), ev.Verification.Unverified(), "every fact is signed or read back")
}

// testRewrittenDeliveries: a genuine delivery with another payment's ID or
// another order's reference written into it either fails its signature
// (a provider that signs the body) or carries the genuine facts (one whose
// signature leaves those fields out, read back): a rewritten field never
// decides which payment moves, nor which order the merchant is told of.
func testRewrittenDeliveries(t *testing.T, b Backend) {
	ctx := context.Background()
	p := b.Provider(t)
	a := captured(t, b, p, "ORD-rewrite-A", "20.00")
	other := create(t, p, "ORD-rewrite-B", "20.00")

	h, body := b.PaymentWebhook(t, a.ID)
	genuine, err := p.ParseWebhook(ctx, h, body)
	require.NoError(t, err)
	signsBody := genuine.Verification.Method == qpay.VerifiedBody
	forged := bytes.ReplaceAll(body, []byte("ORD-rewrite-A"), []byte("ORD-rewrite-B"))
	require.NotEqual(t, body, forged, "the delivery carries its reference")
	if ev, err := p.ParseWebhook(ctx, h, forged); signsBody {
		assert.ErrorIs(t, err, qpay.KindInvalidSignature)
	} else {
		require.NoError(t, err, "the rewritten fields are not signed")
		assert.Equal(t, a.ID, ev.PaymentID)
		assert.Equal(t, "ORD-rewrite-A", ev.Payment.Reference, "the order is the genuine one")
		assert.True(t, ev.Verification.Differs.Has(qpay.FieldReference), "the rewrite is reported")
	}

	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: a.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-rewrite"})
	require.NoError(t, err)
	h, body = b.RefundWebhook(t, r)
	forged = bytes.ReplaceAll(body, []byte(a.ID), []byte(other.ID))
	require.NotEqual(t, body, forged, "the delivery names its payment")
	if ev, err := p.ParseWebhook(ctx, h, forged); signsBody {
		assert.ErrorIs(t, err, qpay.KindInvalidSignature)
	} else {
		require.NoError(t, err, "the rewritten fields are not signed")
		assert.Equal(t, a.ID, ev.PaymentID, "the refund moves its own payment only")
		assert.Equal(t, a.ID, ev.Refund.PaymentID)
		assert.True(t, ev.Verification.Differs.Has(qpay.FieldPaymentID), "the rewrite is reported")
	}
}

// testGetRefund: every Provider reads a refund back by its ID
// (qpay.RefundGetter), the source of truth for a refund whose webhook is
// late, lost or in doubt, and the read-back behind a refund webhook whose
// payment the signature does not cover.
func testGetRefund(t *testing.T, b Backend) {
	ctx := context.Background()
	p := b.Provider(t)
	rg, ok := p.(qpay.RefundGetter)
	require.True(t, ok, "the Provider implements qpay.RefundGetter")
	pay := captured(t, b, p, "ORD-get-refund", "20.00")
	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-G"})
	require.NoError(t, err)

	got, err := rg.GetRefund(ctx, pay.ID, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r.ID, got.ID)
	assert.Equal(t, pay.ID, got.PaymentID)
	assert.Equal(t, p.Name(), got.Provider)
	assert.True(t, got.Amount.Equal(money.MustParse("5.00", "QAR")), "amount %s", got.Amount)
	assert.Equal(t, "RFD-G", got.Reference)
	assert.NotEqual(t, status.RefundUnknown, got.Status)

	_, err = rg.GetRefund(ctx, pay.ID, r.ID+"0")
	assert.ErrorIs(t, err, qpay.KindNotFound)
	_, err = rg.GetRefund(ctx, pay.ID, "../"+r.ID)
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
}

func testBadSignature(t *testing.T, b Backend) {
	p := b.Provider(t)
	pay := create(t, p, "ORD-bad-signature", "1.00")
	b.Settle(t, pay.ID, status.Captured)
	h, body := b.PaymentWebhook(t, pay.ID)
	sig := h.Get(b.SignatureHeader())
	require.NotEmpty(t, sig)

	// Another genuine delivery: its signature must not vouch for this body.
	// (Tap signs seven fields, Checkout the raw bytes; changing a signed
	// field or swapping bodies breaks both.)
	other := create(t, p, "ORD-bad-signature-2", "2.00")
	b.Settle(t, other.ID, status.Captured)
	_, otherBody := b.PaymentWebhook(t, other.ID)

	flipped := []byte(sig)
	if flipped[0] == 'a' {
		flipped[0] = 'b'
	} else {
		flipped[0] = 'a'
	}

	_, sharedSecret := b.(SharedSecret)
	cases := map[string]struct {
		sig  string
		body []byte
		// bodyOnly: the header is genuine, only the body is not.
		bodyOnly bool
	}{
		"missing signature":           {"", body, false},
		"wrong signature":             {string(flipped), body, false},
		"not hex":                     {"zz" + sig[2:], body, false},
		"payment ID altered":          {sig, bytes.Replace(body, []byte(pay.ID), []byte(other.ID), 1), true},
		"empty body":                  {sig, nil, true},
		"signature of another body":   {sig, otherBody, true},
		"truncated body":              {sig, body[:len(body)/2], true},
		"signature over another body": {h.Get(b.SignatureHeader()), bytes.ToUpper(body), true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			hh := h.Clone()
			hh.Del(b.SignatureHeader())
			if c.sig != "" {
				hh.Set(b.SignatureHeader(), c.sig)
			}
			ev, err := p.ParseWebhook(context.Background(), hh, c.body)
			if sharedSecret && c.bodyOnly {
				notBelieved(t, p, ev, err)
				return
			}
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, qpay.KindInvalidSignature)
		})
	}
}

// notBelieved holds a delivery with a genuine shared secret and an altered
// or swapped body to its only safe outcomes: a typed error, or an event
// whose payment is what the provider's API reports for it.
func notBelieved(t *testing.T, p qpay.Provider, ev *qpay.WebhookEvent, err error) {
	t.Helper()
	if err != nil {
		assert.Nil(t, ev)
		var e *qpay.Error
		assert.ErrorAs(t, err, &e)
		return
	}
	require.NotNil(t, ev)
	require.Equal(t, qpay.EventPayment, ev.Type)
	require.NotNil(t, ev.Payment)
	truth, err := p.GetPayment(context.Background(), ev.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, truth.ID, ev.Payment.ID)
	assert.Equal(t, truth.Status, ev.Payment.Status)
	assert.True(t, truth.Amount.Equal(ev.Payment.Amount), "the event says %s, the provider %s", ev.Payment.Amount, truth.Amount)
	assert.Equal(t, truth.Reference, ev.Payment.Reference)
}

func testProviderErrors(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	cases := []struct {
		op   string
		code int
		kind qpay.Kind
	}{
		{OpCreatePayment, http.StatusUnauthorized, qpay.KindAuthentication},
		{OpCreatePayment, http.StatusBadRequest, qpay.KindInvalidRequest},
		{OpGetPayment, http.StatusNotFound, qpay.KindNotFound},
		{OpGetPayment, http.StatusUnauthorized, qpay.KindAuthentication},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+http.StatusText(c.code), func(t *testing.T) {
			var err error
			if c.op == OpCreatePayment {
				before := b.Requests(c.op)
				b.FailNext(t, c.op, c.code)
				_, err = p.CreatePayment(ctx, Request("ORD-error", "1.00"))
				assert.Equal(t, before+1, b.Requests(c.op), "a %d must not be retried", c.code)
			} else {
				pay := create(t, p, "ORD-error-get", "1.00")
				b.FailNext(t, c.op, c.code)
				_, err = p.GetPayment(ctx, pay.ID)
			}
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, c.kind, e.Kind, "%v", err)
			assert.Equal(t, c.code, e.HTTPStatus)
			assert.Equal(t, p.Name(), e.Provider)
			assert.Equal(t, c.op, e.Op)
			assert.False(t, e.Retryable)
		})
	}
}

func testTransientErrors(t *testing.T, b Backend) {
	p := b.Provider(t)
	for _, code := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			before := b.Requests(OpCreatePayment)
			b.FailNext(t, OpCreatePayment, code)
			pay, err := p.CreatePayment(context.Background(), Request("ORD-transient", "2.00"))
			require.NoError(t, err)
			assert.Equal(t, status.Pending, pay.Status)
			assert.Equal(t, before+2, b.Requests(OpCreatePayment), "one failed attempt, one retry")
		})
	}
}

func testIntegrity(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	t.Run("create", func(t *testing.T) {
		b.MisreportNext(t, OpCreatePayment)
		_, err := p.CreatePayment(ctx, Request("ORD-integrity", "3.00"))
		assert.ErrorIs(t, err, qpay.KindIntegrity)
	})
	t.Run("get", func(t *testing.T) {
		pay := create(t, p, "ORD-integrity-get", "3.00")
		b.MisreportNext(t, OpGetPayment)
		_, err := p.GetPayment(ctx, pay.ID)
		assert.ErrorIs(t, err, qpay.KindIntegrity)
	})
}
