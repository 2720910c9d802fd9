package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// fixtureMerchant is the merchant.id of the charge fixtures.
const fixtureMerchant = "599424"

// platform opens the provider of one sub-merchant of a Tap platform: the
// platform's key, the sub-merchant's MerchantID, stamped with account.
func platform(t *testing.T, merchantID, account string) qpay.Provider {
	t.Helper()
	p, err := New(Config{SecretKey: testKey, HTTP: gockHTTP(t), MerchantID: merchantID, Account: account})
	require.NoError(t, err)
	return p
}

// A Tap platform signs every sub-merchant's webhooks with its one key. A
// genuine delivery of merchant 599424's charge, posted to the endpoint of
// merchant 777777 configured with the same key, verifies and reads back
// fine; it must still not move under merchant 777777: refused as another
// merchant's, whether the delivery names its merchant or not (then the
// read-back does), and acknowledged by the handler without being handled.
func TestPlatformKeyWebhookOfAnotherMerchantIsRefused(t *testing.T) {
	genuine := fixture(t, "charge-captured.json")
	withoutMerchant := patch(t, genuine, map[string]any{"merchant": nil}) // unsigned: a replay may drop it
	cases := []struct {
		name      string
		body      []byte
		readBacks int
	}{
		{"the delivery names its merchant", genuine, 0},
		{"the delivery without its merchant: the read-back names it", withoutMerchant, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer gock.Off()
			if c.readBacks > 0 {
				readBack(t, genuine, c.readBacks)
			}
			other := platform(t, "777777", "merchant-777777")
			ev, err := other.ParseWebhook(context.Background(), signedHeader(t, testKey, c.body), c.body)
			require.Nil(t, ev, "another merchant's charge moved under this account")
			requireKind(t, err, qpay.KindForeignAccount)
			var e *qpay.Error
			require.True(t, errors.As(err, &e))
			assert.False(t, e.Retryable)
			assert.True(t, gock.IsDone())

			handled := false
			h := qpay.NewWebhookHandler(other, func(context.Context, *qpay.WebhookEvent) error { handled = true; return nil })
			if c.readBacks > 0 {
				readBack(t, genuine, c.readBacks)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/webhooks/merchant-777777", bytes.NewReader(c.body))
			req.Header = signedHeader(t, testKey, c.body)
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusOK, rec.Code, "acknowledged: no redelivery loop")
			assert.False(t, handled)
		})
	}
}

// The merchant the delivery is for takes it, stamped with its account.
func TestPlatformKeyWebhookOfThisMerchantIsTaken(t *testing.T) {
	defer gock.Off()
	genuine := fixture(t, "charge-captured.json")
	readBack(t, genuine, 1)
	ev, err := platform(t, fixtureMerchant, "merchant-a").ParseWebhook(context.Background(), signedHeader(t, testKey, genuine), genuine)
	require.NoError(t, err)
	assert.Equal(t, "merchant-a", ev.Account)
	assert.Equal(t, fixtureMerchant, ev.Payment.Owner)
}

// Every read path compares the owner: GetPayment, the refund path's read
// of the charge (before any refund is asked), and the lists of
// PaymentsByReference, which leave another merchant's order out.
func TestPlatformKeyReadsOfAnotherMerchantAreRefused(t *testing.T) {
	ctx := context.Background()
	charge := fixture(t, "charge-captured.json")
	var id struct{ ID string }
	require.NoError(t, json.Unmarshal(charge, &id))

	t.Run("GetPayment", func(t *testing.T) {
		defer gock.Off()
		readBack(t, charge, 1)
		_, err := platform(t, "777777", "b").GetPayment(ctx, id.ID)
		requireKind(t, err, qpay.KindForeignAccount)
	})
	t.Run("Refund", func(t *testing.T) {
		defer gock.Off()
		tapAPI().Get("/v2/charges/" + id.ID).Persist().Reply(http.StatusOK).JSON(charge)
		tapAPI().Post("/v2/refunds/list").Persist().Reply(http.StatusOK).JSON(`{"object":"list","has_more":false,"refunds":[]}`)
		_, err := platform(t, "777777", "b").Refund(ctx, qpay.RefundRequest{PaymentID: id.ID, Amount: money.MustParse("0.50", "QAR"), Reference: "rfd-1"})
		requireKind(t, err, qpay.KindForeignAccount)
		for _, r := range gock.GetUnmatchedRequests() {
			assert.NotEqual(t, http.MethodPost, r.Method, "no refund may be asked: %s", r.URL)
		}
	})
	t.Run("the same reads under the charge's own merchant", func(t *testing.T) {
		defer gock.Off()
		readBack(t, charge, 1)
		p, err := platform(t, fixtureMerchant, "a").GetPayment(ctx, id.ID)
		require.NoError(t, err)
		assert.Equal(t, "a", p.Account)
	})
	t.Run("a configuration naming no merchant compares nothing", func(t *testing.T) {
		defer gock.Off()
		readBack(t, charge, 1)
		_, err := platform(t, "", "a").GetPayment(ctx, id.ID)
		require.NoError(t, err)
	})
}

func requireKind(t *testing.T, err error, k qpay.Kind) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, k), "want kind %v, got %v", k, err)
}
