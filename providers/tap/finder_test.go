package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// The charge list's filter by reference is UNCONFIRMED: whatever Tap lets
// through, only the charges whose reference is the one asked for are
// returned, and an answer of another shape is an error, never "none".
func TestPaymentsByReferenceKeepsTheReferenceOnly(t *testing.T) {
	ours := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
		"id": "chg_TS01A0000000000000000000001", "reference.transaction": "ORD-9", "reference.order": "ORD-9"})
	other := patch(t, fixture(t, "charge-initiated.json"), map[string]any{
		"id": "chg_TS01A0000000000000000000002", "reference.transaction": "ORD-10", "reference.order": "ORD-10"})
	page := fmt.Sprintf(`{"object":"list","has_more":false,"charges":[%s,%s]}`, other, ours)

	p := newTestProvider(t)
	tapAPI().Post("^/v2/charges/list$").Reply(http.StatusOK).JSON([]byte(page))
	got, err := p.(qpay.PaymentFinder).PaymentsByReference(context.Background(), "ORD-9")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "chg_TS01A0000000000000000000001", got[0].ID)
}

func TestPaymentsByReferenceRefusesAnotherShape(t *testing.T) {
	for name, body := range map[string]string{
		"no charges array": `{"object":"list","has_more":false}`,
		"another object":   `{"object":"charge","charges":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t)
			tapAPI().Post("^/v2/charges/list$").Reply(http.StatusOK).JSON([]byte(body))
			_, err := p.(qpay.PaymentFinder).PaymentsByReference(context.Background(), "ORD-9")
			assert.ErrorIs(t, err, qpay.KindProtocol)
		})
	}
}

// The request carries the reference filter and the lookback period.
func TestPaymentsByReferenceRequest(t *testing.T) {
	p := newTestProvider(t)
	var lists recorder
	tapAPI().Post("^/v2/charges/list$").Reply(http.StatusOK).JSON([]byte(`{"object":"list","has_more":false,"charges":[]}`)).Map(lists.record)
	got, err := p.(qpay.PaymentFinder).PaymentsByReference(context.Background(), "ORD-9")
	require.NoError(t, err)
	assert.Empty(t, got)
	var sent map[string]any
	require.NoError(t, json.Unmarshal(lists.body(t, 0), &sent))
	assert.Equal(t, map[string]any{"transaction": "ORD-9", "order": "ORD-9"}, sent["reference"])
	assert.EqualValues(t, 50, sent["limit"])
	date := sent["period"].(map[string]any)["date"].(map[string]any)
	assert.EqualValues(t, testNow.Add(-findLookback).UnixMilli(), date["from"])
}
