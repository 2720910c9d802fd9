package qpaytest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

// ckoHostedReq is a valid POST /hosted-payments body (Checkout's API
// reference: currency, billing, and the three URLs are required).
func ckoHostedReq() map[string]any {
	return map[string]any{
		"amount":      7910,
		"currency":    "QAR",
		"reference":   "ORD-1",
		"description": "Order ORD-1",
		"customer":    map[string]any{"email": "mariam@example.qa", "name": "Mariam Al-Kuwari"},
		"billing":     map[string]any{"address": map[string]any{"country": "QA"}},
		"success_url": "https://shop.example/qpay/success",
		"failure_url": "https://shop.example/qpay/failure",
		"cancel_url":  "https://shop.example/qpay/cancel",
		"metadata":    map[string]any{"order_id": "ORD-1"},
	}
}

func createHosted(t *testing.T, s *Server, req map[string]any) (id, page string) {
	t.Helper()
	resp := send(t, s, http.MethodPost, "/checkout/hosted-payments", ckoAuth(s), req)
	require.Equal(t, http.StatusCreated, resp.status, "body %s", resp.body)
	var h struct {
		ID       string
		Warnings []string
		Links    struct {
			Redirect struct{ Href string }
		} `json:"_links"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &h))
	require.True(t, strings.HasPrefix(h.ID, "hpp_"), h.ID)
	require.NotNil(t, h.Warnings)
	return h.ID, h.Links.Redirect.Href
}

func TestTapHostedPagesOfferWhatTheSourceSays(t *testing.T) {
	s := startServer(t, Options{})
	tests := []struct {
		source     string
		qpay, card bool
	}{
		{"src_qa.qpay", true, false},
		{"src_all", true, true},
		{"src_card", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			id, page := createTap(t, s, with(tapChargeReq(""), "source.id", tt.source))
			resp := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil)
			assert.Equal(t, tt.source, resp.object(t)["source"].(map[string]any)["id"], "a pending charge reports its source")
			code, html := getPage(t, page)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tt.qpay, strings.Contains(html, `id="qpay-form"`))
			assert.Equal(t, tt.card, strings.Contains(html, `id="card-form"`))
			assert.Equal(t, tt.qpay && tt.card, strings.Contains(html, `id="choose"`), "the shopper is asked to pick")
		})
	}
}

func TestTapHostedPagePaidByCard(t *testing.T) {
	s := startServer(t, Options{})
	id, page := createTap(t, s, with(tapChargeReq(""), "source.id", "src_all"))
	back, err := s.PayHostedCard(context.Background(), page, TestHostedCard())
	require.NoError(t, err)
	assert.Equal(t, id, back.Query().Get("tap_id"))
	c := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).object(t)
	assert.Equal(t, "CAPTURED", c["status"])
	src := c["source"].(map[string]any)
	assert.Equal(t, "VISA", src["payment_method"])
	assert.Equal(t, "token", src["object"])
	assert.Equal(t, "VISA", c["card"].(map[string]any)["scheme"])
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, MethodCard, v.Method)

	_, cardsOnly := createTap(t, s, with(tapChargeReq(""), "source.id", "src_card"))
	_, err = s.Pay(context.Background(), cardsOnly, TestCard)
	assert.ErrorContains(t, err, "does not offer qpay", "a cards-only page has no QPay form")

	_, direct := createTap(t, s, tapChargeReq(""))
	_, err = s.PayHostedCard(context.Background(), direct, TestHostedCard())
	assert.ErrorContains(t, err, "does not offer card")

	declined, page2 := createTap(t, s, with(tapChargeReq(""), "source.id", "src_all"))
	_, err = s.PayHostedCard(context.Background(), page2, HostedCard{Number: DeclineCardNumber, Expiry: "12/49", CVC: "123"})
	require.NoError(t, err)
	v, err = s.Lookup(declined)
	require.NoError(t, err)
	assert.Equal(t, status.Failed, v.Status)
	assert.Equal(t, "DECLINED", v.RawStatus)
}

func TestTapDestinations(t *testing.T) {
	s := startServer(t, Options{})
	dest := func(list ...map[string]any) map[string]any { return map[string]any{"destination": list} }
	d := func(id, amount string) map[string]any {
		return map[string]any{"id": id, "amount": json.Number(amount), "currency": "QAR"}
	}
	t.Run("echoed on the charge and its refunds", func(t *testing.T) {
		id, _ := createTap(t, s, with(tapChargeReq(""), "destinations", dest(d("480593", "40.00"), d("486374", "30.10"))))
		c := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).object(t)
		got := c["destinations"].(map[string]any)["destination"].([]any)
		require.Len(t, got, 2)
		assert.Equal(t, map[string]any{"id": "486374", "amount": 30.1, "currency": "QAR"}, got[1])

		require.NoError(t, s.Settle(id, status.Captured))
		refund := map[string]any{"charge_id": id, "amount": json.Number("7.91"), "currency": "QAR", "reason": "requested_by_customer",
			"reference": map[string]any{"merchant": "RFD-1"}, "destinations": dest(d("480593", "4.00"))}
		r := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Len(t, r.object(t)["destinations"].(map[string]any)["destination"], 1)

		tooMuch := with(with(refund, "destinations", dest(d("480593", "40.01"))), "reference.merchant", "RFD-2")
		assert.Equal(t, []string{"1103"}, send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), tooMuch).tapCodes(t))
		stranger := with(with(refund, "destinations", dest(d("999", "1.00"))), "reference.merchant", "RFD-3")
		assert.Equal(t, []string{"1103"}, send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), stranger).tapCodes(t))
	})
	for name, bad := range map[string]map[string]any{
		"more than the amount":  dest(d("480593", "79.10"), d("486374", "0.01")),
		"another currency":      dest(map[string]any{"id": "480593", "amount": 1, "currency": "KWD"}),
		"no ID":                 dest(d("", "1.00")),
		"no destination at all": dest(),
	} {
		t.Run(name, func(t *testing.T) {
			resp := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), with(tapChargeReq(""), "destinations", bad))
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Equal(t, []string{"1103"}, resp.tapCodes(t))
		})
	}
}

func TestCheckoutHostedPaymentsPage(t *testing.T) {
	s := startServer(t, Options{})
	r := newReceiver(t)
	s.SetCheckoutWebhookURL(r.URL)

	id, page := createHosted(t, s, ckoHostedReq())
	details := send(t, s, http.MethodGet, "/checkout/hosted-payments/"+id, ckoAuth(s), nil)
	require.Equal(t, http.StatusOK, details.status)
	d := details.object(t)
	assert.Equal(t, "Payment Pending", d["status"])
	assert.NotContains(t, d, "payment_id", "no payment before the shopper pays")
	assert.Empty(t, r.all(), "a hosted page sends no payment_pending")
	code, html := getPage(t, page)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, html, `id="qpay-form"`)
	assert.Contains(t, html, `id="card-form"`)

	back, err := s.Pay(context.Background(), page, TestCard)
	require.NoError(t, err)
	assert.Equal(t, "https://shop.example/qpay/success", back.Scheme+"://"+back.Host+back.Path)
	sid := back.Query().Get("cko-session-id")
	require.True(t, strings.HasPrefix(sid, "sid_"), sid)
	d = send(t, s, http.MethodGet, "/checkout/hosted-payments/"+id, ckoAuth(s), nil).object(t)
	assert.Equal(t, "Payment Received", d["status"])
	payID, _ := d["payment_id"].(string)
	require.True(t, strings.HasPrefix(payID, "pay_"), payID)
	pay := send(t, s, http.MethodGet, "/checkout/payments/"+payID, ckoAuth(s), nil).object(t)
	assert.Equal(t, "Captured", pay["status"])
	assert.Equal(t, "qpay", pay["source"].(map[string]any)["type"])
	assert.Equal(t, map[string]any{"order_id": "ORD-1"}, pay["metadata"], "the page's metadata is the payment's")
	got := r.all()
	require.Len(t, got, 1)
	assert.Contains(t, string(got[0].body), `"type":"payment_captured"`)
}

func TestCheckoutHostedPageByCardAndCancel(t *testing.T) {
	s := startServer(t, Options{})
	r := newReceiver(t)
	s.SetCheckoutWebhookURL(r.URL)

	id, page := createHosted(t, s, with(ckoHostedReq(), "allow_payment_methods", []string{"card"}))
	_, html := getPage(t, page)
	assert.NotContains(t, html, `id="qpay-form"`)
	back, err := s.PayHostedCard(context.Background(), page, TestHostedCard())
	require.NoError(t, err)
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, v.SessionID, back.Query().Get("cko-session-id"))
	pay := send(t, s, http.MethodGet, "/checkout/payments/"+v.SessionID, ckoAuth(s), nil).object(t)
	assert.Equal(t, "card", pay["source"].(map[string]any)["type"])
	assert.Equal(t, "Visa", pay["source"].(map[string]any)["scheme"])

	qpayOnly, page2 := createHosted(t, s, with(ckoHostedReq(), "allow_payment_methods", []string{"qpay"}))
	before := len(r.all())
	back, err = s.Cancel(context.Background(), page2)
	require.NoError(t, err)
	assert.Equal(t, "https://shop.example/qpay/cancel", back.String(), "a canceled page returns to cancel_url, with no session")
	assert.Len(t, r.all(), before, "no payment was made, so no event")
	v, err = s.Lookup(qpayOnly)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, send(t, s, http.MethodGet, "/checkout/payments/"+v.ID, ckoAuth(s), nil).status,
		"the payment of a page never paid does not exist")
	list := send(t, s, http.MethodGet, "/checkout/payments?reference=ORD-1", ckoAuth(s), nil).object(t)
	data := list["data"].([]any)
	require.Len(t, data, 1, "only the page that was paid has a payment to list")
	assert.Equal(t, "card", data[0].(map[string]any)["source"].(map[string]any)["type"])
}

func TestCheckoutHostedPaymentsRequestChecks(t *testing.T) {
	s := startServer(t, Options{})
	cases := map[string]struct {
		req   map[string]any
		codes []string
	}{
		"no billing":         {with(ckoHostedReq(), "billing", remove{}), []string{"billing_address_country_required"}},
		"no cancel_url":      {with(ckoHostedReq(), "cancel_url", remove{}), []string{"cancel_url_required"}},
		"unknown method":     {with(ckoHostedReq(), "allow_payment_methods", []string{"knet"}), []string{"allow_payment_methods_invalid"}},
		"amount_allocations": {with(ckoHostedReq(), "amount_allocations", []any{map[string]any{"id": "ent_1", "amount": 100}}), []string{"amount_allocations_invalid"}},
		"another currency":   {with(ckoHostedReq(), "currency", "USD"), []string{"currency_invalid"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resp := send(t, s, http.MethodPost, "/checkout/hosted-payments", ckoAuth(s), c.req)
			assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
			assert.ElementsMatch(t, c.codes, resp.ckoCodes(t))
		})
	}
	assert.Equal(t, http.StatusNotFound, send(t, s, http.MethodGet, "/checkout/hosted-payments/hpp_nothing", ckoAuth(s), nil).status)
}
