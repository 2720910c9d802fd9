package tap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/tap"
)

// A stand-in for Tap that answers POST /v2/charges the way Tap answers a
// QPay charge: INITIATED, with the QPay page in transaction.url.
func fakeTap() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Amount    json.Number `json:"amount"`
			Currency  string      `json:"currency"`
			Reference struct {
				Transaction string `json:"transaction"`
			} `json:"reference"`
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v2/charges" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"errors":[{"code":"1103","description":"Invalid inputs"}]}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chg_TS07A0320241133g5RO1906000","object":"charge","status":"INITIATED",
			"amount":%s,"currency":%q,"reference":{"transaction":%q},
			"response":{"code":"100","message":"Initiated"},
			"transaction":{"created":"1718796783000","url":"https://sandbox.payments.tap.company/test_gosell/v2/payment/tap_process.aspx?chg=abc"}}`,
			req.Amount, req.Currency, req.Reference.Transaction)
	}))
}

func ExampleNew() {
	srv := fakeTap()
	defer srv.Close()

	p, err := tap.New(tap.Config{
		SecretKey: qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"), // Tap's public sandbox key
		BaseURL:   srv.URL,                                            // omit for https://api.tap.company
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	pay, err := p.CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: "ORD-10045",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "https://shop.example/qpay/return",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pay.ID, pay.Status, pay.RawStatus, pay.Amount)
	fmt.Println("send the shopper to", pay.RedirectURL)
	// Output:
	// chg_TS07A0320241133g5RO1906000 pending INITIATED QAR 79.10
	// send the shopper to https://sandbox.payments.tap.company/test_gosell/v2/payment/tap_process.aspx?chg=abc
}

func ExampleHashstring() {
	body := []byte(`{"id":"chg_TS07A0320241133g5RO1906000","object":"charge","status":"CAPTURED",
		"amount":1,"currency":"QAR","reference":{"gateway":"00","payment":"0519241133062344298"},
		"transaction":{"created":"1718796783000"}}`)
	sig, err := tap.Hashstring(qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"), body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tap.SignatureHeader+":", sig)
	// Output:
	// hashstring: 3a9cbda4e603f7be68832a9fe059043be58a7f7dd75986edc3e18aac825d7066
}
