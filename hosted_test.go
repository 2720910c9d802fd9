package qpay_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

func qar(s string) money.Money { return money.MustParse(s, "QAR") }

func split(recipient, amount string) qpay.Split {
	return qpay.Split{Recipient: recipient, Amount: qar(amount)}
}

func TestHostedAndSplitValidation(t *testing.T) {
	many := make([]qpay.Split, qpay.MaxSplits+1)
	for i := range many {
		many[i] = split("r"+strings.Repeat("x", i), "1.00")
	}
	tests := []struct {
		name   string
		mutate func(*qpay.PaymentRequest)
		want   []string // substrings of the message; none means valid
	}{
		{"hosted page", func(r *qpay.PaymentRequest) { r.Page = qpay.PageHosted }, nil},
		{"hosted page requiring QPay", func(r *qpay.PaymentRequest) { r.Page, r.RequireQPay = qpay.PageHosted, true }, nil},
		{"direct page requiring QPay", func(r *qpay.PaymentRequest) { r.RequireQPay = true }, nil},
		{"cards-only page", func(r *qpay.PaymentRequest) { r.Page = qpay.PageHostedCards }, nil},
		{"cards-only page requiring QPay", func(r *qpay.PaymentRequest) { r.Page, r.RequireQPay = qpay.PageHostedCards, true },
			[]string{"cards-only hosted page can never take QPay"}},
		{"unknown page", func(r *qpay.PaymentRequest) { r.Page = 9 }, []string{"page page(9) is not a page qpay knows"}},
		{"reserved metadata key", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{qpay.MetadataPage: "x"} },
			[]string{`metadata key "qpay_page" is reserved`}},
		{"reserved split record key", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{qpay.MetadataSplits: "1:1.00"} },
			[]string{`metadata key "qpay_splits" is reserved`}},
		{"splits up to the whole amount", func(r *qpay.PaymentRequest) {
			r.Splits = []qpay.Split{split("480593", "40.00"), split("486374", "39.10")}
		}, nil},
		{"the splits exceed the amount by one fils", func(r *qpay.PaymentRequest) {
			r.Splits = []qpay.Split{split("480593", "40.00"), split("486374", "39.11")}
		}, []string{"the splits add up to QAR 79.11, more than the payment's QAR 79.10"}},
		{"a split in another currency", func(r *qpay.PaymentRequest) {
			r.Splits = []qpay.Split{{Recipient: "480593", Amount: money.MustParse("1.000", "KWD")}}
		}, []string{"split 1: amount is in KWD, the payment in QAR"}},
		{"a zero split", func(r *qpay.PaymentRequest) { r.Splits = []qpay.Split{split("480593", "0")} },
			[]string{"split 1: amount must be greater than zero"}},
		{"a split without an amount", func(r *qpay.PaymentRequest) { r.Splits = []qpay.Split{{Recipient: "480593"}} },
			[]string{"split 1: amount is required"}},
		{"a split without a recipient", func(r *qpay.PaymentRequest) { r.Splits = []qpay.Split{split("", "1.00")} },
			[]string{"split 1: recipient is required"}},
		{"a recipient that could change a URL", func(r *qpay.PaymentRequest) { r.Splits = []qpay.Split{split("../ent_1", "1.00")} },
			[]string{"split 1: recipient", "other than letters"}},
		{"a recipient too long", func(r *qpay.PaymentRequest) {
			r.Splits = []qpay.Split{split(strings.Repeat("1", qpay.MaxRecipientLen+1), "1.00")}
		}, []string{"is 65 bytes, at most 64"}},
		{"a recipient twice", func(r *qpay.PaymentRequest) {
			r.Splits = []qpay.Split{split("480593", "1.00"), split("480593", "2.00")}
		}, []string{"split 2: recipient 480593 appears twice"}},
		{"a share reference with a bidi override", func(r *qpay.PaymentRequest) {
			s := split("480593", "1.00")
			s.Reference = "SHARE\u202e1"
			r.Splits = []qpay.Split{s}
		}, []string{"split 1 reference contains control or invisible format characters"}},
		{"too many splits", func(r *qpay.PaymentRequest) { r.Splits = many }, []string{"11 splits, at most 10 allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validPayment()
			tt.mutate(&r)
			err := r.Validate(qpay.LiveMode)
			if len(tt.want) == 0 {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

func TestMethodError(t *testing.T) {
	visa := qpay.Method{Type: qpay.MethodCard, Scheme: "VISA", Raw: "VISA"}
	tests := []struct {
		name     string
		require  bool
		method   qpay.Method
		mismatch bool
	}{
		{"QPay required and used", true, qpay.Method{Type: qpay.MethodQPay, Raw: "QPAY"}, false},
		{"QPay required, a card used", true, visa, true},
		{"QPay required, another method used", true, qpay.Method{Type: "knet", Raw: "KNET"}, true},
		{"QPay required, the method not known yet", true, qpay.Method{}, false},
		{"QPay not required, a card used", false, visa, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &qpay.Payment{Provider: "tap", ID: "chg_1", Status: status.Captured, RequireQPay: tt.require, Method: tt.method}
			err := p.MethodError()
			if !tt.mismatch {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, qpay.KindMethodMismatch)
			assert.ErrorContains(t, err, "payment chg_1 required QPay but the shopper paid by")
			assert.ErrorContains(t, err, "captured")
			assert.False(t, qpay.KindMethodMismatch.Retryable())
		})
	}
}

func TestPageNamesRoundTrip(t *testing.T) {
	for _, pg := range []qpay.Page{qpay.PageQPay, qpay.PageHosted, qpay.PageHostedCards} {
		back, ok := qpay.ParsePage(pg.String())
		require.True(t, ok)
		assert.Equal(t, pg, back)
	}
}
