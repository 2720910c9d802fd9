package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// returnRequest is the shopper's browser arriving on the merchant's return
// URL.
func returnRequest(target string) *http.Request {
	return httptest.NewRequest(http.MethodGet, target, nil)
}

func TestPaymentFromReturnWithGock(t *testing.T) {
	defer gock.Off()
	client := &http.Client{}
	gock.InterceptClient(client)
	opts := providers.Config{HTTPClient: client, MinBackoff: providers.Duration(time.Millisecond), MaxBackoff: providers.Duration(time.Millisecond)}

	t.Run("tap: tap_id is read back with GET /v2/charges", func(t *testing.T) {
		captured, err := os.ReadFile("tap/testdata/charge-captured.json")
		require.NoError(t, err)
		gock.New("https://api.tap.company").Get("/v2/charges/chg_TS07A0320241133g5RO1906000").Reply(200).JSON(captured)
		cfg := opts
		cfg.Provider, cfg.SecretKey = "tap", qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")
		p, err := providers.Open(cfg)
		require.NoError(t, err)

		pay, err := qpay.PaymentFromReturn(context.Background(), p,
			returnRequest("https://shop.example/qpay/return?order=ord_01&tap_id=chg_TS07A0320241133g5RO1906000"))
		require.NoError(t, err)
		assert.Equal(t, status.Captured, pay.Status)
		assert.True(t, pay.Amount.Equal(money.MustParse("1.00", "QAR")))
		assert.True(t, gock.IsDone())
	})

	t.Run("checkout: the session ID is read back with GET /payments/sid_...", func(t *testing.T) {
		captured, err := os.ReadFile("checkout/testdata/payment-captured.json")
		require.NoError(t, err)
		gock.New("https://api.sandbox.checkout.com").Get("/payments/sid_y3oqhf46pyzuxjbcn2giaqnb44").Reply(200).JSON(captured)
		cfg := opts
		cfg.Provider, cfg.SecretKey, cfg.WebhookSecret = "checkout", qpay.NewSecret(ckoKey), qpay.NewSecret(webhookSecret)
		p, err := providers.Open(cfg)
		require.NoError(t, err)

		pay, err := qpay.PaymentFromReturn(context.Background(), p,
			returnRequest("https://shop.example/qpay/success?cko-session-id=sid_y3oqhf46pyzuxjbcn2giaqnb44"))
		require.NoError(t, err)
		assert.Equal(t, "pay_7eil5osdlcdehe62et5aihec4q", pay.ID, "the session resolves to its payment")
		assert.Equal(t, status.Captured, pay.Status)
		assert.True(t, gock.IsDone())
	})
}

func TestPaymentFromReturnRefusesBadIDsBeforeAnyRequest(t *testing.T) {
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	tests := []struct {
		provider, query, want string
	}{
		{"tap", "", "no tap_id"},
		{"tap", "?tap_id=", "tap_id is required"},
		{"tap", "?tap_id=../v2/refunds", "has characters other than"},
		{"tap", "?tap_id=chg_1&tap_id=chg_2", "tap_id appears 2 times"},
		{"tap", "?tap_id=pay_7eil5osdlcdehe62et5aihec4q", `is not a chg_... ID`},
		{"tap", "?cko-session-id=sid_y3oqhf46pyzuxjbcn2giaqnb44", "no tap_id"},
		{"checkout", "?tap_id=chg_TS07A0320241133g5RO1906000", "no cko-session-id"},
		{"checkout", "?cko-session-id=chg_TS07A0320241133g5RO1906000", "is not a sid_... ID"},
		{"checkout", "?cko-session-id=sid_%2F..%2F", "has characters other than"},
	}
	for _, tt := range tests {
		t.Run(tt.provider+tt.query, func(t *testing.T) {
			p := map[string]func(testing.TB, *qpaytest.Server) qpay.Provider{"tap": qpaytest.NewTap, "checkout": qpaytest.NewCheckout}[tt.provider](t, sim)
			_, err := qpay.PaymentFromReturn(context.Background(), p, returnRequest("https://shop.example/return"+tt.query))
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, qpay.KindInvalidRequest, e.Kind)
			assert.Equal(t, tt.provider, e.Provider)
			assert.Contains(t, e.Message, tt.want)
			assert.Equal(t, 0, sim.Requests(tt.provider, qpay.OpGetPayment), "a bad ID reached the provider")
		})
	}
}

func TestPaymentFromReturnWithTheSimulator(t *testing.T) {
	ctx := context.Background()
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	for _, tt := range []struct {
		name string
		p    qpay.Provider
		card qpaytest.Card
		want status.Status
	}{
		{"tap paid", qpaytest.NewTap(t, sim), qpaytest.TestCard, status.Captured},
		{"tap declined", qpaytest.NewTap(t, sim), qpaytest.DeclineCard, status.Failed},
		{"checkout paid", qpaytest.NewCheckout(t, sim), qpaytest.TestCard, status.Captured},
		{"checkout declined", qpaytest.NewCheckout(t, sim), qpaytest.DeclineCard, status.Failed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pay, err := tt.p.CreatePayment(ctx, qpay.PaymentRequest{
				Amount: money.MustParse("25.00", "QAR"), Reference: "ORD-" + tt.name,
				Customer:  qpay.Customer{Name: "Mariam", Email: "m@example.qa"},
				ReturnURL: "http://shop.test/qpay/return?order=42",
			})
			require.NoError(t, err)
			back, err := sim.Pay(ctx, pay.RedirectURL, tt.card)
			require.NoError(t, err)
			assert.Equal(t, "42", back.Query().Get("order"), "the merchant's own query survives")

			got, err := qpay.PaymentFromReturn(ctx, tt.p, returnRequest(back.String()))
			require.NoError(t, err)
			assert.Equal(t, pay.ID, got.ID)
			assert.Equal(t, tt.want, got.Status)

			if tt.want == status.Captured {
				// A Checkout session ID works wherever a payment ID does.
				id := back.Query().Get("tap_id") + back.Query().Get("cko-session-id")
				r, err := tt.p.Refund(ctx, qpay.RefundRequest{PaymentID: id, Amount: money.MustParse("5.00", "QAR"), Reference: "RFD-" + tt.name})
				require.NoError(t, err)
				assert.Equal(t, pay.ID, r.PaymentID)
			}
		})
	}
}
