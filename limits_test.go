package qpay_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// Each limit of qpay.go at its exact edge: the largest value accepted and
// the smallest refused. "Shorter than N" in a provider's documentation is
// a constant of N-1; characters are counted as internal/text.Len counts them.
func TestLimitsAtTheirEdges(t *testing.T) {
	keys := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	url := func(n int) string { // an https URL of exactly n bytes
		const head = "https://shop.example/"
		return head + strings.Repeat("a", n-len(head))
	}
	tests := []struct {
		name   string
		mutate func(*qpay.PaymentRequest)
		want   string // "" accepted, else a substring of the error
	}{
		{"reference at 50", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("R", qpay.MaxReferenceLen) }, ""},
		{"reference at 51", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("R", qpay.MaxReferenceLen+1) }, "reference is 51 characters, at most 50"},
		{"Arabic reference at 50 characters (100 bytes)", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("ط", 50) }, ""},
		{"reference of 25 emoji (50 UTF-16 units)", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("🧾", 25) }, ""},
		{"reference of 25 emoji and one letter", func(r *qpay.PaymentRequest) { r.Reference = strings.Repeat("🧾", 25) + "x" }, "reference is 51 characters"},
		{"description at 100", func(r *qpay.PaymentRequest) { r.Description = strings.Repeat("d", 100) }, ""},
		{"description at 101", func(r *qpay.PaymentRequest) { r.Description = strings.Repeat("d", 101) }, "description is 101 characters, at most 100"},
		{"customer name at 100", func(r *qpay.PaymentRequest) { r.Customer.Name = strings.Repeat("n", 100) }, ""},
		{"customer name at 101", func(r *qpay.PaymentRequest) { r.Customer.Name = strings.Repeat("n", 101) }, "customer name is 101 characters"},
		{"email at 255 bytes", func(r *qpay.PaymentRequest) {
			r.Customer.Email = strings.Repeat("e", 255-len("@example.qa")) + "@example.qa"
		}, ""},
		{"email at 256 bytes", func(r *qpay.PaymentRequest) {
			r.Customer.Email = strings.Repeat("e", 256-len("@example.qa")) + "@example.qa"
		}, "is not an email address"},
		{"phone country code of 4 digits", func(r *qpay.PaymentRequest) { r.Customer.Phone = qpay.Phone{CountryCode: "1264", Number: "5551234"} }, ""},
		{"phone country code of 5 digits", func(r *qpay.PaymentRequest) { r.Customer.Phone = qpay.Phone{CountryCode: "12645", Number: "5551234"} }, "customer phone country code must be at most 4 digits"},
		{"phone number of 15 digits", func(r *qpay.PaymentRequest) {
			r.Customer.Phone = qpay.Phone{CountryCode: "974", Number: strings.Repeat("5", 15)}
		}, ""},
		{"phone number of 16 digits", func(r *qpay.PaymentRequest) {
			r.Customer.Phone = qpay.Phone{CountryCode: "974", Number: strings.Repeat("5", 16)}
		}, "customer phone number must be at most 15 digits"},
		{"return URL at 255 bytes", func(r *qpay.PaymentRequest) { r.ReturnURL = url(255) }, ""},
		{"return URL at 256 bytes", func(r *qpay.PaymentRequest) { r.ReturnURL = url(256) }, "return URL is 256 bytes, at most 255"},
		{"national ID at 32", func(r *qpay.PaymentRequest) { r.NationalID = strings.Repeat("1", 32) }, ""},
		{"national ID at 33", func(r *qpay.PaymentRequest) { r.NationalID = strings.Repeat("1", 33) }, "national ID is 33 characters"},
		{"metadata key at 249 (Tap: shorter than 250)", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{strings.Repeat("k", 249): "v"} }, ""},
		{"metadata key at 250 (Tap refuses: 1127)", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{strings.Repeat("k", 250): "v"} }, "keys must be 1 to 249 characters"},
		{"Arabic metadata key at 249 characters", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{strings.Repeat("ك", 249): "v"} }, ""},
		{"metadata value at 999", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"k": strings.Repeat("v", 999)} }, ""},
		{"metadata value at 1000 (Tap refuses: 1128)", func(r *qpay.PaymentRequest) { r.Metadata = map[string]string{"k": strings.Repeat("v", 1000)} }, "values at most 999"},
		{"20 metadata keys", func(r *qpay.PaymentRequest) { r.Metadata = keys(20) }, ""},
		{"21 metadata keys", func(r *qpay.PaymentRequest) { r.Metadata = keys(21) }, "metadata has 21 keys, at most 20"},
		{"idempotency key at 255", func(r *qpay.PaymentRequest) { r.IdempotencyKey = strings.Repeat("i", 255) }, ""},
		{"idempotency key at 256", func(r *qpay.PaymentRequest) { r.IdempotencyKey = strings.Repeat("i", 256) }, "idempotency key is 256 characters"},
		{"expiry at 5 minutes", func(r *qpay.PaymentRequest) { r.Expiry = 5 * time.Minute }, ""},
		{"expiry at 4 minutes", func(r *qpay.PaymentRequest) { r.Expiry = 4 * time.Minute }, "expiry must be whole minutes from 5m0s to 1h0m0s"},
		{"expiry at 60 minutes", func(r *qpay.PaymentRequest) { r.Expiry = 60 * time.Minute }, ""},
		{"expiry at 61 minutes", func(r *qpay.PaymentRequest) { r.Expiry = 61 * time.Minute }, "expiry must be whole minutes"},
		{"amount at the maximum", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("9999999.99", "QAR") }, ""},
		{"amount one fils above", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("10000000.00", "QAR") }, "above the maximum of QAR 9999999.99"},
		{"amount of 10^20", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("100000000000000000000", "QAR") }, "above the maximum"},
		{"amount at the smallest", func(r *qpay.PaymentRequest) { r.Amount = money.MustParse("0.01", "QAR") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validPayment()
			tt.mutate(&r)
			assertValid(t, r.Validate(qpay.LiveMode), tt.want)
		})
	}
}

func TestRefundLimitsAtTheirEdges(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*qpay.RefundRequest)
		want   string
	}{
		{"amount at the maximum", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("9999999.99", "QAR") }, ""},
		{"amount one fils above", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("10000000", "QAR") }, "above the maximum"},
		{"amount of 10^20", func(r *qpay.RefundRequest) { r.Amount = money.MustParse("100000000000000000000", "QAR") }, "above the maximum"},
		{"reason at 249 (Tap: shorter than 250)", func(r *qpay.RefundRequest) { r.Reason = strings.Repeat("x", 249) }, ""},
		{"reason at 250 (Tap refuses: 1157)", func(r *qpay.RefundRequest) { r.Reason = strings.Repeat("x", 250) }, "reason is 250 characters, at most 249"},
		{"reference at 50", func(r *qpay.RefundRequest) { r.Reference = strings.Repeat("R", 50) }, ""},
		{"reference at 51", func(r *qpay.RefundRequest) { r.Reference = strings.Repeat("R", 51) }, "reference is 51 characters"},
		{"metadata key at 250", func(r *qpay.RefundRequest) { r.Metadata = map[string]string{strings.Repeat("k", 250): "v"} }, "keys must be 1 to 249"},
		{"reference with U+0085", func(r *qpay.RefundRequest) { r.Reference = "RFD\u00851" }, "reference contains control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := qpay.RefundRequest{PaymentID: "chg_TS07A0320241133g5RO1906000", Amount: money.MustParse("10", "QAR"), Reference: "RFD-1"}
			tt.mutate(&r)
			assertValid(t, r.Validate(), tt.want)
		})
	}
}

// Every control character (C0, DEL, C1) and every invisible format
// character is refused in what names something; free text refuses controls
// and bidi overrides but keeps the joiners and marks that scripts need.
func TestHiddenCharacters(t *testing.T) {
	hidden := map[string]rune{
		"NUL": 0, "LF": '\n', "DEL": 0x7f, "NEL (C1)": 0x85, "CSI (C1, a terminal escape)": 0x9b, "APC (C1)": 0x9f,
		"right-to-left override": 0x202e, "left-to-right embedding": 0x202a, "first strong isolate": 0x2068,
		"zero-width space": 0x200b, "zero-width joiner": 0x200d, "byte order mark": 0xfeff, "soft hyphen": 0xad,
		"right-to-left mark": 0x200f, "word joiner": 0x2060, "line separator": 0x2028,
	}
	prose := map[rune]bool{0x200d: true, 0x200f: true, 0x200b: true, 0xfeff: true, 0xad: true, 0x2060: true} // allowed in free text
	for name, r := range hidden {
		t.Run(name, func(t *testing.T) {
			s := "ORD" + string(r) + "1"

			p := validPayment()
			p.Reference = s
			assertValid(t, p.Validate(qpay.LiveMode), "reference contains control")
			p = validPayment()
			p.IdempotencyKey = s
			assertValid(t, p.Validate(qpay.LiveMode), "idempotency key contains control")
			p = validPayment()
			p.Metadata = map[string]string{s: "v"}
			assertValid(t, p.Validate(qpay.LiveMode), "contains control")
			p = validPayment()
			p.Customer.Email = "m" + string(r) + "@example.qa"
			assertValid(t, p.Validate(qpay.LiveMode), "is not an email address")

			want := "description contains control"
			if prose[r] {
				want = ""
			}
			p = validPayment()
			p.Description = s
			assertValid(t, p.Validate(qpay.LiveMode), want)
		})
	}
	// Persian names need the zero-width non-joiner; metadata values may
	// hold several lines.
	p := validPayment()
	p.Customer.Name = "می\u200cخواهم"
	p.Metadata = map[string]string{"address": "Building 12\nStreet 340\tDoha"}
	assert.NoError(t, p.Validate(qpay.LiveMode))
	p.Metadata = map[string]string{"address": "Doha\u009b31m"}
	assertValid(t, p.Validate(qpay.LiveMode), "metadata value of key \"address\" contains control")
}

func assertValid(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		assert.NoError(t, err)
		return
	}
	assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	assert.ErrorContains(t, err, want)
}
