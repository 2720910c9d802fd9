package qpaytest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/qpaytest/internal/checkoutsim"
	"github.com/qpay-go/qpay/status"
)

func TestCheckoutPaymentRequestChecks(t *testing.T) {
	s := startServer(t, Options{})
	cases := []struct {
		name  string
		req   any
		codes []string
	}{
		{"amount with decimals", with(ckoPaymentReq(), "amount", 79.1), []string{"amount_invalid"}},
		{"amount as a string", with(ckoPaymentReq(), "amount", "7910"), []string{"amount_invalid"}},
		{"amount zero", with(ckoPaymentReq(), "amount", 0), []string{"amount_invalid"}},
		{"no currency", with(ckoPaymentReq(), "currency", remove{}), []string{"currency_required"}},
		{"currency not QAR", with(ckoPaymentReq(), "currency", "KWD"), []string{"currency_invalid"}},
		{"no source", with(ckoPaymentReq(), "source", remove{}), []string{"payment_source_required"}},
		{"a card source", with(ckoPaymentReq(), "source.type", "card"), []string{"payment_source_type_invalid"}},
		{"no source description", with(ckoPaymentReq(), "source.description", remove{}), []string{"source_description_required"}},
		{"source description of 256", with(ckoPaymentReq(), "source.description", strings.Repeat("d", 256)), []string{"source_description_invalid"}},
		{"Arabic description over 255 once URL-encoded", with(ckoPaymentReq(), "source.description", strings.Repeat("ق", 50)), []string{"source_description_invalid"}},
		{"quantity as a string, as in the docs' example", readTestdata(t, "checkout-payment-request-string-quantity.json"), []string{"source_quantity_invalid"}},
		{"quantity zero", with(ckoPaymentReq(), "source.quantity", 0), []string{"source_quantity_invalid"}},
		{"language fr", with(ckoPaymentReq(), "source.language", "fr"), []string{"source_language_invalid"}},
		{"national ID of 33", with(ckoPaymentReq(), "source.national_id", strings.Repeat("9", 33)), []string{"source_national_id_invalid"}},
		{"reference of 51", with(ckoPaymentReq(), "reference", strings.Repeat("r", 51)), []string{"reference_invalid"}},
		{"description of 101", with(ckoPaymentReq(), "description", strings.Repeat("d", 101)), []string{"description_invalid"}},
		{"relative success URL", with(ckoPaymentReq(), "success_url", "/ok"), []string{"success_url_invalid"}},
		{"failure URL of 256", with(ckoPaymentReq(), "failure_url", "https://shop.example/"+strings.Repeat("f", 235)), []string{"failure_url_invalid"}},
		{"customer email", with(ckoPaymentReq(), "customer.email", "mariam"), []string{"customer_email_invalid"}},
		{"metadata not an object", with(ckoPaymentReq(), "metadata", []string{"x"}), []string{"metadata_invalid"}},
		{"every problem at once", with(with(ckoPaymentReq(), "currency", "USD"), "amount", -5), []string{"amount_invalid", "currency_invalid"}},
		{"broken JSON", `{"amount":`, []string{"request_json_invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := send(t, s, http.MethodPost, "/checkout/payments", ckoAuth(s), c.req)
			assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
			assert.ElementsMatch(t, c.codes, resp.ckoCodes(t))
			assert.NotEmpty(t, resp.header.Get("Cko-Request-Id"))
		})
	}
	assert.Empty(t, s.Payments())
}

func TestCheckoutAcceptsTheDocumentedRequest(t *testing.T) {
	s := startServer(t, Options{})
	resp := send(t, s, http.MethodPost, "/checkout/payments", ckoAuth(s), readTestdata(t, "checkout-payment-qpay-request.json"))
	require.Equal(t, http.StatusAccepted, resp.status, "%s", resp.body)
	assert.Regexp(t, `^0H[A-Z0-9]{11}$`, resp.header.Get("Cko-Request-Id"))
	p := resp.object(t)
	assert.Regexp(t, `^pay_[a-z2-7]{26}$`, p["id"])
	assert.Equal(t, "Pending", p["status"])
	assert.Equal(t, "ORD-10045", p["reference"])
	assert.NotContains(t, p, "amount", "the 202 carries no amount")
	assert.Regexp(t, `^cus_[a-z2-7]{26}$`, p["customer"].(map[string]any)["id"])
	links := p["_links"].(map[string]any)
	assert.Equal(t, s.CheckoutBaseURL()+"/payments/"+p["id"].(string), links["self"].(map[string]any)["href"])
	assert.True(t, strings.HasPrefix(links["redirect"].(map[string]any)["href"].(string), s.URL()+"/pay/"))

	got := send(t, s, http.MethodGet, "/checkout/payments/"+p["id"].(string), ckoAuth(s), nil)
	require.Equal(t, http.StatusOK, got.status)
	g := got.object(t)
	assert.Equal(t, float64(1000), g["amount"], "minor units")
	assert.Equal(t, "QAR", g["currency"])
	assert.Equal(t, "Pending", g["status"])
	assert.Equal(t, false, g["approved"])
	assert.Equal(t, "Regular", g["payment_type"])
	assert.Equal(t, "Order ORD-10045 at Example Shop", g["source"].(map[string]any)["description"])
	assert.Equal(t, map[string]any{"order_id": "ORD-10045"}, g["metadata"])
	assert.Contains(t, g["_links"], "actions")
}

func TestCheckoutAuthentication(t *testing.T) {
	s := startServer(t, Options{})
	key := s.CheckoutSecretKey().Reveal()
	cases := []struct {
		name, header string
		status       int
	}{
		{"Bearer key", "Bearer " + key, http.StatusAccepted},
		{"bare key", key, http.StatusAccepted},
		{"no header", "", http.StatusUnauthorized},
		{"wrong key", "Bearer sk_sbox_aaaaaaaaaaaaaaaaaaaaaaaaaaa", http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.header != "" {
				h.Set("Authorization", c.header)
			}
			resp := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
			assert.Equal(t, c.status, resp.status)
			assert.NotEmpty(t, resp.header.Get("Cko-Request-Id"), "on every answer")
			if c.status == http.StatusUnauthorized {
				assert.Empty(t, resp.body, "Checkout's 401 has no body")
			}
		})
	}
}

func TestCheckoutIdempotencyReplaysSuccesses(t *testing.T) {
	s := startServer(t, Options{})
	h := ckoAuth(s)
	h.Set("Cko-Idempotency-Key", "k-1")
	first := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	again := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	require.Equal(t, http.StatusAccepted, first.status)
	assert.Equal(t, first.status, again.status)
	assert.Equal(t, string(first.body), string(again.body), "same status and body")
	assert.Len(t, s.Payments(), 1)

	// A failure is not remembered: the corrected request with the same key
	// is processed.
	h.Set("Cko-Idempotency-Key", "k-2")
	bad := send(t, s, http.MethodPost, "/checkout/payments", h, with(ckoPaymentReq(), "currency", "USD"))
	assert.Equal(t, http.StatusUnprocessableEntity, bad.status)
	good := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	assert.Equal(t, http.StatusAccepted, good.status)
	assert.Len(t, s.Payments(), 2)

	// Keys are remembered for 24 hours.
	c := newClock()
	s2 := startServer(t, Options{Now: c.Now})
	h2 := ckoAuth(s2)
	h2.Set("Cko-Idempotency-Key", "k-3")
	a := send(t, s2, http.MethodPost, "/checkout/payments", h2, ckoPaymentReq())
	c.Advance(24 * time.Hour)
	b := send(t, s2, http.MethodPost, "/checkout/payments", h2, ckoPaymentReq())
	assert.NotEqual(t, a.object(t)["id"], b.object(t)["id"])
}

func TestCheckoutIdempotencyConflict(t *testing.T) {
	s := startServer(t, Options{})
	require.NoError(t, s.Inject(Fault{Provider: ProviderCheckout, Op: OpCreatePayment, Delay: 300 * time.Millisecond}))
	h := ckoAuth(s)
	h.Set("Cko-Idempotency-Key", "k-slow")

	var wg sync.WaitGroup
	var slow apiResp
	wg.Add(1)
	go func() {
		defer wg.Done()
		slow = send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	}()
	require.Eventually(t, func() bool {
		return s.core.KeyInFlight("/checkout/payments\x00k-slow")
	}, 2*time.Second, time.Millisecond, "the slow request holds its key")

	conflict := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	assert.Equal(t, http.StatusConflict, conflict.status)
	wg.Wait()
	assert.Equal(t, http.StatusAccepted, slow.status)
	replay := send(t, s, http.MethodPost, "/checkout/payments", h, ckoPaymentReq())
	assert.Equal(t, string(slow.body), string(replay.body))
	assert.Len(t, s.Payments(), 1)
}

func TestCheckoutSessionIDs(t *testing.T) {
	c := newClock()
	s := startServer(t, Options{Now: c.Now})
	id, page := createCheckout(t, s, ckoPaymentReq())
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Regexp(t, `^sid_[a-z2-7]{26}$`, v.SessionID)
	assert.Equal(t, http.StatusNotFound, send(t, s, http.MethodGet, "/checkout/payments/"+v.SessionID, ckoAuth(s), nil).status,
		"no session before the shopper is sent back")

	back, err := s.Pay(context.Background(), page, TestCard)
	require.NoError(t, err)
	sid := back.Query().Get("cko-session-id")
	assert.Equal(t, v.SessionID, sid)
	got := send(t, s, http.MethodGet, "/checkout/payments/"+sid, ckoAuth(s), nil)
	require.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, id, got.object(t)["id"], "the session answers with the payment's own ID")

	c.Advance(SessionLifetime)
	expired := send(t, s, http.MethodGet, "/checkout/payments/"+sid, ckoAuth(s), nil)
	assert.Equal(t, http.StatusNotFound, expired.status)
	assert.Empty(t, expired.body)
	assert.Equal(t, http.StatusOK, send(t, s, http.MethodGet, "/checkout/payments/"+id, ckoAuth(s), nil).status)
}

func TestCheckoutRefundsAndActions(t *testing.T) {
	r := newReceiver(t)
	s := startServer(t, Options{CheckoutWebhookURL: r.URL})
	pending, _ := createCheckout(t, s, ckoPaymentReq())
	id, _ := createCheckout(t, s, with(ckoPaymentReq(), "amount", 10000))
	require.NoError(t, s.Settle(id, status.Captured))
	refund := func(id string, body any) apiResp {
		return send(t, s, http.MethodPost, "/checkout/payments/"+id+"/refunds", ckoAuth(s), body)
	}

	cases := []struct {
		name   string
		id     string
		body   any
		status int
		codes  []string
	}{
		{"unknown payment", "pay_notthere", map[string]any{"amount": 100}, http.StatusNotFound, nil},
		{"a payment not captured", pending, map[string]any{"amount": 100}, http.StatusForbidden, nil},
		{"more than the balance", id, map[string]any{"amount": 10001}, http.StatusUnprocessableEntity, []string{"amount_exceeds_balance"}},
		{"amount with decimals", id, map[string]any{"amount": 1.5}, http.StatusUnprocessableEntity, []string{"amount_invalid"}},
		{"reference of 51", id, map[string]any{"amount": 100, "reference": strings.Repeat("r", 51)}, http.StatusUnprocessableEntity, []string{"reference_invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := refund(c.id, c.body)
			assert.Equal(t, c.status, resp.status)
			if c.codes == nil {
				assert.Empty(t, resp.body, "no body")
			} else {
				assert.Equal(t, c.codes, resp.ckoCodes(t))
			}
		})
	}

	part := refund(id, readTestdata(t, "checkout-refund-request.json")) // 50 minor units, rfd_ord_01_1
	require.Equal(t, http.StatusAccepted, part.status, "%s", part.body)
	o := part.object(t)
	assert.Regexp(t, `^act_[a-z2-7]{26}$`, o["action_id"])
	assert.Equal(t, "rfd_ord_01_1", o["reference"])
	assert.Equal(t, s.CheckoutBaseURL()+"/payments/"+id, o["_links"].(map[string]any)["payment"].(map[string]any)["href"])

	p := send(t, s, http.MethodGet, "/checkout/payments/"+id, ckoAuth(s), nil).object(t)
	assert.Equal(t, "Partially Refunded", p["status"])
	assert.Equal(t, map[string]any{
		"total_authorized": float64(10000), "total_voided": float64(0), "available_to_void": float64(0),
		"total_captured": float64(10000), "available_to_capture": float64(0),
		"total_refunded": float64(50), "available_to_refund": float64(9950),
	}, p["balances"])

	rest := refund(id, map[string]any{"reference": "RFD-rest"}) // no amount: all that is left
	require.Equal(t, http.StatusAccepted, rest.status)
	assert.Equal(t, http.StatusForbidden, refund(id, map[string]any{"amount": 1}).status, "nothing left to refund")

	var actions []checkoutsim.Action
	resp := send(t, s, http.MethodGet, "/checkout/payments/"+id+"/actions", ckoAuth(s), nil)
	require.NoError(t, json.Unmarshal(resp.body, &actions))
	require.Len(t, actions, 3)
	assert.Equal(t, []string{"Refund", "Refund", "Capture"}, []string{actions[0].Type, actions[1].Type, actions[2].Type}, "newest first")
	assert.Equal(t, rest.object(t)["action_id"], actions[0].ID)
	assert.Equal(t, int64(9950), actions[0].Amount)
	require.NotNil(t, actions[0].Approved)
	assert.True(t, *actions[0].Approved)
	assert.Equal(t, "Refunded", send(t, s, http.MethodGet, "/checkout/payments/"+id, ckoAuth(s), nil).object(t)["status"])
	assert.Equal(t, http.StatusNotFound, send(t, s, http.MethodGet, "/checkout/payments/pay_notthere/actions", ckoAuth(s), nil).status)

	var events []string
	for _, d := range s.Deliveries() {
		events = append(events, d.Event)
	}
	assert.Equal(t, []string{"payment_pending", "payment_pending", "payment_captured", "payment_refunded", "payment_refunded"}, events)
}

func TestCheckoutRefundDelayKeepsItPending(t *testing.T) {
	r := newReceiver(t)
	s := startServer(t, Options{CheckoutWebhookURL: r.URL, RefundDelay: 50 * time.Millisecond})
	id, _ := createCheckout(t, s, ckoPaymentReq())
	require.NoError(t, s.Settle(id, status.Captured))
	resp := send(t, s, http.MethodPost, "/checkout/payments/"+id+"/refunds", ckoAuth(s), map[string]any{"amount": 1052, "reference": "RFD-1"})
	require.Equal(t, http.StatusAccepted, resp.status)

	var actions []checkoutsim.Action
	require.NoError(t, json.Unmarshal(send(t, s, http.MethodGet, "/checkout/payments/"+id+"/actions", ckoAuth(s), nil).body, &actions))
	assert.Nil(t, actions[0].Approved, "pending: approved is absent")
	assert.Equal(t, http.StatusUnprocessableEntity,
		send(t, s, http.MethodPost, "/checkout/payments/"+id+"/refunds", ckoAuth(s), map[string]any{"amount": 7000}).status,
		"a pending refund counts against the balance")

	require.Eventually(t, func() bool {
		ds := s.Deliveries()
		return ds[len(ds)-1].Event == "payment_refund_declined"
	}, 2*time.Second, 5*time.Millisecond, "the .52 refund is declined once it completes")
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.RefundFailed, v.Refunds[0].Status)
	assert.Equal(t, "Declined", v.Refunds[0].RawStatus)
	assert.Equal(t, "Captured", send(t, s, http.MethodGet, "/checkout/payments/"+id, ckoAuth(s), nil).object(t)["status"])
}
