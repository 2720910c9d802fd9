package qpay_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

func TestSendShopper(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/checkout", nil)

	w := httptest.NewRecorder()
	require.NoError(t, qpay.SendShopper(w, r, &qpay.Payment{RedirectURL: "https://pay.example/p/1", RedirectHTML: "<form></form>"}))
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "https://pay.example/p/1", w.Header().Get("Location"), "a URL wins over a page")

	w = httptest.NewRecorder()
	page := `<form id="redirectTo" method="POST" action="https://qpay.example.qa/pay"></form><script>document.getElementById('redirectTo').submit();</script>`
	require.NoError(t, qpay.SendShopper(w, r, &qpay.Payment{RedirectHTML: page}))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), page)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
	assert.Equal(t, "frame-ancestors 'none'", w.Header().Get("Content-Security-Policy"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))

	for _, p := range []*qpay.Payment{nil, {ID: "pay_1"}} {
		w = httptest.NewRecorder()
		err := qpay.SendShopper(w, r, p)
		assert.ErrorIs(t, err, qpay.KindInvalidRequest)
		assert.Empty(t, w.Body.String(), "nothing is written")
		assert.Equal(t, http.StatusOK, w.Code, "no status was written either")
		assert.Empty(t, w.Header())
	}
}
