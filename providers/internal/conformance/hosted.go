package conformance

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// Hosted is implemented by backends whose provider may have a hosted
// payment page (qpay.PageHosted, qpay.PageHostedCards). The scenarios pay
// on it where HostedPages says so; for a backend without one (one that
// does not implement Hosted, or qpaytest.Backend serving the mpgs route),
// they check that the adapter refuses a hosted page with
// qpay.KindUnsupported before any request.
type Hosted interface {
	// HostedPages reports whether the backend's provider has hosted
	// pages at all (a backend serving several providers, as
	// qpaytest.Backend does, has them for some only).
	HostedPages() bool
	// SettleHosted plays the shopper on the hosted page of payment id (the ID
	// CreatePayment returned): paying by method (qpay.MethodQPay or
	// qpay.MethodCard) with the outcome to (status.Captured or
	// status.Failed). It fails the test when the page does not offer
	// method.
	SettleHosted(t *testing.T, id, method string, to status.Status)
	// Offers reports whether the page of payment id offers method.
	Offers(t *testing.T, id, method string) bool
	// ReturnQuery is the query the provider adds to the shopper's return
	// URL once payment id is finished (tap_id, cko-session-id).
	ReturnQuery(t *testing.T, id string) url.Values
}

// Splitter is implemented by backends that say whether their adapter
// takes marketplace splits. The scenarios check a split round trip where
// it does, and a qpay.KindUnsupported refusal before any request where it
// does not (or where the backend does not implement Splitter).
type Splitter interface {
	TakesSplits() bool
}

// hostedScenarios are the scenarios of issue 14, run by Run.
var hostedScenarios = []struct {
	name string
	run  func(*testing.T, Backend)
}{
	{"HostedPagePaidByQPay", testHostedQPay},
	{"HostedPagePaidOtherwise", testHostedOtherMethod},
	{"HostedPageDeclined", testHostedDeclined},
	{"HostedPageRequestsRefusedBeforeAnyRequest", testHostedInvalid},
	{"SplitsRoundTripOrRefused", testSplits},
}

func hostedRequest(ref string, page qpay.Page, requireQPay bool) qpay.PaymentRequest {
	req := Request(ref, "50.00")
	req.Page, req.RequireQPay = page, requireQPay
	return req
}

// hostedOf is b as a Hosted backend, if its provider has hosted pages.
func hostedOf(b Backend) (Hosted, bool) {
	h, ok := b.(Hosted)
	if !ok || !h.HostedPages() {
		return nil, false
	}
	return h, true
}

// hasHosted reports whether b has hosted pages, and checks, when it has
// none, that the adapter refuses one before any request.
func hasHosted(t *testing.T, b Backend, p qpay.Provider) (Hosted, bool) {
	if h, ok := hostedOf(b); ok {
		return h, true
	}
	_, err := p.CreatePayment(context.Background(), hostedRequest("ORD-hosted-none", qpay.PageHosted, false))
	assert.ErrorIs(t, err, qpay.KindUnsupported, "an adapter without a hosted page must refuse one")
	assert.Equal(t, 0, b.Requests(OpCreatePayment), "a refused hosted page reached the provider")
	return nil, false
}

// returned is the shopper's return to the merchant, read back.
func returned(t *testing.T, p qpay.Provider, q url.Values) *qpay.Payment {
	t.Helper()
	r := httptest.NewRequest("GET", "https://shop.example/qpay/return?"+q.Encode(), nil)
	pay, err := qpay.PaymentFromReturn(context.Background(), p, r)
	require.NoError(t, err)
	return pay
}

func testHostedQPay(t *testing.T, b Backend) {
	p := b.Provider(t)
	h, ok := hasHosted(t, b, p)
	if !ok {
		return
	}
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, hostedRequest("ORD-hosted-qpay", qpay.PageHosted, true))
	require.NoError(t, err)
	assert.Equal(t, status.Pending, pay.Status)
	assert.Equal(t, qpay.PageHosted, pay.Page)
	assert.True(t, pay.RequireQPay)
	assert.Regexp(t, `^https?://`, pay.RedirectURL)
	assert.Equal(t, map[string]string{"order_id": "ORD-hosted-qpay"}, pay.Metadata, "qpay's own keys are not the merchant's metadata")
	if o, ok := p.(qpay.PaymentIDOwner); ok {
		assert.True(t, o.OwnsPaymentID(pay.ID), "the Provider owns the ID of its hosted payment %s", pay.ID)
	}
	require.True(t, h.Offers(t, pay.ID, qpay.MethodQPay), "a hosted page with RequireQPay offers QPay")

	h.SettleHosted(t, pay.ID, qpay.MethodQPay, status.Captured)
	back := returned(t, p, h.ReturnQuery(t, pay.ID))
	assert.Equal(t, status.Captured, back.Status)
	assert.True(t, back.Method.IsQPay(), "method %+v", back.Method)
	assert.NoError(t, back.MethodError())
	assert.True(t, back.RequireQPay, "the requirement is read back with the payment")
	assert.Equal(t, qpay.PageHosted, back.Page)
	assert.True(t, back.Amount.Equal(money.MustParse("50.00", "QAR")))
	assert.Equal(t, "ORD-hosted-qpay", back.Reference)

	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err, "the ID CreatePayment returned leads to the payment")
	assert.Equal(t, back.ID, got.ID)
	assert.Equal(t, status.Captured, got.Status)

	hd, body := b.PaymentWebhook(t, pay.ID)
	ev, err := p.ParseWebhook(ctx, hd, body)
	require.NoError(t, err, "a hosted page's webhook is verified and applied like any other")
	assert.Equal(t, qpay.EventPayment, ev.Type)
	assert.Equal(t, got.ID, ev.PaymentID)
	assert.Equal(t, status.Captured, ev.Payment.Status)
	assert.True(t, ev.Payment.Method.IsQPay())

	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: got.ID, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-hosted"})
	require.NoError(t, err)
	assert.Equal(t, got.ID, r.PaymentID)
}

func testHostedOtherMethod(t *testing.T, b Backend) {
	p := b.Provider(t)
	h, ok := hasHosted(t, b, p)
	if !ok {
		return
	}
	ctx := context.Background()

	// Without RequireQPay, a card is a payment like any other: reported,
	// and its webhook applied.
	pay, err := p.CreatePayment(ctx, hostedRequest("ORD-hosted-card", qpay.PageHosted, false))
	require.NoError(t, err)
	require.True(t, h.Offers(t, pay.ID, qpay.MethodCard), "a hosted page offers cards")
	h.SettleHosted(t, pay.ID, qpay.MethodCard, status.Captured)
	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Captured, got.Status)
	assert.Equal(t, qpay.MethodCard, got.Method.Type, "method %+v", got.Method)
	assert.NotEmpty(t, got.Method.Scheme)
	assert.False(t, got.RequireQPay)
	assert.NoError(t, got.MethodError(), "QPay was not required")
	hd, body := b.PaymentWebhook(t, pay.ID)
	ev, err := p.ParseWebhook(ctx, hd, body)
	require.NoError(t, err, "a hosted page's card payment webhook is verified and applied")
	assert.Equal(t, status.Captured, ev.Payment.Status)
	assert.Equal(t, qpay.MethodCard, ev.Payment.Method.Type)

	// With RequireQPay, a provider that can limit its page does; one that
	// cannot reports the card payment as a mismatch.
	req, err := p.CreatePayment(ctx, hostedRequest("ORD-hosted-require", qpay.PageHosted, true))
	require.NoError(t, err)
	if !h.Offers(t, req.ID, qpay.MethodCard) {
		assert.True(t, h.Offers(t, req.ID, qpay.MethodQPay), "the page is limited to QPay")
		return
	}
	h.SettleHosted(t, req.ID, qpay.MethodCard, status.Captured)
	back := returned(t, p, h.ReturnQuery(t, req.ID))
	assert.Equal(t, status.Captured, back.Status, "the money moved: the status says so")
	assert.ErrorIs(t, back.MethodError(), qpay.KindMethodMismatch)
	var e *qpay.Error
	if assert.ErrorAs(t, back.MethodError(), &e) {
		assert.Equal(t, p.Name(), e.Provider)
		assert.Contains(t, e.Message, "required QPay")
	}
	hd, body = b.PaymentWebhook(t, req.ID)
	ev, err = p.ParseWebhook(ctx, hd, body)
	require.NoError(t, err)
	assert.ErrorIs(t, ev.Payment.MethodError(), qpay.KindMethodMismatch)
}

func testHostedDeclined(t *testing.T, b Backend) {
	p := b.Provider(t)
	h, ok := hasHosted(t, b, p)
	if !ok {
		return
	}
	pay, err := p.CreatePayment(context.Background(), hostedRequest("ORD-hosted-declined", qpay.PageHosted, true))
	require.NoError(t, err)
	h.SettleHosted(t, pay.ID, qpay.MethodQPay, status.Failed)
	got, err := p.GetPayment(context.Background(), pay.ID)
	require.NoError(t, err)
	assert.Equal(t, status.Failed, got.Status, "raw %q", got.RawStatus)
	assert.True(t, got.FailureCode != "" || got.FailureMessage != "", "a decline carries its reason")
}

func testHostedInvalid(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	_, err := p.CreatePayment(ctx, hostedRequest("ORD-cards-qpay", qpay.PageHostedCards, true))
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, "cards-only")
	bad := Request("ORD-reserved", "1.00")
	bad.Metadata = map[string]string{qpay.MetadataRequireQPay: "no"}
	_, err = p.CreatePayment(ctx, bad)
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, "reserved")
	assert.Equal(t, 0, b.Requests(OpCreatePayment))

	if h, ok := hostedOf(b); ok {
		pay, err := p.CreatePayment(ctx, hostedRequest("ORD-cards", qpay.PageHostedCards, false))
		require.NoError(t, err)
		assert.Equal(t, qpay.PageHostedCards, pay.Page)
		assert.True(t, h.Offers(t, pay.ID, qpay.MethodCard))
		assert.False(t, h.Offers(t, pay.ID, qpay.MethodQPay), "a cards-only page offers no QPay")
	}
}

func testSplits(t *testing.T, b Backend) {
	p := b.Provider(t)
	ctx := context.Background()
	req := Request("ORD-split", "100.00")
	req.Splits = []qpay.Split{
		{Recipient: "480593", Amount: money.MustParse("30.00", "QAR")},
		{Recipient: "486374", Amount: money.MustParse("20.00", "QAR")},
	}
	if s, ok := b.(Splitter); !ok || !s.TakesSplits() {
		_, err := p.CreatePayment(ctx, req)
		assert.ErrorIs(t, err, qpay.KindUnsupported, "splits the adapter cannot send are refused, never dropped")
		assert.Equal(t, 0, b.Requests(OpCreatePayment))
		return
	}
	over := req
	over.Splits = append([]qpay.Split{{Recipient: "999", Amount: money.MustParse("50.01", "QAR")}}, req.Splits...)
	_, err := p.CreatePayment(ctx, over)
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, "more than the payment's")
	assert.Equal(t, 0, b.Requests(OpCreatePayment))

	pay, err := p.CreatePayment(ctx, req)
	require.NoError(t, err)
	assertSplits(t, req.Splits, pay.Splits)
	b.Settle(t, pay.ID, status.Captured)
	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	assertSplits(t, req.Splits, got.Splits)

	// 10.00 of 100.00 takes 10% of each share back.
	r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("10.00", "QAR"), Reference: "RFD-split"})
	require.NoError(t, err)
	assertSplits(t, []qpay.Split{
		{Recipient: "480593", Amount: money.MustParse("3.00", "QAR")},
		{Recipient: "486374", Amount: money.MustParse("2.00", "QAR")},
	}, r.Splits)
}

func assertSplits(t *testing.T, want, got []qpay.Split) {
	t.Helper()
	require.Len(t, got, len(want), "splits %+v", got)
	for i := range want {
		assert.Equal(t, want[i].Recipient, got[i].Recipient)
		assert.True(t, want[i].Amount.Equal(got[i].Amount), "split %d: %s, want %s", i, got[i].Amount, want[i].Amount)
	}
}
