package tap

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

func TestHostedPagesSendTapsSources(t *testing.T) {
	tests := []struct {
		page       qpay.Page
		require    bool
		wantSource string
		wantMeta   map[string]string
	}{
		{qpay.PageQPay, false, "src_qa.qpay", map[string]string{"order_id": "ORD-10045"}},
		{qpay.PageHosted, false, "src_all", map[string]string{"order_id": "ORD-10045", "qpay_page": "hosted"}},
		{qpay.PageHosted, true, "src_all", map[string]string{"order_id": "ORD-10045", "qpay_page": "hosted", "qpay_require": "qpay"}},
		{qpay.PageHostedCards, false, "src_card", map[string]string{"order_id": "ORD-10045", "qpay_page": "hosted_cards"}},
	}
	for _, tt := range tests {
		t.Run(tt.wantSource, func(t *testing.T) {
			p := newTestProvider(t)
			req := merchantRequest()
			req.Page, req.RequireQPay = tt.page, tt.require
			// Tap's Charges reference: a src_all charge answers INITIATED
			// with the hosted page's transaction.url, its source the one
			// asked for.
			answer := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
				"amount": json.Number("79.10"), "reference.transaction": req.Reference, "reference.order": req.Reference,
				"source.id": tt.wantSource, "metadata": tt.wantMeta,
			})
			var rec recorder
			tapAPI().Post("^/v2/charges$").Reply(200).JSON(answer).Map(rec.record)
			pay, err := p.CreatePayment(context.Background(), req)
			require.NoError(t, err)
			var sent struct {
				Source   struct{ ID string }
				Metadata map[string]string
			}
			require.NoError(t, json.Unmarshal(rec.body(t, 0), &sent))
			assert.Equal(t, tt.wantSource, sent.Source.ID)
			assert.Equal(t, tt.wantMeta, sent.Metadata)
			assert.Equal(t, tt.page, pay.Page)
			assert.Equal(t, tt.require, pay.RequireQPay)
			assert.Equal(t, map[string]string{"order_id": "ORD-10045"}, pay.Metadata)
			assert.NotEmpty(t, pay.RedirectURL)
		})
	}
}

func TestMethodActuallyUsedIsRead(t *testing.T) {
	tests := []struct {
		fixture    string
		meta       map[string]string
		wantMethod qpay.Method
		mismatch   bool
	}{
		{"charge-captured.json", map[string]string{"qpay_page": "hosted", "qpay_require": "qpay"},
			qpay.Method{Type: qpay.MethodQPay, Scheme: "NAPS", Raw: "QPAY"}, false},
		{"charge-captured-visa.json", map[string]string{"qpay_page": "hosted", "qpay_require": "qpay"},
			qpay.Method{Type: qpay.MethodCard, Scheme: "VISA", Raw: "VISA"}, true},
		{"charge-captured-visa.json", map[string]string{"qpay_page": "hosted"},
			qpay.Method{Type: qpay.MethodCard, Scheme: "VISA", Raw: "VISA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			p := newTestProvider(t)
			body := patch(t, fixture(t, tt.fixture), map[string]any{"metadata": tt.meta})
			tapAPI().Get("^/v2/charges/chg_TS07A0320241133g5RO1906000$").Reply(200).JSON(body)
			pay, err := p.GetPayment(context.Background(), "chg_TS07A0320241133g5RO1906000")
			require.NoError(t, err)
			assert.Equal(t, status.Captured, pay.Status)
			assert.Equal(t, tt.wantMethod, pay.Method)
			assert.Equal(t, qpay.PageHosted, pay.Page)
			assert.Nil(t, pay.Metadata)
			if tt.mismatch {
				assert.ErrorIs(t, pay.MethodError(), qpay.KindMethodMismatch)
			} else {
				assert.NoError(t, pay.MethodError())
			}
		})
	}
}

func TestSplitsGoToDestinations(t *testing.T) {
	p := newTestProvider(t)
	req := merchantRequest()
	req.Splits = []qpay.Split{
		{Recipient: "480593", Amount: qar("40.00")},
		{Recipient: "486374", Amount: qar("30.1")},
	}
	// The destinations object of Tap's Charges reference, echoed as sent
	// (the echo is UNCONFIRMED; doc.go).
	destinations := map[string]any{"destination": []map[string]any{
		{"id": "480593", "amount": json.Number("40.00"), "currency": "QAR"},
		{"id": "486374", "amount": json.Number("30.10"), "currency": "QAR"},
	}}
	answer := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
		"amount": json.Number("79.10"), "reference.transaction": req.Reference, "reference.order": req.Reference,
		"destinations": destinations,
	})
	var rec recorder
	tapAPI().Post("^/v2/charges$").Reply(200).JSON(answer).Map(rec.record)
	pay, err := p.CreatePayment(context.Background(), req)
	require.NoError(t, err)
	var sent map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(rec.body(t, 0), &sent))
	assert.JSONEq(t, `{"destination":[{"id":"480593","amount":40.00,"currency":"QAR"},{"id":"486374","amount":30.10,"currency":"QAR"}]}`,
		string(sent["destinations"]))
	require.Len(t, pay.Splits, 2)
	assert.Equal(t, "486374", pay.Splits[1].Recipient)
	assert.Equal(t, "30.10", pay.Splits[1].Amount.Fixed())

	// A share reference has nowhere to go at Tap: refused, never dropped.
	withRef := merchantRequest()
	withRef.Splits = []qpay.Split{{Recipient: "480593", Amount: qar("1.00"), Reference: "SHARE-1"}}
	_, err = p.CreatePayment(context.Background(), withRef)
	assert.ErrorIs(t, err, qpay.KindUnsupported)
	assert.Equal(t, 1, rec.count(), "the refused split sent nothing")
	assert.True(t, gock.IsDone())
}

func TestDestinationsEchoOfAnotherShapeReadsAsNoSplit(t *testing.T) {
	p := newTestProvider(t)
	body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"destinations": []any{"480593"}})
	tapAPI().Get("^/v2/charges/chg_1$").Reply(200).JSON(patch(t, body, map[string]any{"id": "chg_1"}))
	pay, err := p.GetPayment(context.Background(), "chg_1")
	require.NoError(t, err)
	assert.Empty(t, pay.Splits)
}

// Where Tap echoes no destinations (its echo is UNCONFIRMED), a refund of a
// split charge still carries each recipient's share, taken from the split
// qpay recorded in the charge's metadata; where that record is unreadable
// too, the refund is refused before it is sent, never sent without
// destinations (which would take all of it from the marketplace).
func TestRefundOfASplitChargeWithoutEchoStillSendsDestinations(t *testing.T) {
	charge := func(record string) []byte {
		return patch(t, fixture(t, "charge-captured.json"), map[string]any{
			"amount": json.Number("100.00"), "metadata": map[string]any{"udf1": "Metadata 1", qpay.MetadataSplits: record},
		})
	}
	t.Run("recorded", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Reply(200).JSON(charge("480593:30.00,486374:20.00"))
		tapAPI().Post("^/v2/refunds/list$").Reply(200).JSON(refundPage(t, false))
		var posts recorder
		tapAPI().Post("^/v2/refunds$").Reply(200).
			JSON(tapRefund(t, map[string]any{"amount": json.Number("10.00"), "reference.merchant": "RFD-split"})).Map(posts.record)
		r, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: seedChargeID, Amount: qar("10.00"), Reference: "RFD-split"})
		require.NoError(t, err)
		var sent map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(posts.body(t, 0), &sent))
		assert.JSONEq(t, `{"destination":[{"id":"480593","amount":3.00,"currency":"QAR"},{"id":"486374","amount":2.00,"currency":"QAR"}]}`,
			string(sent["destinations"]))
		require.Len(t, r.Splits, 2, "the shares sent are reported")
		assert.Equal(t, "3.00", r.Splits[0].Amount.Fixed())
		assert.True(t, gock.IsDone())
	})
	t.Run("unreadable", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Reply(200).JSON(charge("480593:thirty"))
		tapAPI().Post("^/v2/refunds/list$").Reply(200).JSON(refundPage(t, false))
		var posts recorder
		tapAPI().Post("^/v2/refunds$").Reply(200).JSON(fixture(t, "refund-pending.json")).Map(posts.record)
		_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: seedChargeID, Amount: qar("10.00"), Reference: "RFD-split"})
		assert.ErrorIs(t, err, qpay.KindIntegrity)
		assert.Equal(t, 0, posts.count(), "nothing was sent")
	})
}

// A charge answer naming another recipient or amount than asked is an
// integrity failure, not a payment.
func TestSplitChargeAnswerNamingOthersIsRefused(t *testing.T) {
	p := newTestProvider(t)
	req := merchantRequest()
	req.Splits = []qpay.Split{{Recipient: "480593", Amount: qar("40.00")}}
	answer := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
		"amount": json.Number("79.10"), "reference.transaction": req.Reference, "reference.order": req.Reference,
		"destinations": map[string]any{"destination": []map[string]any{{"id": "999999", "amount": json.Number("40.00"), "currency": "QAR"}}},
	})
	tapAPI().Post("^/v2/charges$").Reply(200).JSON(answer)
	_, err := p.CreatePayment(context.Background(), req)
	assert.ErrorIs(t, err, qpay.KindIntegrity)
	assert.ErrorContains(t, err, "the provider answered 999999 QAR 40.00")
}
