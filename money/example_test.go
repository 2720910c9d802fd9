package money_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/qpay-go/qpay/money"
)

func ExampleParse() {
	m, err := money.Parse("79.10", "QAR")
	fmt.Println(m, err)

	_, err = money.Parse("0.001", "QAR")
	fmt.Println(err)
	fmt.Println(errors.Is(err, money.ErrTooPrecise))

	_, err = money.Parse("1,000.00", "QAR")
	fmt.Println(errors.Is(err, money.ErrInvalidAmount))
	// Output:
	// QAR 79.10 <nil>
	// money: QAR allows 2 decimals, got "0.001": more decimals than the currency allows
	// true
	// true
}

func ExampleFromMinor() {
	// Card processors send amounts in minor units; the currency says where
	// the decimal point goes.
	for _, c := range []string{"QAR", "KWD", "JPY"} {
		m, _ := money.FromMinor(7910, c)
		fmt.Println(m)
	}
	_, err := money.FromMinor(-1, "QAR")
	fmt.Println(err)
	// Output:
	// QAR 79.10
	// KWD 7.910
	// JPY 7910
	// money: -1 QAR minor units is below zero: negative amount
}

func ExampleMoney_Minor() {
	for _, m := range []money.Money{
		money.MustParse("79.10", "QAR"),
		money.MustParse("1.5", "KWD"),
		money.MustParse("500", "JPY"),
	} {
		minor, _ := m.Minor()
		fmt.Println(m, "->", minor)
	}
	// Output:
	// QAR 79.10 -> 7910
	// KWD 1.500 -> 1500
	// JPY 500 -> 500
}

func ExampleMoney_Fixed() {
	fmt.Println(money.MustParse("79.1", "QAR").Fixed())
	fmt.Println(money.MustParse("1.5", "KWD").Fixed())
	fmt.Println(money.MustParse("500", "JPY").Fixed())
	fmt.Println(money.MustParse("1", "QAR").Fixed())
	// Output:
	// 79.10
	// 1.500
	// 500
	// 1.00
}

func ExampleMoney_Add() {
	var total money.Money // the zero value takes the currency of what is added
	for _, line := range []string{"79.10", "0.90", "20"} {
		total, _ = total.Add(money.MustParse(line, "QAR"))
	}
	fmt.Println(total)

	_, err := total.Add(money.MustParse("1.5", "KWD"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, money.ErrCurrencyMismatch))
	// Output:
	// QAR 100.00
	// money: cannot add QAR 100.00 and KWD 1.500: currency mismatch
	// true
}

func ExampleMoney_MarshalJSON() {
	type order struct {
		Total money.Money `json:"total"`
	}
	b, _ := json.Marshal(order{Total: money.MustParse("79.1", "QAR")})
	fmt.Println(string(b))

	var o order
	err := json.Unmarshal([]byte(`{"total":{"amount":79.1,"currency":"QAR"}}`), &o)
	fmt.Println(errors.Is(err, money.ErrInvalidAmount))
	// Output:
	// {"total":{"amount":"79.10","currency":"QAR"}}
	// true
}
