package driver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// stub is a Driver whose answers each test sets; it records what reached it.
type stub struct {
	mode     qpay.Mode
	created  *qpay.Payment
	read     *qpay.Payment
	refund   *qpay.Refund
	refunds  []*qpay.Refund
	header   http.Header
	event    *qpay.WebhookEvent
	err      error
	alias    bool
	signs    qpay.Fields  // what its webhook signature covers; zero means qpay.AllFields
	unsigned bool         // its webhook signature covers no field (overrides signs)
	readRef  *qpay.Refund // GetRefund's answer
	readErr  error        // GetPayment's and GetRefund's error in a webhook read-back
	calls    []string
	lastReq  qpay.PaymentRequest
	lastRefR qpay.RefundRequest
	shares   []qpay.Split // the shares the last Refund received
}

func (s *stub) Name() string    { return "stub" }
func (s *stub) Mode() qpay.Mode { return s.mode }
func (s *stub) CreatePayment(_ context.Context, req qpay.PaymentRequest) (*qpay.Payment, error) {
	s.calls = append(s.calls, "create")
	s.lastReq = req
	return s.created, s.err
}
func (s *stub) GetPayment(_ context.Context, id string) (*qpay.Payment, error) {
	s.calls = append(s.calls, "get")
	if s.readErr != nil {
		return nil, s.readErr
	}
	return s.read, s.err
}
func (s *stub) PaymentForRefund(_ context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	s.calls = append(s.calls, "payment_for_refund")
	return s.read, s.refunds, nil
}
func (s *stub) Refund(_ context.Context, req qpay.RefundRequest, _ *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error) {
	s.calls = append(s.calls, "refund")
	s.lastRefR, s.shares = req, shares
	return s.refund, s.err
}
func (s *stub) ParseWebhook(_ context.Context, h http.Header, body []byte) (*qpay.WebhookEvent, error) {
	s.calls = append(s.calls, "webhook")
	s.header = h
	if s.event != nil && s.event.Payment != nil {
		s.event.Payment.Raw = body // as the adapters do: the body is theirs
	}
	return s.event, s.err
}
func (s *stub) GetRefund(_ context.Context, paymentID, refundID string) (*qpay.Refund, error) {
	s.calls = append(s.calls, "get_refund")
	return s.readRef, s.readErr
}
func (s *stub) WebhookSignature() qpay.Fields {
	if s.unsigned {
		return 0
	}
	if s.signs == 0 {
		return qpay.AllFields
	}
	return s.signs
}
func (s *stub) ReturnParam() (string, string) { return "stub_id", "pay_" }
func (s *stub) IsAlias(id string) bool        { return s.alias && strings.HasPrefix(id, "sid_") }
func (s *stub) PaymentIDPrefixes() []string   { return []string{"pay_", "sid_"} }

func qar(s string) money.Money { return money.MustParse(s, "QAR") }

func request() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:    qar("79.10"),
		Reference: "ORD-1",
		Customer:  qpay.Customer{Name: "Mariam", Email: "m@example.qa"},
		ReturnURL: "https://shop.example/return",
	}
}

func pending() *qpay.Payment {
	return &qpay.Payment{ID: "pay_1", Status: status.Pending, RedirectURL: "https://pay.example/1"}
}

func TestCreatePayment(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*qpay.PaymentRequest)
		answer  func() *qpay.Payment
		kind    qpay.Kind // KindUnknown: success
		message string
		called  bool
	}{
		{"valid request, silent amount: the request's amount is reported", nil, pending, 0, "", true},
		{"echoed amount equal (other scale)", nil, func() *qpay.Payment { p := pending(); p.Amount = qar("79.100"); return p }, 0, "", true},
		{"invalid request never reaches the driver", func(r *qpay.PaymentRequest) { r.Reference = "" }, pending, qpay.KindInvalidRequest, "reference is required", false},
		{"another amount", nil, func() *qpay.Payment { p := pending(); p.Amount = qar("7910"); return p }, qpay.KindIntegrity, "asked for a payment of QAR 79.10, the provider created one of QAR 7910.00", true},
		{"another currency", nil, func() *qpay.Payment { p := pending(); p.Amount = money.MustParse("79.100", "KWD"); return p }, qpay.KindIntegrity, "KWD", true},
		{"another reference", nil, func() *qpay.Payment { p := pending(); p.Reference = "ORD-2"; return p }, qpay.KindIntegrity, `asked for reference "ORD-1"`, true},
		{"no ID", nil, func() *qpay.Payment { p := pending(); p.ID = ""; return p }, qpay.KindProtocol, "no payment ID", true},
		{"no answer at all", nil, func() *qpay.Payment { return nil }, qpay.KindProtocol, "no payment ID", true},
		{"pending without redirect URL", nil, func() *qpay.Payment { p := pending(); p.RedirectURL = ""; return p }, qpay.KindProtocol, "no redirect URL", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &stub{created: tt.answer()}
			req := request()
			if tt.mutate != nil {
				tt.mutate(&req)
			}
			p, err := Wrap(d, Options{}).CreatePayment(context.Background(), req)
			assert.Equal(t, tt.called, len(d.calls) == 1, "driver calls: %v", d.calls)
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, "stub", p.Provider)
				assert.True(t, p.Amount.Equal(req.Amount))
				assert.Equal(t, "ORD-1", p.Reference)
				return
			}
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind, "%v", err)
			assert.Equal(t, "stub", e.Provider)
			assert.Equal(t, qpay.OpCreatePayment, e.Op)
			assert.Contains(t, e.Message, tt.message)
		})
	}
}

func TestIdempotencyKeyIsMadeOnceOrKept(t *testing.T) {
	d := &stub{created: pending()}
	p := Wrap(d, Options{})
	_, err := p.CreatePayment(context.Background(), request())
	require.NoError(t, err)
	generated := d.lastReq.IdempotencyKey
	assert.Len(t, generated, 36)

	_, err = p.CreatePayment(context.Background(), request())
	require.NoError(t, err)
	assert.NotEqual(t, generated, d.lastReq.IdempotencyKey, "two logical calls share a key")

	req := request()
	req.IdempotencyKey = "ORD-1-attempt-1"
	_, err = p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "ORD-1-attempt-1", d.lastReq.IdempotencyKey)
}

func TestTestModeAllowsHTTPReturnURLs(t *testing.T) {
	req := request()
	req.ReturnURL = "http://127.0.0.1:8080/return"
	_, err := Wrap(&stub{created: pending(), mode: qpay.LiveMode}, Options{}).CreatePayment(context.Background(), req)
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	_, err = Wrap(&stub{created: pending(), mode: qpay.TestMode}, Options{}).CreatePayment(context.Background(), req)
	assert.NoError(t, err)
}

func TestGetPayment(t *testing.T) {
	captured := func(id string) *qpay.Payment {
		return &qpay.Payment{ID: id, Status: status.Captured, Amount: qar("10")}
	}
	tests := []struct {
		name  string
		id    string
		read  *qpay.Payment
		alias bool
		kind  qpay.Kind
	}{
		{"same ID", "pay_1", captured("pay_1"), false, 0},
		{"session ID resolves to the payment", "sid_1", captured("pay_1"), true, 0},
		{"another payment", "pay_1", captured("pay_2"), false, qpay.KindIntegrity},
		{"another payment for a driver without aliases", "sid_1", captured("pay_1"), false, qpay.KindIntegrity},
		{"no amount", "pay_1", &qpay.Payment{ID: "pay_1", Status: status.Captured}, false, qpay.KindProtocol},
		{"bad ID never reaches the driver", "pay/../1", nil, false, qpay.KindInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &stub{read: tt.read, alias: tt.alias}
			p, err := Wrap(d, Options{}).GetPayment(context.Background(), tt.id)
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, "stub", p.Provider)
				return
			}
			assert.ErrorIs(t, err, tt.kind)
		})
	}
}

func TestRefund(t *testing.T) {
	payment := func(st status.Status, refunded string) *qpay.Payment {
		p := &qpay.Payment{ID: "pay_1", Status: st, Amount: qar("100")}
		if refunded != "" {
			p.Refunded = qar(refunded)
		}
		return p
	}
	accepted := func() *qpay.Refund { return &qpay.Refund{ID: "act_1", Status: status.RefundPending} }
	tests := []struct {
		name    string
		read    *qpay.Payment
		amount  money.Money
		answer  *qpay.Refund
		kind    qpay.Kind
		message string
		sent    bool
	}{
		{"partial", payment(status.Captured, ""), qar("30"), accepted(), 0, "", true},
		{"the rest of a partially refunded payment", payment(status.PartiallyRefunded, "30"), qar("70"), accepted(), 0, "", true},
		{"over what is left", payment(status.PartiallyRefunded, "30"), qar("70.01"), accepted(), qpay.KindInvalidRequest, "refund of QAR 70.01 exceeds the QAR 70.00 still refundable", false},
		{"over the amount", payment(status.Captured, ""), qar("100.01"), accepted(), qpay.KindInvalidRequest, "exceeds", false},
		{"pending payment", payment(status.Pending, ""), qar("1"), accepted(), qpay.KindInvalidRequest, "only a captured payment can be refunded", false},
		{"failed payment", payment(status.Failed, ""), qar("1"), accepted(), qpay.KindInvalidRequest, "only a captured payment", false},
		{"already refunded", payment(status.Refunded, "100"), qar("1"), accepted(), qpay.KindInvalidRequest, "already fully refunded", false},
		{"refunded more than paid", payment(status.PartiallyRefunded, "130"), qar("1"), accepted(), qpay.KindIntegrity, "more refunded than paid", false},
		{"provider refunded another amount", payment(status.Captured, ""), qar("30"), &qpay.Refund{ID: "re_1", Amount: qar("300")}, qpay.KindIntegrity, "asked to refund QAR 30.00 under reference", true},
		{"provider refunded another payment", payment(status.Captured, ""), qar("30"), &qpay.Refund{ID: "re_1", PaymentID: "pay_9"}, qpay.KindIntegrity, "refunded payment pay_9", true},
		{"provider answered another reference", payment(status.Captured, ""), qar("30"), &qpay.Refund{ID: "re_1", Reference: "RFD-9"}, qpay.KindIntegrity, "RFD-9", true},
		{"no refund ID", payment(status.Captured, ""), qar("30"), &qpay.Refund{}, qpay.KindProtocol, "no refund ID", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &stub{read: tt.read, refund: tt.answer}
			r, err := Wrap(d, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1", Amount: tt.amount, Reference: "RFD-1"})
			assert.Equal(t, tt.sent, contains(d.calls, "refund"), "driver calls %v", d.calls)
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.True(t, r.Amount.Equal(tt.amount))
				assert.Equal(t, "pay_1", r.PaymentID)
				assert.Equal(t, "RFD-1", r.Reference)
				assert.Equal(t, "stub", r.Provider)
				assert.Len(t, d.lastRefR.IdempotencyKey, 36)
				return
			}
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind, "%v", err)
			assert.Equal(t, qpay.OpRefund, e.Op)
			assert.Contains(t, e.Message, tt.message)
		})
	}
}

func TestInvalidRefundNeverReachesTheDriver(t *testing.T) {
	d := &stub{}
	_, err := Wrap(d, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1"})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.Empty(t, d.calls)
}

func TestParseWebhook(t *testing.T) {
	payEvent := func() *qpay.WebhookEvent {
		return &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventPayment, Payment: &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("1")}}
	}
	tests := []struct {
		name  string
		event *qpay.WebhookEvent
		body  []byte
		kind  qpay.Kind
	}{
		{"payment event", payEvent(), []byte(`{}`), 0},
		{"refund event", &qpay.WebhookEvent{ID: "evt_2", Type: qpay.EventRefund, Refund: &qpay.Refund{ID: "act_1", PaymentID: "pay_1", Amount: qar("1")}}, []byte(`{}`), 0},
		{"too large", payEvent(), make([]byte, DefaultMaxWebhookBytes+1), qpay.KindInvalidRequest},
		{"no event ID", &qpay.WebhookEvent{Type: qpay.EventPayment}, []byte(`{}`), qpay.KindProtocol},
		{"payment without amount", &qpay.WebhookEvent{ID: "e", Type: qpay.EventPayment, Payment: &qpay.Payment{ID: "pay_1"}}, []byte(`{}`), qpay.KindProtocol},
		{"refund without payment", &qpay.WebhookEvent{ID: "e", Type: qpay.EventRefund, Refund: &qpay.Refund{ID: "act_1", Amount: qar("1")}}, []byte(`{}`), qpay.KindProtocol},
		{"no type", &qpay.WebhookEvent{ID: "e"}, []byte(`{}`), qpay.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := Wrap(&stub{event: tt.event}, Options{}).ParseWebhook(context.Background(), http.Header{}, tt.body)
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, "stub", ev.Provider)
				assert.Equal(t, "pay_1", ev.PaymentID)
				assert.Equal(t, tt.body, []byte(ev.Raw))
				return
			}
			assert.ErrorIs(t, err, tt.kind)
		})
	}
}

func TestErrorsLeaveAsQpayErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind qpay.Kind
	}{
		{"plain error", errors.New("boom"), qpay.KindUnknown},
		{"context canceled", fmt.Errorf("reading: %w", context.Canceled), qpay.KindCanceled},
		{"deadline", context.DeadlineExceeded, qpay.KindCanceled},
		{"driver's own error keeps its kind", &qpay.Error{Kind: qpay.KindNotFound}, qpay.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Wrap(&stub{err: tt.err}, Options{}).GetPayment(context.Background(), "pay_1")
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind)
			assert.Equal(t, "stub", e.Provider)
			assert.Equal(t, qpay.OpGetPayment, e.Op)
			assert.ErrorIs(t, err, tt.err, "the cause stays reachable")
		})
	}
}

func TestProviderPrintsNoConfiguration(t *testing.T) {
	p := Wrap(&stub{}, Options{})
	assert.Equal(t, "qpay.Provider(stub)", fmt.Sprint(p))
	assert.Equal(t, "qpay.Provider(stub)", fmt.Sprintf("%+v", p))
	assert.NotNil(t, Unwrap(p))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestGetPaymentInAnotherCurrencyIsAnIntegrityError(t *testing.T) {
	d := &stub{read: &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: money.MustParse("10", "USD")}}
	_, err := Wrap(d, Options{}).GetPayment(context.Background(), "pay_1")
	assert.ErrorIs(t, err, qpay.KindIntegrity)
	assert.ErrorContains(t, err, "not a QPay payment")
}

func TestRefundWithAKnownReferenceReturnsTheExistingRefund(t *testing.T) {
	p := &qpay.Payment{ID: "pay_1", Status: status.PartiallyRefunded, Amount: qar("100"), Refunded: qar("100")}
	done := &qpay.Refund{ID: "re_1", PaymentID: "pay_1", Reference: "RFD-1", Amount: qar("100"), Status: status.RefundPending}

	d := &stub{read: p, refunds: []*qpay.Refund{done}}
	r, err := Wrap(d, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1", Amount: qar("100"), Reference: "RFD-1"})
	require.NoError(t, err, "a retry of a full refund must not be refused as exceeding what is left")
	assert.Equal(t, "re_1", r.ID)
	assert.NotContains(t, d.calls, "refund", "the refund was made again")

	_, err = Wrap(d, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1", Amount: qar("5"), Reference: "RFD-1"})
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, `reference "RFD-1" already names refund re_1`)
}

// flaky fails its refund call ambiguously, after which the refund shows up
// in the provider's list.
type flaky struct {
	stub
	made bool
}

func (f *flaky) PaymentForRefund(ctx context.Context, id string) (*qpay.Payment, []*qpay.Refund, error) {
	p, _, err := f.stub.PaymentForRefund(ctx, id)
	if f.made {
		return p, []*qpay.Refund{{ID: "re_9", PaymentID: "pay_1", Reference: "RFD-1", Amount: qar("10")}}, err
	}
	return p, nil, err
}

func (f *flaky) Refund(ctx context.Context, req qpay.RefundRequest, p *qpay.Payment, shares []qpay.Split) (*qpay.Refund, error) {
	f.made = true
	_, _ = f.stub.Refund(ctx, req, p, shares)
	return nil, &qpay.Error{Kind: qpay.KindNetwork, Message: "connection reset"}
}

func TestAmbiguousRefundFailureIsReadBackBeforeReporting(t *testing.T) {
	f := &flaky{stub: stub{read: &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("100")}}}
	r, err := Wrap(f, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1", Amount: qar("10"), Reference: "RFD-1"})
	require.NoError(t, err)
	assert.Equal(t, "re_9", r.ID)
	assert.Equal(t, []string{"payment_for_refund", "refund", "payment_for_refund"}, f.calls)
}

func TestReturnID(t *testing.T) {
	p := Wrap(&stub{}, Options{})
	rr, ok := p.(qpay.ReturnReader)
	require.True(t, ok, "the portable Provider reads returns")
	id, err := rr.ReturnID(map[string][]string{"stub_id": {"pay_1"}})
	require.NoError(t, err)
	assert.Equal(t, "pay_1", id)
}

// The provider-side key names the refund: the same for every call that
// asks for the same (payment, reference), from any replica, whatever
// idempotency key or amount the caller passes, and another for anything
// else. The caller's key never reaches the provider.
func TestRefundKeyNamesThePaymentAndTheReference(t *testing.T) {
	keyOf := func(account, paymentID, ref, amount, callerKey string) string {
		d := &stub{read: &qpay.Payment{ID: paymentID, Status: status.Captured, Amount: qar("100")}, refund: &qpay.Refund{ID: "re_1"}}
		_, err := Wrap(d, Options{Account: account}).Refund(context.Background(), qpay.RefundRequest{
			PaymentID: paymentID, Amount: qar(amount), Reference: ref, IdempotencyKey: callerKey})
		require.NoError(t, err)
		return d.lastRefR.IdempotencyKey
	}
	first := keyOf("shop-1", "pay_1", "RFD-1", "10", "")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, first)
	assert.Equal(t, RefundKey("stub", "shop-1", "pay_1", "RFD-1"), first)
	same := []struct{ name, callerKey, amount string }{
		{"a retry", "", "10.00"},
		{"a caller's own key", "mine", "10"},
		{"another caller's own key", "theirs", "10"},
		// Another amount under the same reference reaches the provider
		// under the same key, to be answered with the first refund.
		{"another amount", "", "11"},
	}
	for _, c := range same {
		assert.Equal(t, first, keyOf("shop-1", "pay_1", "RFD-1", c.amount, c.callerKey), c.name)
	}
	assert.NotEqual(t, first, keyOf("shop-1", "pay_1", "RFD-2", "10", ""), "another reference")
	assert.NotEqual(t, first, keyOf("shop-1", "pay_2", "RFD-1", "10", ""), "another payment")
	assert.NotEqual(t, first, keyOf("shop-2", "pay_1", "RFD-1", "10", ""), "another account")
	assert.NotEqual(t, RefundKey("tap", "", "p", "r"), RefundKey("checkout", "", "p", "r"), "another provider")
	// The parts are kept apart: no two splits of one string collide.
	assert.NotEqual(t, RefundKey("tap", "", "pay_1", "2"), RefundKey("tap", "", "pay_12", ""))
}

func TestWebhookHeadersAreCanonicalBeforeTheDriverReadsThem(t *testing.T) {
	d := &stub{event: &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventPayment, Payment: &qpay.Payment{ID: "pay_1", Amount: qar("1")}}}
	// As a serverless runtime hands them over: lower case, not canonical.
	_, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{"cko-signature": {"abc"}, "HASHSTRING": {"def"}}, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, "abc", d.header.Get("Cko-Signature"))
	assert.Equal(t, "def", d.header.Get("hashstring"))
}

func TestWebhookBodyIsCopiedOnceAwayFromTheCallersBuffer(t *testing.T) {
	d := &stub{event: &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventPayment, Payment: &qpay.Payment{ID: "pay_1", Amount: qar("1")}}}
	buf := []byte(`{"id":"evt_1"}`)
	ev, err := Wrap(d, Options{}).ParseWebhook(context.Background(), http.Header{}, buf)
	require.NoError(t, err)
	copy(buf, `XXXXXXXXXXXXXX`) // the caller reuses its buffer
	assert.Equal(t, `{"id":"evt_1"}`, string(ev.Raw))
	assert.Equal(t, `{"id":"evt_1"}`, string(ev.Payment.Raw))
}

func TestCountRefunds(t *testing.T) {
	refund := func(amount string, st status.RefundStatus) *qpay.Refund {
		return &qpay.Refund{ID: "re_" + amount, Amount: money.MustParse(amount, "QAR"), Status: st}
	}
	tests := []struct {
		name     string
		st       status.Status
		reported string // the provider's own total, "" for none
		refunds  []*qpay.Refund
		want     string
		wantSt   status.Status
	}{
		{"no refunds: the provider's word stands", status.Captured, "", nil, "", status.Captured},
		{"pending and unknown count, failed do not", status.Captured, "", []*qpay.Refund{
			refund("10", status.RefundPending), refund("5", status.RefundUnknown), refund("50", status.RefundFailed)}, "15.00", status.PartiallyRefunded},
		{"the larger total wins: the provider's", status.Captured, "40", []*qpay.Refund{refund("10", status.RefundSucceeded)}, "40.00", status.PartiallyRefunded},
		{"the larger total wins: the refunds'", status.Captured, "0", []*qpay.Refund{refund("100", status.RefundPending)}, "100.00", status.Refunded},
		{"a provider status that lags is moved forward", status.PartiallyRefunded, "", []*qpay.Refund{refund("100", status.RefundSucceeded)}, "100.00", status.Refunded},
		{"an uncaptured payment is left alone", status.Pending, "", []*qpay.Refund{refund("10", status.RefundPending)}, "", status.Pending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &qpay.Payment{ID: "pay_1", Status: tt.st, Amount: qar("100")}
			if tt.reported != "" {
				p.Refunded = qar(tt.reported)
			}
			require.NoError(t, countRefunds(p, tt.refunds))
			assert.Equal(t, tt.wantSt, p.Status)
			if tt.want == "" {
				assert.Equal(t, tt.reported == "", p.Refunded.Currency() == "")
				return
			}
			assert.Equal(t, tt.want, p.Refunded.Fixed())
		})
	}
	p := &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("100")}
	err := countRefunds(p, []*qpay.Refund{{ID: "re_1", Amount: money.MustParse("1.000", "KWD")}})
	assert.ErrorIs(t, err, qpay.KindIntegrity)
}

// A 409 that outlasted the call's bound leaves a payment being made under
// the key. The caller's own key can be resent; the call's own key cannot,
// and a new call would make a second payment: not retryable then.
func TestCreateConflictIsRetryableOnlyWithTheCallersKey(t *testing.T) {
	for _, callerKey := range []string{"", "order-17-attempt-1"} {
		d := &stub{err: &qpay.Error{Kind: qpay.KindConflict, HTTPStatus: 409, Retryable: true, Message: "still in flight"}}
		req := qpay.PaymentRequest{Amount: qar("10"), Reference: "order-17", ReturnURL: "https://shop.example/back",
			Customer: qpay.Customer{Name: "A B", Email: "a@example.qa"}, IdempotencyKey: callerKey}
		_, err := Wrap(d, Options{}).CreatePayment(context.Background(), req)
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, qpay.KindConflict, e.Kind)
		assert.Equal(t, callerKey != "", e.Retryable, "caller's key %q", callerKey)
		if callerKey == "" {
			assert.Contains(t, e.Message, "pass PaymentRequest.IdempotencyKey")
		}
	}
}
