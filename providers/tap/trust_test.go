package tap

import (
	"context"
	"net/http"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// Issue 12's findings 1 and 2 and issue 18's finding 2, on gock: a
// genuine Tap delivery with what its hashstring does not sign rewritten,
// through ParseWebhook and a store. Tap's answers to the read-back are the
// genuine objects.

const (
	chargeA = seedChargeID // the refund fixture's charge
	chargeB = "chg_TS07A0320241133g5RO1906BBB"
	refundA = "re_TS05A1120241150Xy7k1906512"
)

func TestForgedRefundOfAnotherChargeMovesOnlyItsOwn(t *testing.T) {
	for _, b := range []status.Status{status.Captured, status.Pending} {
		t.Run("B "+b.String(), func(t *testing.T) {
			ctx := context.Background()
			p := newTestProvider(t)
			st := store.NewMemory()
			require.NoError(t, st.Track(ctx, &qpay.Payment{Provider: "tap", ID: chargeA, Status: status.Captured, Amount: qar("1.00"), Reference: "txn_01"}))
			require.NoError(t, st.Track(ctx, &qpay.Payment{Provider: "tap", ID: chargeB, Status: b, Amount: qar("1.00"), Reference: "txn_02"}))

			genuine := fixture(t, "refund-refunded.json") // 0.50 of charge A
			forged := patch(t, genuine, map[string]any{"charge_id": chargeB})
			header := signedHeader(t, testKey, genuine)
			readBack(t, genuine, 1) // the second delivery is the same event: no second call

			for _, body := range [][]byte{forged, genuine} {
				ev, err := p.ParseWebhook(ctx, header, body)
				require.NoError(t, err, "the rewritten delivery still verifies: charge_id is not signed")
				assert.Equal(t, chargeA, ev.PaymentID)
				_, err = st.Process(ctx, ev, nil)
				require.NoError(t, err)
			}
			assert.True(t, gock.IsDone(), "the refund was read back")

			sb, err := st.Payment(ctx, "", "tap", chargeB)
			require.NoError(t, err)
			assert.Equal(t, b, sb.Status, "B is not moved")
			assert.True(t, sb.Refunded.IsZero())
			assert.Equal(t, b == status.Captured, sb.Status.Succeeded(), "a pending B never looks paid")
			sa, err := st.Payment(ctx, "", "tap", chargeA)
			require.NoError(t, err)
			assert.Equal(t, status.PartiallyRefunded, sa.Status, "A's refund is applied")
			assert.Equal(t, "QAR 0.50", sa.Refunded.String(), "once")
		})
	}
}

func TestForgedCaptureOfAnotherOrderReachesTheMerchantAsItsOwn(t *testing.T) {
	ctx := context.Background()
	d := loadSeedDelivery(t)
	forged := patch(t, d.Body, map[string]any{
		"reference.transaction": "ORD-OTHER", "reference.order": "ORD-OTHER", "metadata.udf1": "ORD-OTHER",
	})
	p := newTestProvider(t)
	readBack(t, d.Body, 1)

	ev, err := p.ParseWebhook(ctx, signedHeader(t, testKey, d.Body), forged)
	require.NoError(t, err)
	assert.Equal(t, "txn_01", ev.Payment.Reference)
	assert.Equal(t, map[string]string{"udf1": "Metadata 1"}, ev.Payment.Metadata)
	assert.Equal(t, qpay.FieldReference|qpay.FieldMetadata, ev.Verification.Differs)
	assert.Equal(t, "ORD-OTHER", ev.Verification.DeliveredPayment.Reference)

	st := store.NewMemory()
	require.NoError(t, st.Track(ctx, &qpay.Payment{Provider: "tap", ID: seedChargeID, Status: status.Pending, Amount: qar("1.00"), Reference: "txn_01"}))
	var seen store.Result
	_, err = st.Process(ctx, ev, func(_ context.Context, r store.Result) error { seen = r; return nil })
	require.NoError(t, err)
	assert.Equal(t, "txn_01", seen.Payment.Reference, "the merchant's function sees its own order")
	assert.Equal(t, status.Captured, seen.Current)

	// A store holding another reference for the charge than the verified
	// one refuses the genuine event.
	other := store.NewMemory()
	require.NoError(t, other.Track(ctx, &qpay.Payment{Provider: "tap", ID: seedChargeID, Status: status.Pending, Amount: qar("1.00"), Reference: "ORD-OTHER"}))
	ev, err = p.ParseWebhook(ctx, signedHeader(t, testKey, d.Body), d.Body)
	require.NoError(t, err)
	_, err = other.Process(ctx, ev, func(context.Context, store.Result) error { t.Error("called"); return nil })
	assert.ErrorIs(t, err, qpay.KindIntegrity)
}

// TestReadBackContradictingTheSignatureIsRefused: Tap's API is the truth,
// but a signed field it contradicts is never silently replaced.
func TestReadBackContradictingTheSignatureIsRefused(t *testing.T) {
	d := loadSeedDelivery(t)
	tests := []struct {
		name     string
		readBack []byte
		code     int
		want     qpay.Kind
		retry    bool
	}{
		{"another amount", patch(t, d.Body, map[string]any{"amount": 2}), http.StatusOK, qpay.KindIntegrity, false},
		{"a status contradicting the signed one", patch(t, d.Body, map[string]any{"status": "DECLINED"}), http.StatusOK, qpay.KindIntegrity, false},
		{"a status not reached yet", patch(t, d.Body, map[string]any{"status": "INITIATED"}), http.StatusOK, qpay.KindUnavailable, true},
		{"another charge", patch(t, d.Body, map[string]any{"id": chargeB}), http.StatusOK, qpay.KindIntegrity, false},
		{"not found (yet)", []byte(`{"errors":[{"code":"1144","description":"Charge not found"}]}`), http.StatusNotFound, qpay.KindUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			tapAPI().Get("/v2/charges/" + seedChargeID).Reply(tt.code).JSON(tt.readBack)
			ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, d.Body), d.Body)
			assert.Nil(t, ev)
			e := asError(t, err)
			assert.Equal(t, tt.want, e.Kind, "%v", err)
			assert.Equal(t, tt.retry, e.Retryable || e.Kind.Retryable(), "%v", err)
			assert.Equal(t, qpay.OpParseWebhook, e.Op)
		})
	}
}

func TestGetRefund(t *testing.T) {
	ctx := context.Background()
	body := fixture(t, "refund-refunded.json")
	t.Run("reads the refund by its ID", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/refunds/" + refundA).Reply(http.StatusOK).JSON(body)
		r, err := p.(qpay.RefundGetter).GetRefund(ctx, chargeA, refundA)
		require.NoError(t, err)
		assert.Equal(t, refundA, r.ID)
		assert.Equal(t, chargeA, r.PaymentID)
		assert.Equal(t, status.RefundSucceeded, r.Status)
		assert.Equal(t, "QAR 0.50", r.Amount.String())
		assert.Equal(t, "rfd_ord_01_1", r.Reference)
		assert.Equal(t, "tap", r.Provider)
	})
	t.Run("a refund of another charge is an integrity error", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/refunds/" + refundA).Reply(http.StatusOK).JSON(body)
		_, err := p.(qpay.RefundGetter).GetRefund(ctx, chargeB, refundA)
		assert.ErrorIs(t, err, qpay.KindIntegrity)
	})
	t.Run("an unknown refund is not found", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/refunds/re_missing").Reply(http.StatusNotFound).JSON(`{"errors":[{"code":"1160","description":"Refund not found"}]}`)
		_, err := p.(qpay.RefundGetter).GetRefund(ctx, chargeA, "re_missing")
		e := asError(t, err)
		assert.Equal(t, qpay.KindNotFound, e.Kind)
		assert.Equal(t, qpay.OpGetRefund, e.Op)
	})
	t.Run("an ID that could change the path is refused before any request", func(t *testing.T) {
		p := newTestProvider(t)
		_, err := p.(qpay.RefundGetter).GetRefund(ctx, chargeA, "../charges/x")
		assert.ErrorIs(t, err, qpay.KindInvalidRequest)
	})
}
