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

// Tap's refunds name no merchant (UNCONFIRMED), so a refund of merchant
// 599424, delivered under the platform's key to merchant 777777's
// endpoint, would read back fine there: its charge is read back too, and
// its merchant decides. Refused like the charge would be, acknowledged,
// and a replay of it costs nothing more (the refusal is kept).
func TestPlatformKeyRefundOfAnotherMerchantIsRefused(t *testing.T) {
	ctx := context.Background()
	refund := fixture(t, "refund-refunded.json")
	charge := fixture(t, "charge-captured.json")
	var ids struct {
		ID       string `json:"id"`
		ChargeID string `json:"charge_id"`
	}
	require.NoError(t, json.Unmarshal(refund, &ids))

	t.Run("its webhook, replayed", func(t *testing.T) {
		defer gock.Off()
		readBack(t, refund, 1)
		readBack(t, charge, 1)
		other := platform(t, "777777", "merchant-777777")
		for range 20 {
			ev, err := other.ParseWebhook(ctx, signedHeader(t, testKey, refund), refund)
			require.Nil(t, ev, "another merchant's refund moved under this account")
			requireKind(t, err, qpay.KindForeignAccount)
		}
		assert.True(t, gock.IsDone())
		assert.Empty(t, gock.GetUnmatchedRequests(), "one read-back of the refund and one of its charge for 20 replays")

		handled := false
		h := qpay.NewWebhookHandler(other, func(context.Context, *qpay.WebhookEvent) error { handled = true; return nil })
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/webhooks/merchant-777777", bytes.NewReader(refund))
		req.Header = signedHeader(t, testKey, refund)
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, "acknowledged: no redelivery loop")
		assert.False(t, handled)
	})
	t.Run("GetRefund", func(t *testing.T) {
		defer gock.Off()
		readBack(t, refund, 1)
		readBack(t, charge, 1)
		_, err := platform(t, "777777", "b").(qpay.RefundGetter).GetRefund(ctx, ids.ChargeID, ids.ID)
		requireKind(t, err, qpay.KindForeignAccount)
		assert.True(t, gock.IsDone())
	})
	t.Run("its own merchant takes it", func(t *testing.T) {
		defer gock.Off()
		readBack(t, refund, 1)
		readBack(t, charge, 1)
		ev, err := platform(t, fixtureMerchant, "merchant-a").ParseWebhook(ctx, signedHeader(t, testKey, refund), refund)
		require.NoError(t, err)
		assert.Equal(t, "merchant-a", ev.Account)
		assert.Equal(t, fixtureMerchant, ev.Refund.Owner)
		assert.True(t, gock.IsDone())
	})
	t.Run("a configuration naming no merchant reads no charge", func(t *testing.T) {
		defer gock.Off()
		readBack(t, refund, 1)
		_, err := platform(t, "", "a").ParseWebhook(ctx, signedHeader(t, testKey, refund), refund)
		require.NoError(t, err)
		assert.Empty(t, gock.GetUnmatchedRequests())
	})
}
