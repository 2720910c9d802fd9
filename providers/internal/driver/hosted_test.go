package driver

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

// capable is a stub that can do what supports allows.
type capable struct {
	stub
	supports func(qpay.PaymentRequest) error
}

func (c *capable) Supports(req qpay.PaymentRequest) error { return c.supports(req) }

func TestPagesAndSplitsNeedADriverThatSaysItCan(t *testing.T) {
	hosted := request()
	hosted.Page = qpay.PageHosted
	split := request()
	split.Splits = []qpay.Split{{Recipient: "480593", Amount: qar("10.00")}}

	for name, req := range map[string]qpay.PaymentRequest{"hosted page": hosted, "splits": split} {
		t.Run(name+", driver without Capable", func(t *testing.T) {
			s := &stub{created: pending()}
			_, err := Wrap(s, Options{}).CreatePayment(context.Background(), req)
			assert.ErrorIs(t, err, qpay.KindUnsupported)
			assert.ErrorContains(t, err, "direct QPay page only")
			assert.Empty(t, s.calls, "nothing reached the driver")
		})
		t.Run(name+", driver refusing", func(t *testing.T) {
			c := &capable{stub: stub{created: pending()}, supports: func(qpay.PaymentRequest) error { return Unsupported("no") }}
			_, err := Wrap(c, Options{}).CreatePayment(context.Background(), req)
			assert.ErrorIs(t, err, qpay.KindUnsupported)
			assert.Empty(t, c.calls)
		})
	}

	t.Run("the direct page needs no capability", func(t *testing.T) {
		s := &stub{created: pending()}
		_, err := Wrap(s, Options{}).CreatePayment(context.Background(), request())
		require.NoError(t, err)
	})
}

func TestHostedPaymentCarriesItsPageAndRequirement(t *testing.T) {
	c := &capable{stub: stub{created: pending()}, supports: func(qpay.PaymentRequest) error { return nil }}
	req := request()
	req.Page, req.RequireQPay = qpay.PageHosted, true
	req.Metadata = map[string]string{"order_id": "1"}
	p, err := Wrap(c, Options{}).CreatePayment(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"order_id": "1", qpay.MetadataPage: "hosted", qpay.MetadataRequireQPay: "qpay"},
		c.lastReq.Metadata, "the driver sends qpay's keys with the merchant's")
	assert.Equal(t, qpay.PageHosted, p.Page)
	assert.True(t, p.RequireQPay)
	assert.Equal(t, map[string]string{"order_id": "1"}, p.Metadata)
	assert.False(t, p.Method.Known(), "a hosted page's method is known once paid")

	direct, err := Wrap(&stub{created: pending()}, Options{}).CreatePayment(context.Background(), request())
	require.NoError(t, err)
	assert.True(t, direct.Method.IsQPay(), "the direct page takes QPay only")
}

func TestRequestMetadataRoundTrip(t *testing.T) {
	r := request()
	r.Metadata = map[string]string{"order_id": "1"}
	assert.Equal(t, r.Metadata, requestMetadata(r), "the direct page adds nothing")

	r.Page, r.RequireQPay = qpay.PageHosted, true
	r.Splits = []qpay.Split{{Recipient: "480593", Amount: qar("30")}, {Recipient: "ent_x-1", Amount: qar("0.5")}}
	sent := requestMetadata(r)
	assert.Equal(t, map[string]string{"order_id": "1", qpay.MetadataPage: "hosted", qpay.MetadataRequireQPay: "qpay",
		qpay.MetadataSplits: "480593:30.00,ent_x-1:0.50"}, sent)
	assert.Equal(t, map[string]string{"order_id": "1"}, r.Metadata, "the caller's map is not changed")

	p := &qpay.Payment{Amount: qar("79.10"), Metadata: sent}
	read(p)
	assert.Equal(t, qpay.PageHosted, p.Page)
	assert.True(t, p.RequireQPay)
	assert.Equal(t, map[string]string{"order_id": "1"}, p.Metadata)
	assertShares(t, r.Splits, p.Splits)

	only := &qpay.Payment{Metadata: map[string]string{qpay.MetadataPage: "hosted_cards"}}
	read(only)
	assert.Equal(t, qpay.PageHostedCards, only.Page)
	assert.False(t, only.RequireQPay)
	assert.Nil(t, only.Metadata)

	echoed := &qpay.Payment{Amount: qar("79.10"), Metadata: map[string]string{qpay.MetadataSplits: "480593:30.00"},
		Splits: []qpay.Split{{Recipient: "480593", Amount: qar("29")}}}
	read(echoed)
	assertShares(t, []qpay.Split{{Recipient: "480593", Amount: qar("29")}}, echoed.Splits)
	assert.Nil(t, echoed.Metadata, "what the provider reports is where the money went; the record is qpay's")
}

// A split record qpay cannot read stays in the metadata, where a refund
// finds it: the payment was split, and the shares are not known.
func TestUnreadableSplitRecordStaysVisible(t *testing.T) {
	for _, rec := range []string{"", "480593", "480593:", "480593:-1.00", "480593:1.001", "a b:1.00", strings.Repeat("1:1.00,", 11) + "1:1.00"} {
		p := &qpay.Payment{Amount: qar("100"), Metadata: map[string]string{qpay.MetadataSplits: rec, "order_id": "1"}}
		read(p)
		assert.Empty(t, p.Splits, "%q", rec)
		assert.Equal(t, rec, p.Metadata[qpay.MetadataSplits], "%q", rec)
	}
}

func assertShares(t *testing.T, want, got []qpay.Split) {
	t.Helper()
	require.Len(t, got, len(want), "splits %+v", got)
	for i := range want {
		assert.Equal(t, want[i].Recipient, got[i].Recipient)
		assert.True(t, want[i].Amount.Equal(got[i].Amount), "split %d: %s, want %s", i, got[i].Amount, want[i].Amount)
	}
}

// An answer that carries splits must carry the request's; one that
// carries none reports the request's, as for the amount.
func TestCreatedSplitsAreTheRequests(t *testing.T) {
	asked := []qpay.Split{{Recipient: "480593", Amount: qar("30.00")}, {Recipient: "486374", Amount: qar("20.00")}}
	tests := []struct {
		name   string
		answer []qpay.Split
		want   []qpay.Split // nil: KindIntegrity
	}{
		{"echoed as sent", asked, asked},
		{"echoed in another order", []qpay.Split{asked[1], asked[0]}, []qpay.Split{asked[1], asked[0]}},
		{"not echoed: the request's", nil, asked},
		{"another recipient", []qpay.Split{{Recipient: "999999", Amount: qar("30.00")}, asked[1]}, nil},
		{"another amount", []qpay.Split{{Recipient: "480593", Amount: qar("40.00")}, asked[1]}, nil},
		{"a share missing", asked[:1], nil},
		{"a share added", append(slices.Clone(asked), qpay.Split{Recipient: "1", Amount: qar("1.00")}), nil},
		{"a recipient twice", []qpay.Split{asked[0], asked[0]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := pending()
			answer.Splits = slices.Clone(tt.answer)
			c := &capable{stub: stub{created: answer}, supports: func(qpay.PaymentRequest) error { return nil }}
			req := request()
			req.Amount, req.Splits = qar("100.00"), asked
			p, err := Wrap(c, Options{}).CreatePayment(context.Background(), req)
			if tt.want == nil {
				assert.ErrorIs(t, err, qpay.KindIntegrity)
				assert.ErrorContains(t, err, "asked to split payment pay_1 as 480593 QAR 30.00, 486374 QAR 20.00")
				return
			}
			require.NoError(t, err)
			assertShares(t, tt.want, p.Splits)
			assert.Equal(t, "480593:30.00,486374:20.00", c.lastReq.Metadata[qpay.MetadataSplits], "the splits sent are recorded")
			assert.Nil(t, p.Metadata, "the record is not the merchant's metadata")
		})
	}
}

func TestRefundOfASplitPaymentIsSharedOutProRata(t *testing.T) {
	paid := &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("100.00"), Splits: []qpay.Split{
		{Recipient: "480593", Amount: qar("33.33")},
		{Recipient: "486374", Amount: qar("0.01")},
	}}
	s := &stub{read: paid, refund: &qpay.Refund{ID: "re_1", Status: status.RefundPending}}
	r, err := Wrap(s, Options{}).Refund(context.Background(), qpay.RefundRequest{
		PaymentID: "pay_1", Amount: qar("10.00"), Reference: "RFD-1",
	})
	require.NoError(t, err)
	require.Len(t, s.shares, 1, "a share that rounds to nothing is not sent: %+v", s.shares)
	assert.Equal(t, "480593", s.shares[0].Recipient)
	assert.Equal(t, "3.33", s.shares[0].Amount.Fixed())
	assert.Equal(t, s.shares, r.Splits, "an answer without shares reports those sent")

	plain := &stub{read: &qpay.Payment{ID: "pay_2", Status: status.Captured, Amount: qar("10.00")}, refund: &qpay.Refund{ID: "re_2"}}
	r, err = Wrap(plain, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_2", Amount: qar("1.00"), Reference: "RFD-2"})
	require.NoError(t, err)
	assert.Nil(t, plain.shares)
	assert.Nil(t, r.Splits)
}

// A refund of a split payment never goes out without its shares: taken
// from the payment's splits as read back (the provider's echo, else
// qpay's record), or refused before any request when they cannot be
// known. An answer's shares must be those sent.
func TestRefundOfASplitPaymentNeverSendsNoShares(t *testing.T) {
	record := func(rec string) *qpay.Payment {
		return &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("100.00"),
			Metadata: map[string]string{qpay.MetadataSplits: rec, "order_id": "1"}}
	}
	refund := func(s *stub) (*qpay.Refund, error) {
		return Wrap(s, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_1", Amount: qar("10.00"), Reference: "RFD-1"})
	}
	want := []qpay.Split{{Recipient: "480593", Amount: qar("3.00")}, {Recipient: "486374", Amount: qar("2.00")}}

	t.Run("no echo: the shares come from qpay's record", func(t *testing.T) {
		s := &stub{read: record("480593:30.00,486374:20.00"), refund: &qpay.Refund{ID: "re_1"}}
		r, err := refund(s)
		require.NoError(t, err)
		assertShares(t, want, s.shares)
		assertShares(t, want, r.Splits)
	})
	t.Run("an unreadable record is refused before any request", func(t *testing.T) {
		s := &stub{read: record("480593:thirty"), refund: &qpay.Refund{ID: "re_1"}}
		_, err := refund(s)
		assert.ErrorIs(t, err, qpay.KindIntegrity)
		assert.ErrorContains(t, err, "shares of a refund are not known")
		assert.Equal(t, []string{"payment_for_refund"}, s.calls, "no refund was asked")
	})
	t.Run("a record that cannot be shared out is refused", func(t *testing.T) {
		s := &stub{read: record("480593:300.00"), refund: &qpay.Refund{ID: "re_1"}}
		_, err := refund(s)
		assert.ErrorIs(t, err, qpay.KindIntegrity)
		assert.Equal(t, []string{"payment_for_refund"}, s.calls)
	})
	for name, answer := range map[string][]qpay.Split{
		"another recipient": {{Recipient: "999999", Amount: qar("3.00")}, want[1]},
		"another amount":    {{Recipient: "480593", Amount: qar("10.00")}, want[1]},
		"a share missing":   want[:1],
	} {
		t.Run("an answer with "+name, func(t *testing.T) {
			s := &stub{read: record("480593:30.00,486374:20.00"), refund: &qpay.Refund{ID: "re_1", Splits: answer}}
			_, err := refund(s)
			assert.ErrorIs(t, err, qpay.KindIntegrity)
			assert.ErrorContains(t, err, "asked to take 480593 QAR 3.00, 486374 QAR 2.00 back")
		})
	}
	t.Run("a refund found by its reference is checked too", func(t *testing.T) {
		s := &stub{read: record("480593:30.00,486374:20.00"), refunds: []*qpay.Refund{
			{ID: "re_0", Reference: "RFD-1", Amount: qar("10.00"), Status: status.RefundSucceeded, Splits: want[:1]}}}
		_, err := refund(s)
		assert.ErrorIs(t, err, qpay.KindIntegrity)
		assert.NotContains(t, s.calls, "refund")
	})
}
