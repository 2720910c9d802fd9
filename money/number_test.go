package money

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestParseNumber(t *testing.T) {
	max := "1." + strings.Repeat("0", MaxNumberLen-2) // 64 bytes: the longest accepted
	cases := []struct {
		text string
		want string // decimal's String; "" means ErrInvalidAmount
	}{
		{"79.10", "79.1"},
		{"1", "1"},
		{"1.000", "1"},
		{`"79.10"`, "79.1"}, // a quoted amount, as decimal's UnmarshalJSON takes it
		{"1e2", "100"},
		{"-5", "-5"}, // the sign is the caller's to refuse (money.New does)
		{max, "1"},
		{max + "0", ""},
		{`"` + max + `"`, "1"},
		{`"` + max + `0"`, ""},
		{"1." + strings.Repeat("0", 250_000), ""}, // issue 12, finding 3
		{strings.Repeat("9", 1<<20), ""},
		{"1e-999999999", ""},
		{"1e999999999", ""},
		{"1e-129", ""},
		{"1e128", "1" + strings.Repeat("0", 128)},
		{"abc", ""},
		{"", ""},
		{`""`, ""},
		{"1,5", ""},
	}
	for _, c := range cases {
		name := c.text
		if len(name) > 20 {
			name = name[:20] + "...(" + strconv.Itoa(len(c.text)) + " bytes)"
		}
		t.Run(name, func(t *testing.T) {
			d, err := ParseNumber(c.text)
			var n Number
			jerr := n.UnmarshalJSON([]byte(c.text))
			if c.want == "" {
				require.ErrorIs(t, err, ErrInvalidAmount)
				require.ErrorIs(t, jerr, ErrInvalidAmount)
				require.Less(t, len(err.Error()), 200, "the error message must not carry the input")
				return
			}
			require.NoError(t, err)
			require.NoError(t, jerr)
			require.Equal(t, c.want, d.String())
			require.True(t, d.Equal(n.Decimal()))
		})
	}
}

func TestNumberJSON(t *testing.T) {
	var v struct {
		A Number  `json:"a"`
		B *Number `json:"b"`
		C *Number `json:"c"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":79.10,"b":null,"c":"1.5"}`), &v))
	require.Equal(t, "79.1", v.A.Decimal().String())
	require.Nil(t, v.B, "null leaves a *Number nil, as it leaves a *decimal.Decimal")
	require.Equal(t, "1.5", v.C.Decimal().String())

	err := json.Unmarshal([]byte(`{"a":1.`+strings.Repeat("0", 100_000)+`}`), &v)
	require.ErrorIs(t, err, ErrInvalidAmount, "json.Unmarshal hands back the bounded decoder's error")

	b, err := json.Marshal(NumberOf(decimal.RequireFromString("79.10")))
	require.NoError(t, err)
	require.Equal(t, "79.1", string(b))
}

// countingArith is decimal.NewFromString, counting the calls and the bytes
// that reach decimal's arithmetic (the part whose cost is not linear).
type countingArith struct{ calls, bytes int }

func (c *countingArith) parse(s string) (decimal.Decimal, error) {
	c.calls++
	c.bytes += len(s)
	return decimal.NewFromString(s)
}

// longNumber writes a number of about n digits in one of the shapes an
// attacker might send.
func longNumber(shape uint8, n int, digit byte) string {
	d := string('0' + digit%10)
	switch shape % 7 {
	case 0:
		return "1." + strings.Repeat("0", n) // finding 3
	case 1:
		return "1" + strings.Repeat(d, n)
	case 2:
		return "0." + strings.Repeat("0", n) + "1"
	case 3:
		return "1e-" + strings.Repeat("9", n)
	case 4:
		return `"1.` + strings.Repeat(d, n) + `"`
	case 5:
		return "1" + strings.Repeat("0", n) + "e-" + strconv.Itoa(n)
	default:
		return "-" + strings.Repeat(d, n) + "." + strings.Repeat(d, n)
	}
}

// FuzzNumberLength grows numbers in length, up to 1 MiB of digits, and
// checks that the work stays bounded, by counting rather than timing: at
// most one call and MaxNumberLen bytes reach decimal's arithmetic, whatever
// the length; a number longer than MaxNumberLen is ErrInvalidAmount; and
// what is accepted is exactly what shopspring/decimal reads.
func FuzzNumberLength(f *testing.F) {
	for shape := range uint8(7) {
		for _, n := range []uint32{0, 1, 30, 61, 62, 63, 64, 1000, 250_000} {
			f.Add(shape, n, uint8(shape))
		}
	}
	f.Fuzz(func(t *testing.T, shape uint8, n uint32, digit uint8) {
		text := longNumber(shape, int(n%(1<<20)), digit)
		var c countingArith
		d, err := parseNumber(text, c.parse)
		require.LessOrEqual(t, c.calls, 1)
		require.LessOrEqual(t, c.bytes, MaxNumberLen, "%d bytes reached decimal arithmetic", c.bytes)

		inner := strings.Trim(text, `"`)
		if len(inner) > MaxNumberLen {
			require.ErrorIs(t, err, ErrInvalidAmount)
			require.Zero(t, c.calls, "an over-long number reached arithmetic")
		}
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidAmount)
		} else {
			want, werr := decimal.NewFromString(inner)
			require.NoError(t, werr)
			require.True(t, want.Equal(d), "%s read as %s", text, d)
			require.Equal(t, want.Exponent(), d.Exponent(), "the digits must be kept as written")
		}

		// Checkout's minor units: refused by length beyond an int64's 19
		// digits; otherwise what encoding/json's int64 reads.
		var mu MinorUnits
		merr := mu.UnmarshalJSON([]byte(text))
		if digits := strings.TrimPrefix(text, "-"); len(digits) > 19 {
			require.ErrorIs(t, merr, ErrInvalidAmount)
		} else if json.Valid([]byte(text)) {
			var want int64
			werr := json.Unmarshal([]byte(text), &want)
			require.Equal(t, werr == nil, merr == nil, "int64: %v, MinorUnits: %v", werr, merr)
			require.Equal(t, want, mu.Int64())
		}

		// Parse and Money's JSON share the bound.
		_, perr := Parse(inner, "QAR")
		var m Money
		jerr := m.UnmarshalJSON([]byte(`{"amount":"` + inner + `","currency":"QAR"}`))
		if len(inner) > MaxNumberLen {
			require.ErrorIs(t, perr, ErrInvalidAmount)
			require.ErrorIs(t, jerr, ErrInvalidAmount)
		}
	})
}

func TestParseNumberCountsNoArithmeticForOverlongText(t *testing.T) {
	var c countingArith
	_, err := parseNumber("1."+strings.Repeat("0", 250_000), c.parse)
	require.True(t, errors.Is(err, ErrInvalidAmount))
	require.Zero(t, c.calls)
}

// TestMinorUnitsReadsWhatAnInt64Reads compares MinorUnits with
// encoding/json's int64 on the same JSON values.
func TestMinorUnitsReadsWhatAnInt64Reads(t *testing.T) {
	values := []string{"0", "7910", "-5", "-0", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999", "1.0", "1e2", `"100"`, "true", "{}"}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			var want struct{ A int64 }
			werr := json.Unmarshal([]byte(`{"A":`+v+`}`), &want)
			var got struct{ A MinorUnits }
			gerr := json.Unmarshal([]byte(`{"A":`+v+`}`), &got)
			require.Equal(t, werr == nil, gerr == nil, "int64: %v, MinorUnits: %v", werr, gerr)
			require.Equal(t, want.A, got.A.Int64())
			if gerr != nil {
				require.True(t, errors.Is(gerr, ErrInvalidAmount) || errors.Is(gerr, ErrOverflow), "%v", gerr)
			}
		})
	}
	var p struct{ A *MinorUnits }
	require.NoError(t, json.Unmarshal([]byte(`{"A":null}`), &p))
	require.Nil(t, p.A)
	err := json.Unmarshal([]byte(`{"A":1`+strings.Repeat("0", 250_000)+`}`), &p)
	require.ErrorIs(t, err, ErrInvalidAmount)
	require.Less(t, len(err.Error()), 200)
}
