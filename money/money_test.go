package money_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/money"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		amount   string
		currency string
		wantErr  error
		fixed    string
		minor    int64
		minorErr error
	}{
		{name: "QAR two decimals", amount: "79.10", currency: "QAR", fixed: "79.10", minor: 7910},
		{name: "KWD three decimals", amount: "1.500", currency: "KWD", fixed: "1.500", minor: 1500},
		{name: "KWD fewer decimals", amount: "1.5", currency: "KWD", fixed: "1.500", minor: 1500},
		{name: "JPY no decimals", amount: "500", currency: "JPY", fixed: "500", minor: 500},
		{name: "CLF four decimals", amount: "1.0001", currency: "CLF", fixed: "1.0001", minor: 10001},
		{name: "trailing zeros beyond exponent", amount: "1.000", currency: "QAR", fixed: "1.00", minor: 100},
		{name: "zero", amount: "0", currency: "QAR", fixed: "0.00", minor: 0},
		{name: "leading zero fraction", amount: "0.5", currency: "QAR", fixed: "0.50", minor: 50},
		{name: "leading zeros", amount: "007.50", currency: "QAR", fixed: "7.50", minor: 750},
		{name: "largest int64 minor", amount: "92233720368547758.07", currency: "QAR", fixed: "92233720368547758.07", minor: math.MaxInt64},
		{name: "one past int64 minor", amount: "92233720368547758.08", currency: "QAR", fixed: "92233720368547758.08", minorErr: money.ErrOverflow},
		{name: "huge parses, minor overflows", amount: "99999999999999999999999", currency: "QAR", fixed: "99999999999999999999999.00", minorErr: money.ErrOverflow},

		{name: "too precise", amount: "0.001", currency: "QAR", wantErr: money.ErrTooPrecise},
		{name: "too precise JPY", amount: "500.5", currency: "JPY", wantErr: money.ErrTooPrecise},
		{name: "too precise KWD", amount: "1.0005", currency: "KWD", wantErr: money.ErrTooPrecise},
		{name: "negative", amount: "-1", currency: "QAR", wantErr: money.ErrNegative},
		{name: "negative zero has a sign", amount: "-0.00", currency: "QAR", wantErr: money.ErrNegative},
		{name: "not below 10^32", amount: "1" + strings.Repeat("0", 32), currency: "QAR", wantErr: money.ErrOverflow},

		{name: "exponent", amount: "1e3", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "empty", amount: "", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "dot only", amount: ".", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "no integer part", amount: ".5", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "no fraction digits", amount: "5.", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "thousands separator", amount: "1,000.00", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "decimal comma", amount: "1,50", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "leading space", amount: " 1", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "trailing space", amount: "1 ", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "plus sign", amount: "+1", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "hex", amount: "0x10", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "NaN", amount: "NaN", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "Inf", amount: "Inf", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "minus only", amount: "-", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "double minus", amount: "--1", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "two dots", amount: "1.2.3", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "Arabic-Indic digits", amount: "٧٩.١٠", currency: "QAR", wantErr: money.ErrInvalidAmount},
		{name: "longer than 64 bytes", amount: strings.Repeat("0", 64) + "1", currency: "QAR", wantErr: money.ErrInvalidAmount},

		{name: "lower-case currency", amount: "1", currency: "qar", wantErr: money.ErrUnknownCurrency},
		{name: "unknown currency", amount: "1", currency: "XYZ", wantErr: money.ErrUnknownCurrency},
		{name: "no minor unit currency", amount: "1", currency: "XAU", wantErr: money.ErrUnknownCurrency},
		{name: "empty currency", amount: "1", currency: "", wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := money.Parse(tt.amount, tt.currency)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, money.Money{}, m)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.currency, m.Currency())
			assert.Equal(t, tt.fixed, m.Fixed())
			assert.True(t, m.Amount().Equal(decimal.RequireFromString(tt.amount)), "amount kept exactly")

			minor, err := m.Minor()
			if tt.minorErr != nil {
				require.ErrorIs(t, err, tt.minorErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.minor, minor)
		})
	}
}

func TestParseErrorSaysWhatIsWrong(t *testing.T) {
	_, err := money.Parse("0.001", "QAR")
	assert.EqualError(t, err, `money: QAR allows 2 decimals, got "0.001": more decimals than the currency allows`)

	_, err = money.Parse("1", "qar")
	assert.EqualError(t, err, `money: "qar" is not an active upper-case ISO 4217 currency code: unknown currency`)
}

func TestMustParsePanicsOnBadInput(t *testing.T) {
	assert.Panics(t, func() { money.MustParse("0.001", "QAR") })
	assert.Equal(t, "QAR 79.10", money.MustParse("79.10", "QAR").String())
}

// The examples from the original issue, both ways round.
func TestIssueExamples(t *testing.T) {
	tests := []struct {
		amount   string
		currency string
		minor    int64
		fixed    string
	}{
		{"79.10", "QAR", 7910, "79.10"},
		{"1.5", "KWD", 1500, "1.500"},
		{"500", "JPY", 500, "500"},
	}
	for _, tt := range tests {
		t.Run(tt.currency, func(t *testing.T) {
			m := money.MustParse(tt.amount, tt.currency)
			minor, err := m.Minor()
			require.NoError(t, err)
			assert.Equal(t, tt.minor, minor)
			assert.Equal(t, tt.fixed, m.Fixed())

			fm, err := money.FromMinor(tt.minor, tt.currency)
			require.NoError(t, err)
			assert.True(t, fm.Equal(m))
			assert.Equal(t, tt.fixed, fm.Fixed())
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		amount   decimal.Decimal
		currency string
		wantErr  error
		fixed    string
	}{
		{name: "exact", amount: decimal.RequireFromString("79.10"), currency: "QAR", fixed: "79.10"},
		{name: "trailing zeros are fine", amount: decimal.RequireFromString("1.000"), currency: "QAR", fixed: "1.00"},
		{name: "positive exponent", amount: decimal.New(5, 2), currency: "JPY", fixed: "500"},
		{name: "zero with an extreme exponent", amount: decimal.New(0, -1<<30), currency: "QAR", fixed: "0.00"},
		{name: "too precise", amount: decimal.New(1, -3), currency: "QAR", wantErr: money.ErrTooPrecise},
		{name: "tiny with an extreme exponent", amount: decimal.New(1, -1<<30), currency: "QAR", wantErr: money.ErrTooPrecise},
		{name: "negative", amount: decimal.New(-1, 0), currency: "QAR", wantErr: money.ErrNegative},
		{name: "huge with an extreme exponent", amount: decimal.New(1, 1<<30), currency: "QAR", wantErr: money.ErrOverflow},
		{name: "not below 10^32", amount: decimal.New(1, 32), currency: "QAR", wantErr: money.ErrOverflow},
		{name: "unknown currency", amount: decimal.New(1, 0), currency: "qar", wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := money.New(tt.amount, tt.currency)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.fixed, m.Fixed())
			// Compared via the canonical side: rescaling the extreme-exponent
			// input to match would itself take forever.
			assert.True(t, decimal.RequireFromString(tt.fixed).Equal(m.Amount()), "numerically unchanged")
		})
	}
}

func TestFromMinor(t *testing.T) {
	tests := []struct {
		name     string
		minor    int64
		currency string
		wantErr  error
		fixed    string
	}{
		{name: "QAR", minor: 7910, currency: "QAR", fixed: "79.10"},
		{name: "KWD", minor: 1500, currency: "KWD", fixed: "1.500"},
		{name: "JPY", minor: 500, currency: "JPY", fixed: "500"},
		{name: "CLF", minor: 1, currency: "CLF", fixed: "0.0001"},
		{name: "zero", minor: 0, currency: "QAR", fixed: "0.00"},
		{name: "max int64", minor: math.MaxInt64, currency: "QAR", fixed: "92233720368547758.07"},
		{name: "negative", minor: -1, currency: "QAR", wantErr: money.ErrNegative},
		{name: "min int64", minor: math.MinInt64, currency: "QAR", wantErr: money.ErrNegative},
		{name: "lower-case currency", minor: 1, currency: "qar", wantErr: money.ErrUnknownCurrency},
		{name: "unknown currency", minor: 1, currency: "XXX", wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := money.FromMinor(tt.minor, tt.currency)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.fixed, m.Fixed())
			minor, err := m.Minor()
			require.NoError(t, err)
			assert.Equal(t, tt.minor, minor)
		})
	}
}

func TestZeroValue(t *testing.T) {
	var m money.Money
	_, err := m.Minor()
	require.ErrorIs(t, err, money.ErrUnknownCurrency)
	assert.Equal(t, "", m.Fixed())
	assert.Equal(t, "0", m.String())
	assert.Equal(t, "", m.Currency())
	assert.True(t, m.IsZero())
	assert.False(t, m.IsPositive())
	assert.True(t, m.Amount().IsZero())
}

func TestAdd(t *testing.T) {
	q := func(s string) money.Money { return money.MustParse(s, "QAR") }
	tests := []struct {
		name    string
		a, b    money.Money
		want    money.Money
		wantErr error
	}{
		{name: "same currency", a: q("1.50"), b: q("2.55"), want: q("4.05")},
		{name: "mixed scales", a: q("1"), b: q("0.1"), want: q("1.10")},
		{name: "zero value on the left takes the other currency", a: money.Money{}, b: q("1"), want: q("1")},
		{name: "zero value on the right", a: q("1"), b: money.Money{}, want: q("1")},
		{name: "both zero values", a: money.Money{}, b: money.Money{}, want: money.Money{}},
		{name: "currency mismatch", a: q("1"), b: money.MustParse("1", "KWD"), wantErr: money.ErrCurrencyMismatch},
		{name: "out of range", a: q(strings.Repeat("9", 32)), b: q("1"), wantErr: money.ErrOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "got %v, want %v", got, tt.want)
		})
	}
}

func TestAddMismatchMessage(t *testing.T) {
	_, err := money.MustParse("1", "QAR").Add(money.MustParse("1", "KWD"))
	assert.EqualError(t, err, "money: cannot add QAR 1.00 and KWD 1.000: currency mismatch")
}

func TestSub(t *testing.T) {
	q := func(s string) money.Money { return money.MustParse(s, "QAR") }
	tests := []struct {
		name    string
		a, b    money.Money
		want    money.Money
		wantErr error
	}{
		{name: "same currency", a: q("5.00"), b: q("1.25"), want: q("3.75")},
		{name: "down to zero", a: q("1"), b: q("1.00"), want: q("0")},
		{name: "zero value on the right", a: q("1"), b: money.Money{}, want: q("1")},
		{name: "going negative", a: q("1"), b: q("2"), wantErr: money.ErrNegative},
		{name: "from the zero value", a: money.Money{}, b: q("0.01"), wantErr: money.ErrNegative},
		{name: "currency mismatch", a: q("5"), b: money.MustParse("1", "KWD"), wantErr: money.ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Sub(tt.b)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "got %v, want %v", got, tt.want)
		})
	}
}

func TestCmp(t *testing.T) {
	q := func(s string) money.Money { return money.MustParse(s, "QAR") }
	tests := []struct {
		name    string
		a, b    money.Money
		want    int
		wantErr error
	}{
		{name: "less", a: q("1"), b: q("2"), want: -1},
		{name: "greater", a: q("2"), b: q("1.99"), want: 1},
		{name: "equal across scales", a: q("1.0"), b: q("1.00"), want: 0},
		{name: "zero value is zero", a: money.Money{}, b: q("0.01"), want: -1},
		{name: "currency mismatch", a: q("1"), b: money.MustParse("1", "KWD"), wantErr: money.ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Cmp(tt.b)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b money.Money
		want bool
	}{
		{"1.0 equals 1.00", money.MustParse("1.0", "QAR"), money.MustParse("1.00", "QAR"), true},
		{"different amounts", money.MustParse("1", "QAR"), money.MustParse("2", "QAR"), false},
		{"different currencies", money.MustParse("1", "QAR"), money.MustParse("1", "SAR"), false},
		{"zero values", money.Money{}, money.Money{}, true},
		{"zero value is not QAR 0", money.Money{}, money.MustParse("0", "QAR"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.a.Equal(tt.b))
			assert.Equal(t, tt.want, tt.b.Equal(tt.a))
		})
	}
}

func TestString(t *testing.T) {
	assert.Equal(t, "QAR 79.10", money.MustParse("79.1", "QAR").String())
	assert.Equal(t, "KWD 1.500", money.MustParse("1.5", "KWD").String())
	assert.Equal(t, "JPY 500", money.MustParse("500", "JPY").String())
	assert.Equal(t, "0", money.Money{}.String())
}

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		m    money.Money
		want string
	}{
		{money.MustParse("79.1", "QAR"), `{"amount":"79.10","currency":"QAR"}`},
		{money.MustParse("1.5", "KWD"), `{"amount":"1.500","currency":"KWD"}`},
		{money.MustParse("500", "JPY"), `{"amount":"500","currency":"JPY"}`},
		{money.MustParse("0.0001", "CLF"), `{"amount":"0.0001","currency":"CLF"}`},
		{money.MustParse("0", "QAR"), `{"amount":"0.00","currency":"QAR"}`},
		{money.MustParse("99999999999999999999999", "QAR"), `{"amount":"99999999999999999999999.00","currency":"QAR"}`},
		{money.Money{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := json.Marshal(tt.m)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))

			var back money.Money
			require.NoError(t, json.Unmarshal(b, &back))
			assert.True(t, back.Equal(tt.m), "got %v, want %v", back, tt.m)

			again, err := json.Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, string(b), string(again), "identical bytes")
		})
	}
}

func TestJSONInStruct(t *testing.T) {
	type charge struct {
		Total  money.Money  `json:"total"`
		Refund *money.Money `json:"refund"`
	}
	in := charge{Total: money.MustParse("79.10", "QAR")}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"total":{"amount":"79.10","currency":"QAR"},"refund":null}`, string(b))

	var out charge
	require.NoError(t, json.Unmarshal(b, &out))
	assert.True(t, out.Total.Equal(in.Total))
	assert.Nil(t, out.Refund)
}

func TestUnmarshalJSONRejects(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr error
	}{
		{"number amount", `{"amount":79.10,"currency":"QAR"}`, money.ErrInvalidAmount},
		{"integer amount", `{"amount":7910,"currency":"QAR"}`, money.ErrInvalidAmount},
		{"null amount", `{"amount":null,"currency":"QAR"}`, money.ErrInvalidAmount},
		{"missing amount", `{"currency":"QAR"}`, money.ErrInvalidAmount},
		{"exponent text", `{"amount":"1e3","currency":"QAR"}`, money.ErrInvalidAmount},
		{"not an object", `"79.10"`, money.ErrInvalidAmount},
		{"array", `[]`, money.ErrInvalidAmount},
		{"too precise", `{"amount":"0.001","currency":"QAR"}`, money.ErrTooPrecise},
		{"negative", `{"amount":"-1.00","currency":"QAR"}`, money.ErrNegative},
		{"lower-case currency", `{"amount":"1.00","currency":"qar"}`, money.ErrUnknownCurrency},
		{"unknown currency", `{"amount":"1.00","currency":"XYZ"}`, money.ErrUnknownCurrency},
		{"missing currency", `{"amount":"1.00"}`, money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := money.MustParse("5", "QAR")
			err := json.Unmarshal([]byte(tt.json), &m)
			require.ErrorIs(t, err, tt.wantErr)
			assert.True(t, m.Equal(money.MustParse("5", "QAR")), "left unchanged on error")
		})
	}
}

func TestUnmarshalJSONNull(t *testing.T) {
	m := money.MustParse("5", "QAR")
	require.NoError(t, json.Unmarshal([]byte("null"), &m))
	assert.Equal(t, money.Money{}, m)
}
