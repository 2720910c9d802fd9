package qpaytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

func TestTapChargeRequestChecks(t *testing.T) {
	s := startServer(t, Options{})
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name  string
		req   map[string]any
		codes []string
	}{
		{"amount as a string", with(tapChargeReq(""), "amount", "79.10"), []string{"1117"}},
		{"amount with three decimals", with(tapChargeReq(""), "amount", json.Number("79.105")), []string{"1117"}},
		{"amount zero", with(tapChargeReq(""), "amount", 0), []string{"1117"}},
		{"amount negative", with(tapChargeReq(""), "amount", -1), []string{"1117"}},
		{"amount missing", with(tapChargeReq(""), "amount", remove{}), []string{"1117"}},
		{"currency not QAR", with(tapChargeReq(""), "currency", "KWD"), []string{"1119"}},
		{"currency not ISO 4217", with(tapChargeReq(""), "currency", "QQQ"), []string{"1118"}},
		{"3-D Secure off", with(tapChargeReq(""), "threeDSecure", false), []string{"1109"}},
		{"description of 1000", with(tapChargeReq(""), "description", long(1000)), []string{"1121"}},
		{"metadata key of 250", with(tapChargeReq(""), "metadata."+long(250), "v"), []string{"1127"}},
		{"metadata value of 1000", with(tapChargeReq(""), "metadata.k", long(1000)), []string{"1128"}},
		{"order reference of 100", with(tapChargeReq(""), "reference.order", long(100)), []string{"1122"}},
		{"transaction reference of 100", with(tapChargeReq(""), "reference.transaction", long(100)), []string{"1123"}},
		{"no customer", with(tapChargeReq(""), "customer", remove{}), []string{"1129"}},
		{"no first name", with(tapChargeReq(""), "customer.first_name", remove{}), []string{"1130"}},
		{"neither email nor phone", with(with(tapChargeReq(""), "customer.email", remove{}), "customer.phone", remove{}), []string{"1139"}},
		{"no source", with(tapChargeReq(""), "source", remove{}), []string{"1124"}},
		{"another source", with(tapChargeReq(""), "source.id", "src_kw.knet"), []string{"1125"}},
		{"no redirect", with(tapChargeReq(""), "redirect", remove{}), []string{"1110"}},
		{"relative redirect", with(tapChargeReq(""), "redirect.url", "/qpay/return"), []string{"1111"}},
		{"expiry below 5 minutes", with(tapChargeReq(""), "transaction.expiry", map[string]any{"period": 4, "type": "MINUTE"}), []string{"1103"}},
		{"expiry above 60 minutes", with(tapChargeReq(""), "transaction.expiry", map[string]any{"period": 61, "type": "MINUTE"}), []string{"1103"}},
		{"expiry in hours", with(tapChargeReq(""), "transaction.expiry", map[string]any{"period": 1, "type": "HOUR"}), []string{"1103"}},
		{"every problem at once", with(with(tapChargeReq(""), "currency", "USD"), "source.id", "src_kw.knet"), []string{"1119", "1125"}},
		{"broken JSON", nil, []string{"2100"}},
		{"a field of the wrong type", with(tapChargeReq(""), "description", 5), []string{"1103"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any = c.req
			if c.req == nil {
				body = `{"amount":`
			}
			resp := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), body)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.ElementsMatch(t, c.codes, resp.tapCodes(t))
		})
	}
	assert.Empty(t, s.Payments(), "no refused request created a charge")
	assert.Equal(t, len(cases), s.Requests(ProviderTap, OpCreatePayment))
}

func TestTapAcceptsTheDocumentedRequest(t *testing.T) {
	s := startServer(t, Options{})
	// Tap's own QPay example: amount 1, phone parts as JSON numbers,
	// documented path with its trailing slash.
	resp := send(t, s, http.MethodPost, "/tap/v2/charges/", tapAuth(s), readTestdata(t, "tap-charge-request.json"))
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	c := resp.object(t)
	assert.Regexp(t, `^chg_TS[A-Za-z0-9]{24}$`, c["id"])
	assert.Equal(t, "charge", c["object"])
	assert.Equal(t, "INITIATED", c["status"])
	assert.Equal(t, "CREATE", c["method"])
	assert.Equal(t, map[string]any{"code": "100", "message": "Initiated"}, c["response"])
	assert.Equal(t, map[string]any{"transaction": "txn_01", "order": "ord_01"}, c["reference"])
	assert.Equal(t, map[string]any{"udf1": "Metadata 1"}, c["metadata"])
	tx := c["transaction"].(map[string]any)
	assert.Regexp(t, `^\d{13}$`, tx["created"], "epoch milliseconds, as a string")
	assert.True(t, strings.HasPrefix(tx["url"].(string), s.URL()+"/pay/"), "the shopper's page: %v", tx["url"])
	assert.Equal(t, map[string]any{"period": float64(30), "type": "MINUTE"}, tx["expiry"])
	cust := c["customer"].(map[string]any)
	assert.Regexp(t, `^cus_`, cust["id"])
	assert.Equal(t, map[string]any{"country_code": "965", "number": "51234567"}, cust["phone"], "strings in responses")
	assert.Equal(t, map[string]any{"status": "PENDING", "url": "http://your_website.com/post_url"}, c["post"])
	assert.Equal(t, 1, s.Requests(ProviderTap, OpCreatePayment))
}

func TestTapWritesAmountsAsNumbersInTheirShortestForm(t *testing.T) {
	s := startServer(t, Options{})
	resp := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), tapChargeReq(""))
	require.Equal(t, http.StatusOK, resp.status)
	// Tap's examples write 1, 1.0 and 10.00 alike: 79.10 comes back as 79.1,
	// which an adapter must read as an exact decimal.
	assert.Contains(t, string(resp.body), `"amount":79.1,`)
}

func TestTapAuthentication(t *testing.T) {
	s := startServer(t, Options{})
	key := s.TapSecretKey().Reveal()
	cases := []struct {
		name, header, code string
	}{
		{"no header", "", "2107"},
		{"wrong key", "Bearer sk_test_wrong", "2104"},
		{"key without Bearer", key, "2104"},
		{"publishable key", "Bearer pk_test_XKokBfNWv6FIYuTMg5sLPjhJ", "2106"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.header != "" {
				h.Set("Authorization", c.header)
			}
			resp := send(t, s, http.MethodGet, "/tap/v2/charges/chg_x", h, nil)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, []string{c.code}, resp.tapCodes(t))
		})
	}
	assert.Equal(t, len(cases), s.Requests(ProviderTap, OpGetPayment), "refused requests count too")
	for _, call := range s.Calls(ProviderTap, OpGetPayment) {
		assert.NotContains(t, call.Header.Get("Authorization"), key, "recorded calls never hold the key")
	}
}

func TestTapGetCharge(t *testing.T) {
	s := startServer(t, Options{})
	id, _ := createTap(t, s, tapChargeReq(""))

	resp := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil)
	require.Equal(t, http.StatusOK, resp.status)
	c := resp.object(t)
	assert.Equal(t, id, c["id"])
	assert.Equal(t, "GET", c["method"])
	assert.Equal(t, "INITIATED", c["status"])

	missing := send(t, s, http.MethodGet, "/tap/v2/charges/chg_TSnotthere", tapAuth(s), nil)
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.JSONEq(t, string(readTestdata(t, "tap-error-charge-not-found.json")), string(missing.body))
}

func TestTapIdempotency(t *testing.T) {
	s := startServer(t, Options{})
	req := with(tapChargeReq(""), "reference.idempotent", "key-1")
	first, _ := createTap(t, s, req)
	again, _ := createTap(t, s, req)
	assert.Equal(t, first, again, "a repeated reference.idempotent returns the original charge")
	other, _ := createTap(t, s, with(tapChargeReq(""), "reference.idempotent", "key-2"))
	assert.NotEqual(t, first, other)
	assert.Len(t, s.Payments(), 2)

	// The replay reports the charge as it is now.
	require.NoError(t, s.Settle(first, status.Captured))
	resp := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), req)
	assert.Equal(t, "CAPTURED", resp.object(t)["status"])

	refund := map[string]any{
		"charge_id": first, "amount": json.Number("10.00"), "currency": "QAR", "reason": "requested_by_customer",
		"reference": map[string]any{"merchant": "RFD-1", "idempotent": "rkey-1"},
	}
	r1 := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund)
	r2 := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund)
	require.Equal(t, http.StatusOK, r1.status, "%s", r1.body)
	assert.Equal(t, r1.object(t)["id"], r2.object(t)["id"])
	v, err := s.Lookup(first)
	require.NoError(t, err)
	assert.Len(t, v.Refunds, 1, "the repeated refund was not made twice")
	assert.Equal(t, "10.00", v.Refunded.Fixed())
}

func TestTapRefunds(t *testing.T) {
	r := newReceiver(t)
	s := startServer(t, Options{})
	pending, _ := createTap(t, s, tapChargeReq(""))
	id, _ := createTap(t, s, with(tapChargeReq(r.URL), "amount", json.Number("100")))
	require.NoError(t, s.Settle(id, status.Captured))

	refund := func(mods ...func(map[string]any)) map[string]any {
		m := map[string]any{
			"charge_id": id, "amount": json.Number("30.00"), "currency": "QAR", "reason": "requested_by_customer",
			"reference": map[string]any{"merchant": "RFD-1"}, "post": map[string]any{"url": r.URL},
		}
		for _, f := range mods {
			f(m)
		}
		return m
	}
	set := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) { with(m, path, v) }
	}
	cases := []struct {
		name   string
		req    map[string]any
		status int
		codes  []string
	}{
		{"no charge ID", refund(set("charge_id", remove{})), http.StatusBadRequest, []string{"1142"}},
		{"unknown charge", refund(set("charge_id", "chg_TSnotthere")), http.StatusNotFound, []string{"1144"}},
		{"another currency", refund(set("currency", "KWD")), http.StatusBadRequest, []string{"1149"}},
		{"too precise", refund(set("amount", json.Number("1.001"))), http.StatusBadRequest, []string{"1117"}},
		{"no reason", refund(set("reason", remove{})), http.StatusBadRequest, []string{"1156"}},
		{"reason of 250", refund(set("reason", strings.Repeat("r", 250))), http.StatusBadRequest, []string{"1157"}},
		{"more than the charge", refund(set("amount", json.Number("100.01"))), http.StatusBadRequest, []string{"1161"}},
		{"a charge not captured", refund(set("charge_id", pending)), http.StatusBadRequest, []string{"1103"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), c.req)
			assert.Equal(t, c.status, resp.status)
			assert.Equal(t, c.codes, resp.tapCodes(t))
		})
	}

	first := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund())
	require.Equal(t, http.StatusOK, first.status, "%s", first.body)
	o := first.object(t)
	assert.Regexp(t, `^re_TS`, o["id"])
	assert.Equal(t, "refund", o["object"])
	assert.Equal(t, "PENDING", o["status"], "Tap answers PENDING")
	assert.Equal(t, id, o["charge_id"])
	assert.Equal(t, map[string]any{"merchant": "RFD-1"}, o["reference"])
	assert.Equal(t, map[string]any{"code": "100", "message": "Pending"}, o["response"])

	// It completed right after the answer, with its webhook.
	got := send(t, s, http.MethodGet, "/tap/v2/refunds/"+o["id"].(string), tapAuth(s), nil).object(t)
	assert.Equal(t, "REFUNDED", got["status"])
	assert.Equal(t, map[string]any{"code": "000", "message": "Refunded"}, got["response"])
	ds := s.Deliveries()
	require.NotEmpty(t, ds)
	last := ds[len(ds)-1]
	assert.Equal(t, "refund REFUNDED", last.Event)
	assert.True(t, last.Delivered())

	second := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund(set("amount", json.Number("70")), set("reference.merchant", "RFD-2")))
	require.Equal(t, http.StatusOK, second.status, "%s", second.body)
	over := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), refund(set("amount", json.Number("0.01"))))
	assert.Equal(t, []string{"1161"}, over.tapCodes(t), "nothing is left")

	charge := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).object(t)
	assert.Equal(t, "CAPTURED", charge["status"], "Tap's charge reports no refunds")
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.Refunded, v.Status, "the simulator knows")

	missing := send(t, s, http.MethodGet, "/tap/v2/refunds/re_TSnotthere", tapAuth(s), nil)
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.Equal(t, []string{"1160"}, missing.tapCodes(t))
}

func TestTapRefundMagicAmountIsDeclined(t *testing.T) {
	s := startServer(t, Options{})
	id, _ := createTap(t, s, tapChargeReq(""))
	require.NoError(t, s.Settle(id, status.Captured))
	resp := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), map[string]any{
		"charge_id": id, "amount": json.Number("1.52"), "currency": "QAR", "reason": "duplicate",
	})
	require.Equal(t, http.StatusOK, resp.status)
	got := send(t, s, http.MethodGet, "/tap/v2/refunds/"+resp.object(t)["id"].(string), tapAuth(s), nil).object(t)
	assert.Equal(t, "DECLINED", got["status"])
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.True(t, v.Refunded.IsZero(), "a declined refund gives nothing back")
	assert.Equal(t, status.Captured, v.Status)
}

func TestTapRefundList(t *testing.T) {
	c := newClock()
	s := startServer(t, Options{Now: c.Now})
	var ids []string
	for _, amount := range []string{"100", "50"} {
		id, _ := createTap(t, s, with(tapChargeReq(""), "amount", json.Number(amount)))
		require.NoError(t, s.Settle(id, status.Captured))
		ids = append(ids, id)
	}
	var refunds []string // oldest first
	for i, id := range []string{ids[0], ids[1], ids[0]} {
		c.Advance(time.Second)
		resp := send(t, s, http.MethodPost, "/tap/v2/refunds", tapAuth(s), map[string]any{
			"charge_id": id, "amount": json.Number("1"), "currency": "QAR", "reason": "requested_by_customer",
			"reference": map[string]any{"merchant": fmt.Sprintf("RFD-%d", i)},
		})
		require.Equal(t, http.StatusOK, resp.status)
		refunds = append(refunds, resp.object(t)["id"].(string))
	}
	type page struct {
		Object  string
		HasMore bool `json:"has_more"`
		Refunds []struct {
			ID       string
			ChargeID string `json:"charge_id"`
			Status   string
		}
	}
	list := func(body map[string]any) (int, page) {
		resp := send(t, s, http.MethodPost, "/tap/v2/refunds/list", tapAuth(s), body)
		var p page
		if resp.status == http.StatusOK {
			require.NoError(t, json.Unmarshal(resp.body, &p))
		}
		return resp.status, p
	}
	from := c.Now().Add(-time.Hour).UnixMilli()
	to := c.Now().Add(24 * time.Hour).UnixMilli()
	period := map[string]any{"date": map[string]any{"from": from, "to": to}}

	code, p1 := list(map[string]any{"period": period, "limit": 2})
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "list", p1.Object)
	assert.True(t, p1.HasMore)
	require.Len(t, p1.Refunds, 2)
	assert.Equal(t, refunds[2], p1.Refunds[0].ID, "newest first")
	assert.Equal(t, refunds[1], p1.Refunds[1].ID)
	assert.Equal(t, ids[1], p1.Refunds[1].ChargeID, "every charge's refunds: filtering by charge is the adapter's job")
	assert.Equal(t, "REFUNDED", p1.Refunds[0].Status)

	_, p2 := list(map[string]any{"period": period, "limit": 2, "starting_after": p1.Refunds[1].ID})
	assert.False(t, p2.HasMore)
	require.Len(t, p2.Refunds, 1)
	assert.Equal(t, refunds[0], p2.Refunds[0].ID)

	later := map[string]any{"date": map[string]any{"from": c.Now().Add(time.Minute).UnixMilli(), "to": to}}
	_, p3 := list(map[string]any{"period": later, "limit": 50})
	assert.Empty(t, p3.Refunds, "the period filters by creation time")

	code, _ = list(map[string]any{"limit": 51})
	assert.Equal(t, http.StatusBadRequest, code)
	bad := send(t, s, http.MethodPost, "/tap/v2/refunds/list", tapAuth(s), map[string]any{"starting_after": "re_TSnotthere"})
	assert.Equal(t, []string{"1159"}, bad.tapCodes(t))
}

func TestTapExpiryFromTheRequest(t *testing.T) {
	c := newClock()
	s := startServer(t, Options{Now: c.Now})
	id, _ := createTap(t, s, with(tapChargeReq(""), "transaction.expiry", map[string]any{"period": 5, "type": "MINUTE"}))
	c.Advance(5*time.Minute - time.Second)
	assert.Equal(t, "INITIATED", send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).object(t)["status"])
	c.Advance(time.Second)
	got := send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).object(t)
	assert.Equal(t, "ABANDONED", got["status"])
	assert.Equal(t, map[string]any{"code": "304", "message": "Expired"}, got["response"])
	assert.Nil(t, got["transaction"].(map[string]any)["url"], "no page to send the shopper to any more")
}

// A request whose reference.idempotent another request is still
// processing gets 409 (Tap's likely answer, UNCONFIRMED); once the first is
// done, the key returns its charge.
func TestTapIdempotencyConflict(t *testing.T) {
	s := startServer(t, Options{})
	require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpCreatePayment, Delay: 300 * time.Millisecond}))
	req := tapChargeReq("")
	req["reference"] = map[string]any{"transaction": "ORD-1", "order": "ORD-1", "idempotent": "k-slow"}

	done := make(chan apiResp)
	go func() { done <- send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), req) }()
	require.Eventually(t, func() bool {
		return s.core.KeyInFlight("charge\x00k-slow")
	}, 2*time.Second, time.Millisecond, "the slow request holds its key")

	conflict := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), req)
	assert.Equal(t, http.StatusConflict, conflict.status)
	assert.JSONEq(t, `{"errors":[{"code":"409","description":"Conflict with another request being processed"}]}`, string(conflict.body))
	slow := <-done
	require.Equal(t, http.StatusOK, slow.status)
	replay := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), req)
	assert.Equal(t, slow.object(t)["id"], replay.object(t)["id"])
	assert.Len(t, s.Payments(), 1)
}
