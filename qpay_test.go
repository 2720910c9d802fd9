package qpay_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

func validPayment() qpay.PaymentRequest {
	return qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	}
}

func TestPaymentRequestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*qpay.PaymentRequest)
		mode   qpay.Mode
		want   string // "" means valid; else a substring of the message
	}{
		{"valid", func(*qpay.PaymentRequest) {}, qpay.LiveMode, ""},
		{"valid with every field", func(r *qpay.PaymentRequest) {
			r.Description = "Two coffees"
			r.Customer.Phone = qpay.Phone{CountryCode: "974", Number: "55123456"}
			r.FailureURL = "https://shop.example/qpay/failed"
			r.WebhookURL = "https://shop.example/qpay/webhook"
			r.NationalID = "28763412345"
			r.Language = "ar"
			r.Metadata = map[string]string{"order_id": "10045"}
			r.Expiry = 15 * time.Minute
			r.IdempotencyKey = "ORD-10045-1"
		}, qpay.LiveMode, ""},
		{"phone instead of email", func(r *qpay.PaymentRequest) {
			r.Customer.Email = ""
			r.Customer.Phone = qpay.Phone{CountryCode: "974", Number: "55123456"}
		}, qpay.LiveMode, ""},
		{"http return URL in test mode", func(r *qpay.PaymentRequest) { r.ReturnURL = "http://127.0.0.1:8080/return" }, qpay.TestMode, ""},

		{"missing amount", func(r *qpay.PaymentRequest) { r.Amount = money.Money{} }, qpay.LiveMode, "amount is required"},
		{"non-QAR amount", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("1.500", "KWD") }, qpay.LiveMode, "QPay takes QAR only, got KWD"},
		{"zero amount", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("0", "QAR") }, qpay.LiveMode, "amount must be greater than zero"},
		{"missing reference", func(r *qpay.PaymentRequest) { r.Reference = "" }, qpay.LiveMode, "reference is required"},
		{"blank reference", func(r *qpay.PaymentRequest) { r.Reference = "   " }, qpay.LiveMode, "reference is required"},
		{"long reference", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("r", 51) }, qpay.LiveMode, "reference is 51 characters, at most 50"},
		{"control character", func(r *qpay.PaymentRequest) { r.Reference = "ORD\n1" }, qpay.LiveMode, "reference contains control"},
		{"long description", func(r *qpay.PaymentRequest) { r.Description = strings.Repeat("d", 101) }, qpay.LiveMode, "description is 101 characters"},
		{"missing customer name", func(r *qpay.PaymentRequest) { r.Customer.Name = "" }, qpay.LiveMode, "customer name is required"},
		{"no email nor phone", func(r *qpay.PaymentRequest) { r.Customer.Email = "" }, qpay.LiveMode, "customer email or phone is required"},
		{"bad email", func(r *qpay.PaymentRequest) { r.Customer.Email = "mariam" }, qpay.LiveMode, "is not an email address"},
		{"phone with letters", func(r *qpay.PaymentRequest) { r.Customer.Phone.Number = "5512-abc" }, qpay.LiveMode, "customer phone number must be at most 15 digits"},
		{"missing return URL", func(r *qpay.PaymentRequest) { r.ReturnURL = "" }, qpay.LiveMode, "return URL is required"},
		{"relative return URL", func(r *qpay.PaymentRequest) { r.ReturnURL = "/qpay/return" }, qpay.LiveMode, "is not an absolute URL"},
		{"http return URL in live mode", func(r *qpay.PaymentRequest) { r.ReturnURL = "http://shop.example/return" }, qpay.LiveMode, "return URL must use https outside test mode"},
		{"http webhook URL in live mode", func(r *qpay.PaymentRequest) { r.WebhookURL = "http://shop.example/hook" }, qpay.LiveMode, "webhook URL must use https"},
		{"javascript URL", func(r *qpay.PaymentRequest) { r.ReturnURL = "javascript://alert(1)" }, qpay.TestMode, `must be an http(s) URL, got scheme "javascript"`},
		{"credentials in URL", func(r *qpay.PaymentRequest) { r.ReturnURL = "https://user:pass@shop.example/" }, qpay.LiveMode, "must not carry credentials"},
		{"long URL", func(r *qpay.PaymentRequest) { r.ReturnURL = "https://shop.example/" + strings.Repeat("a", 250) }, qpay.LiveMode, "at most 255 allowed"},
		{"unknown language", func(r *qpay.PaymentRequest) { r.Language = "fr" }, qpay.LiveMode, `language must be "en" or "ar"`},
		{"long national ID", func(r *qpay.PaymentRequest) { r.NationalID = strings.Repeat("1", 33) }, qpay.LiveMode, "national ID is 33 characters"},
		{"expiry too short", func(r *qpay.PaymentRequest) { r.Expiry = 4 * time.Minute }, qpay.LiveMode, "expiry must be whole minutes from 5m0s to 1h0m0s"},
		{"expiry too long", func(r *qpay.PaymentRequest) { r.Expiry = 61 * time.Minute }, qpay.LiveMode, "expiry must be whole minutes"},
		{"expiry not whole minutes", func(r *qpay.PaymentRequest) { r.Expiry = 10*time.Minute + time.Second }, qpay.LiveMode, "expiry must be whole minutes"},
		{"empty metadata key", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"": "x"} }, qpay.LiveMode, "metadata key"},
		{"long metadata value", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"k": strings.Repeat("v", 1000)} }, qpay.LiveMode, "metadata key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validPayment()
			tt.mutate(&r)
			err := r.Validate(tt.mode)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, qpay.KindInvalidRequest, e.Kind)
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			assert.Contains(t, e.Message, tt.want)
		})
	}
}

func TestPaymentRequestValidateReportsEveryProblemAtOnce(t *testing.T) {
	err := qpay.PaymentRequest{}.Validate(qpay.LiveMode)
	require.Error(t, err)
	for _, want := range []string{"amount is required", "reference is required", "customer name is required",
		"customer email or phone is required", "return URL is required"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestRefundRequestValidate(t *testing.T) {
	valid := func() qpay.RefundRequest {
		return qpay.RefundRequest{PaymentID: "chg_TS07A0320241133g5RO1906000", Amount: money.MustParse("10", "QAR"), Reference: "RFD-1"}
	}
	tests := []struct {
		name   string
		mutate func(*qpay.RefundRequest)
		want   string
	}{
		{"valid", func(*qpay.RefundRequest) {}, ""},
		{"missing payment ID", func(r *qpay.RefundRequest) { r.PaymentID = "" }, "payment ID is required"},
		{"path in payment ID", func(r *qpay.RefundRequest) { r.PaymentID = "../v2/charges" }, "has characters other than"},
		{"missing amount", func(r *qpay.RefundRequest) { r.Amount = money.Money{} }, "amount is required (use Payment.Refundable for a full refund)"},
		{"zero amount", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("0.00", "QAR") }, "amount must be greater than zero"},
		{"non-QAR amount", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("1", "USD") }, "QPay refunds are in QAR only, got USD"},
		{"missing reference", func(r *qpay.RefundRequest) { r.Reference = "" }, "reference is required"},
		{"long reason", func(r *qpay.RefundRequest) { r.Reason = strings.Repeat("x", 250) }, "reason is 250 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(&r)
			err := r.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"chg_TS07A0320241133g5RO1906000", "pay_7eil5osdlcdehe62et5aihec4q", "sid_y3oqhf46pyzuxjbcn2giaqnb44", "re-1"} {
		assert.NoError(t, qpay.ValidateID(ok), ok)
	}
	for _, bad := range []string{"", "pay/1", "../x", "pay 1", "pay?x=1", "pay%2f", strings.Repeat("a", 129), "é"} {
		assert.Error(t, qpay.ValidateID(bad), bad)
	}
}

func TestPaymentRefundable(t *testing.T) {
	qar := func(s string) money.Money { return money.MustParse(s, "QAR") }
	tests := []struct {
		name     string
		p        qpay.Payment
		want     money.Money
		mismatch bool
	}{
		{"pending: nothing", qpay.Payment{Status: status.Pending, Amount: qar("100")}, qar("0"), false},
		{"failed: nothing", qpay.Payment{Status: status.Failed, Amount: qar("100")}, qar("0"), false},
		{"captured, refunds unknown: all", qpay.Payment{Status: status.Captured, Amount: qar("100")}, qar("100"), false},
		{"partially refunded: the rest", qpay.Payment{Status: status.PartiallyRefunded, Amount: qar("100"), Refunded: qar("30.50")}, qar("69.50"), false},
		{"refunded: nothing", qpay.Payment{Status: status.Refunded, Amount: qar("100"), Refunded: qar("100")}, qar("0"), false},
		{"refunded in another currency: error", qpay.Payment{Status: status.Captured, Amount: qar("100"), Refunded: money.MustParse("1", "KWD")}, money.Money{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Refundable()
			if tt.mismatch {
				assert.ErrorIs(t, err, money.ErrCurrencyMismatch)
				return
			}
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "got %s, want %s", got, tt.want)
		})
	}
}

func TestEventTypeString(t *testing.T) {
	assert.Equal(t, "payment", qpay.EventPayment.String())
	assert.Equal(t, "refund", qpay.EventRefund.String())
	assert.Equal(t, "event_type(0)", qpay.EventType(0).String())
	assert.Equal(t, "live", qpay.LiveMode.String())
	assert.Equal(t, "test", qpay.TestMode.String())
	assert.Equal(t, qpay.LiveMode, qpay.Mode(0), "the zero Mode must be the strict one")
}

func TestErrorIsAndAs(t *testing.T) {
	cause := errors.New("connection reset by peer")
	var err error = &qpay.Error{Provider: "tap", Op: qpay.OpRefund, Kind: qpay.KindNetwork, Message: "no answer", Retryable: true, Err: cause}
	wrapped := errors.Join(errors.New("refund order 7"), err)

	assert.ErrorIs(t, wrapped, qpay.KindNetwork)
	assert.NotErrorIs(t, wrapped, qpay.KindDeclined)
	assert.ErrorIs(t, wrapped, cause, "the cause stays reachable")
	var e *qpay.Error
	require.ErrorAs(t, wrapped, &e)
	assert.True(t, e.Retryable)
	assert.Equal(t, "qpay: tap refund: network: no answer: connection reset by peer", err.Error())
}

func TestErrorMessage(t *testing.T) {
	e := &qpay.Error{Provider: "checkout", Op: qpay.OpCreatePayment, Kind: qpay.KindPermission, HTTPStatus: 422,
		Code: "payee_not_onboarded", Message: "request_invalid", RequestID: "0HMG2QJ7K1T5R:00000001", Body: []byte(`{"error_type":"request_invalid"}`)}
	want := "qpay: checkout create_payment: permission (http 422, code payee_not_onboarded, request_id 0HMG2QJ7K1T5R:00000001): request_invalid"
	assert.Equal(t, want, e.Error())
	assert.Equal(t, want, fmtV(e, "%v"))
	assert.Equal(t, want+"\nbody: {\"error_type\":\"request_invalid\"}", fmtV(e, "%+v"))
	assert.Equal(t, "qpay: invalid_request", (&qpay.Error{Kind: qpay.KindInvalidRequest}).Error())
}

func TestKinds(t *testing.T) {
	retryable := map[qpay.Kind]bool{qpay.KindRateLimited: true, qpay.KindUnavailable: true, qpay.KindNetwork: true, qpay.KindConflict: true}
	seen := map[string]bool{}
	for k := qpay.KindUnknown; k <= qpay.KindUnsupported; k++ {
		name := k.String()
		assert.NotContains(t, name, "kind(", "kind %d has no name", k)
		assert.False(t, seen[name], "duplicate name %s", name)
		seen[name] = true
		assert.Equal(t, retryable[k], k.Retryable(), name)
		assert.Equal(t, name, k.Error())
		assert.Equal(t, name, fmt.Sprint(k), "printing a Kind gives its name")
	}
	assert.Equal(t, "kind(200)", qpay.Kind(200).String())
}
