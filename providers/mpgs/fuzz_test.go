package mpgs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// fixedGateway answers every request with one Retrieve Order body, without
// gock (which is global, and so unfit for fuzzing).
type fixedGateway struct{ body []byte }

func (g fixedGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(g.body)), ContentLength: int64(len(g.body)), Request: req}, nil
}

func fuzzProvider(t testing.TB, order []byte) qpay.Provider {
	p, err := New(Config{MerchantID: testMerchant, APIPassword: testPassword, Host: testHost, WebhookSecret: testHookSecret,
		HTTP: qpay.HTTPOptions{Client: &http.Client{Transport: fixedGateway{order}}, MaxAttempts: 1}})
	require.NoError(t, err)
	return p
}

// FuzzParseWebhook holds the webhook parser, with a genuine secret, to any
// body and any read-back: no panic; either a typed error or an event whose
// payment or refund is in QAR and names the order the gateway answered
// with.
func FuzzParseWebhook(f *testing.F) {
	order := []byte(`{"result":"SUCCESS","id":"ord-7f3a9c","amount":10.50,"currency":"QAR","status":"CAPTURED","transaction":[{"result":"SUCCESS","response":{"gatewayCode":"APPROVED"},"transaction":{"id":"qpay-pay","type":"PAYMENT","amount":10.50,"currency":"QAR"}},{"result":"SUCCESS","response":{"gatewayCode":"APPROVED"},"transaction":{"id":"rf-1","type":"REFUND","amount":1,"currency":"QAR","reference":"R1"}}]}`)
	for _, seed := range []struct{ body, order string }{
		{string(fixture(f, "notification-payment-captured.json")), string(order)},
		{`{"order":{"id":"ord-7f3a9c"},"transaction":{"id":"rf-1"}}`, string(order)},
		{`{"order":{"id":"ord-7f3a9c"}}`, string(fixture(f, "order-partially-refunded.json"))},
		{`{"order":{"id":"ord-7f3a9c"}}`, `{"result":"ERROR","error":{"cause":"SERVER_BUSY"}}`},
		{`{"order":{"id":"ord-7f3a9c"}}`, `{"result":"SUCCESS","id":"ord-7f3a9c","amount":1e400,"currency":"QAR"}`},
		{`{"order":{"id":"ord-7f3a9c"}}`, `{"result":"SUCCESS","id":"ord-7f3a9c","amount":"1.005","currency":"QAR"}`},
		{`{"order":{"id":"ord-7f3a9c"}}`, `{"id":"ord-7f3a9c","amount":1,"currency":"KWD","transaction":{}}`},
		{`{"order":{"id":"x"}}`, `null`},
		{`null`, `{}`},
		{``, ``},
	} {
		f.Add([]byte(seed.body), []byte(seed.order))
	}
	f.Fuzz(func(t *testing.T, body, order []byte) {
		p := fuzzProvider(t, order)
		ev, err := p.ParseWebhook(context.Background(), notification(testHookSecret, "n-1"), body)
		if err != nil {
			var e *qpay.Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var head struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(order, &head), "an event from an order that does not decode")
		require.Equal(t, head.ID, ev.PaymentID)
		switch ev.Type {
		case qpay.EventPayment:
			require.Equal(t, qpay.Currency, ev.Payment.Amount.Currency())
		case qpay.EventRefund:
			require.Equal(t, ev.PaymentID, ev.Refund.PaymentID)
			require.Equal(t, qpay.Currency, ev.Refund.Amount.Currency())
		default:
			t.Fatalf("event of type %v", ev.Type)
		}
	})
}

// FuzzDecodeAnswer holds the decoders of the gateway's answers (the error
// decoder, INITIATE_BROWSER_PAYMENT and REFUND answers, Retrieve Order) to
// any body: no panic, and every amount they accept is exact.
func FuzzDecodeAnswer(f *testing.F) {
	for _, name := range []string{"initiate-answer-redirecthtml.json", "initiate-answer-redirecturl.json", "order-partially-refunded.json",
		"refund-answer-201.json", "error-400-invalid.json", "error-401.json", "error-400-unknown-order.json", "error-server-busy.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"order":{"amount":-1,"currency":"QAR"}}`))
	f.Add([]byte(`{"transaction":[1,2]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{400, 401, 404, 500} {
			_ = decodeError(status, nil, body)
		}
		a, err := newAdapter(Config{MerchantID: testMerchant, APIPassword: testPassword, Host: testHost, WebhookSecret: testHookSecret})
		require.NoError(t, err)
		var tx transactionAnswer
		if json.Unmarshal(body, &tx) == nil {
			if p, err := a.transactionPayment(qpay.OpCreatePayment, 201, body, &tx); err == nil {
				require.Equal(t, tx.Order.Currency, p.Amount.Currency())
			}
			if r, err := a.refundOf(qpay.OpRefund, 201, body, "qp-1", &tx); err == nil && r.PaymentID == "" {
				t.Fatal("a refund of no payment")
			}
		}
		o := &orderRead{status: 200, body: body}
		if json.Unmarshal(body, &o.answer) == nil {
			if _, err := a.orderPayment(qpay.OpGetPayment, o); err != nil {
				var e *qpay.Error
				require.True(t, errors.As(err, &e))
			}
			_, _ = a.orderRefunds(qpay.OpRefund, o)
		}
	})
}
