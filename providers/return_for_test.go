package providers_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/status"
)

// PaymentFromReturn returns whatever payment the ID names; the variant for
// one order returns only that order's payment, and refuses a shopper who
// came back with another order's ID.
func TestPaymentFromReturnForRefusesAnotherOrdersPayment(t *testing.T) {
	captured, err := os.ReadFile("tap/testdata/charge-captured.json")
	require.NoError(t, err)
	const ret = "https://shop.example/qpay/return?tap_id=chg_TS07A0320241133g5RO1906000"
	var reference string
	{
		defer gock.Off()
		p := tapForReturn(t)
		gock.New("https://api.tap.company").Get("/v2/charges/chg_TS07A0320241133g5RO1906000").Reply(200).JSON(captured)
		pay, err := qpay.PaymentFromReturn(context.Background(), p, returnRequest(ret))
		require.NoError(t, err)
		reference = pay.Reference
		require.NotEmpty(t, reference)
	}
	cases := []struct {
		name     string
		expected string
		ok       bool
	}{
		{"this order's payment", reference, true},
		{"another order's payment", "ord_somebody_else", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer gock.Off()
			p := tapForReturn(t)
			gock.New("https://api.tap.company").Get("/v2/charges/chg_TS07A0320241133g5RO1906000").Reply(200).JSON(captured)
			pay, err := qpay.PaymentFromReturnFor(context.Background(), p, returnRequest(ret), c.expected)
			if c.ok {
				require.NoError(t, err)
				assert.Equal(t, status.Captured, pay.Status)
				return
			}
			assert.Nil(t, pay)
			assert.ErrorIs(t, err, qpay.KindInvalidRequest)
		})
	}
	t.Run("no reference is refused before any request", func(t *testing.T) {
		defer gock.Off()
		_, err := qpay.PaymentFromReturnFor(context.Background(), tapForReturn(t), returnRequest(ret), "")
		assert.ErrorIs(t, err, qpay.KindInvalidRequest)
		assert.False(t, gock.HasUnmatchedRequest())
	})
}

func tapForReturn(t *testing.T) qpay.Provider {
	t.Helper()
	client := &http.Client{}
	gock.InterceptClient(client)
	p, err := providers.Open(providers.Config{Provider: "tap", SecretKey: qpay.NewSecret(tapKey), HTTPClient: client, MaxAttempts: 1})
	require.NoError(t, err)
	return p
}
