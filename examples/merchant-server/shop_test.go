package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/store"
)

func newTestShop(t *testing.T) (*qpaytest.Server, *httptest.Server) {
	t.Helper()
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	shop := &Shop{Merchant: providers.NewRegistry(), Store: store.NewMemory()}
	ts := httptest.NewServer(shop.Handler())
	t.Cleanup(ts.Close)
	shop.BaseURL = ts.URL
	require.NoError(t, configureSimulated(shop, sim))
	return sim, ts
}

// browser is the shopper's browser, which the test drives one hop at a time.
var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := browser.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestShopperBuysPaysAndReturns(t *testing.T) {
	for _, tt := range []struct {
		merchant string
		card     qpaytest.Card
		page     string
		order    string
	}{
		{"shop-tap", qpaytest.TestCard, "Thank you! Order ORD-10001 is paid (QAR 79.10).", "captured"},
		{"shop-checkout", qpaytest.TestCard, "Thank you! Order ORD-10001 is paid (QAR 79.10).", "captured"},
		{"shop-bank", qpaytest.TestCard, "Thank you! Order ORD-10001 is paid (QAR 79.10).", "captured"},
		{"shop-tap", qpaytest.DeclineCard, "did not go through (failed). Nothing was charged.", "failed"},
		{"shop-checkout", qpaytest.DeclineCard, "did not go through (failed). Nothing was charged.", "failed"},
		{"shop-bank", qpaytest.DeclineCard, "did not go through (failed). Nothing was charged.", "failed"},
	} {
		t.Run(tt.merchant+"/"+tt.order, func(t *testing.T) {
			sim, shop := newTestShop(t)
			code, home := get(t, shop.URL+"/")
			require.Equal(t, http.StatusOK, code)
			assert.Contains(t, home, `action="/buy/`+tt.merchant+`"`)

			resp, err := browser.Post(shop.URL+"/buy/"+tt.merchant, "", nil)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			page := resp.Header.Get("Location")
			assert.True(t, strings.HasPrefix(page, sim.URL()+"/pay/"), "redirected to the QPay page, got %s", page)

			back, err := sim.Pay(context.Background(), page, tt.card)
			require.NoError(t, err)
			code, body := get(t, back.String())
			assert.Equal(t, http.StatusOK, code)
			assert.Contains(t, body, tt.page)

			_, orders := get(t, shop.URL+"/orders")
			assert.Contains(t, orders, "ORD-10001\t"+tt.merchant)
			assert.Contains(t, orders, "\t"+tt.order+"\n", "the webhook moved the order")
		})
	}
}

func TestForgedReturnIsNotBelieved(t *testing.T) {
	_, shop := newTestShop(t)
	code, body := get(t, shop.URL+"/return/shop-tap?tap_id=chg_forgedforgedforgedforged00")
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "could not confirm")
	code, _ = get(t, shop.URL+"/return/shop-tap?tap_id=../../x")
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = get(t, shop.URL+"/return/nobody")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestWebhookOfUnknownMerchantOrBadSignatureIsRefused(t *testing.T) {
	_, shop := newTestShop(t)
	resp, err := http.Post(shop.URL+"/webhooks/nobody", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = http.Post(shop.URL+"/webhooks/shop-tap", "application/json", strings.NewReader(`{"id":"chg_1"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
