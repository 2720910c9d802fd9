package driver

import (
	"context"
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

func TestRefundOfASplitPaymentIsSharedOutProRata(t *testing.T) {
	paid := &qpay.Payment{ID: "pay_1", Status: status.Captured, Amount: qar("100.00"), Splits: []qpay.Split{
		{Recipient: "480593", Amount: qar("33.33")},
		{Recipient: "486374", Amount: qar("0.01")},
	}}
	s := &stub{read: paid, refund: &qpay.Refund{ID: "re_1", Status: status.RefundPending}}
	_, err := Wrap(s, Options{}).Refund(context.Background(), qpay.RefundRequest{
		PaymentID: "pay_1", Amount: qar("10.00"), Reference: "RFD-1",
		Splits: []qpay.Split{{Recipient: "forged", Amount: qar("10.00")}}, // replaced
	})
	require.NoError(t, err)
	require.Len(t, s.lastRefR.Splits, 1, "a share that rounds to nothing is not sent: %+v", s.lastRefR.Splits)
	assert.Equal(t, "480593", s.lastRefR.Splits[0].Recipient)
	assert.Equal(t, "3.33", s.lastRefR.Splits[0].Amount.Fixed())

	plain := &stub{read: &qpay.Payment{ID: "pay_2", Status: status.Captured, Amount: qar("10.00")}, refund: &qpay.Refund{ID: "re_2"}}
	_, err = Wrap(plain, Options{}).Refund(context.Background(), qpay.RefundRequest{PaymentID: "pay_2", Amount: qar("1.00"), Reference: "RFD-2"})
	require.NoError(t, err)
	assert.Nil(t, plain.lastRefR.Splits)
}
