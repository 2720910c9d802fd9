package mpgs

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/conformance"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		kind     qpay.Kind // KindUnknown: the HTTP status decides
		code     string
		contains string
	}{
		{"validation", 400, `{"result":"ERROR","error":{"cause":"INVALID_REQUEST","explanation":"Value 'x' is invalid.","field":"order.id","validationType":"INVALID"}}`,
			qpay.KindUnknown, "INVALID_REQUEST", "Value 'x' is invalid. (field order.id)"},
		{"bad credentials come as INVALID_REQUEST under 401", 401, `{"error":{"cause":"INVALID_REQUEST","explanation":"Invalid credentials."},"result":"ERROR"}`,
			qpay.KindUnknown, "INVALID_REQUEST", "Invalid credentials."},
		{"unknown order", 400, `{"result":"ERROR","error":{"cause":"INVALID_REQUEST","explanation":"Unable to find order = ord-1 for merchant TESTQPAY01"}}`,
			qpay.KindNotFound, "INVALID_REQUEST", "Unable to find order"},
		{"rejected", 400, `{"result":"ERROR","error":{"cause":"REQUEST_REJECTED","explanation":"Request rejected"}}`,
			qpay.KindAuthentication, "REQUEST_REJECTED", "Request rejected"},
		{"busy under a 4xx stays retryable", 400, `{"result":"ERROR","error":{"cause":"SERVER_BUSY","explanation":"busy"}}`,
			qpay.KindUnavailable, "SERVER_BUSY", "busy"},
		{"failed", 400, `{"result":"ERROR","error":{"cause":"SERVER_FAILED","explanation":"failed"}}`,
			qpay.KindUnavailable, "SERVER_FAILED", "failed"},
		{"a 5xx is a 5xx whatever its body", 503, `{"result":"ERROR","error":{"cause":"INVALID_REQUEST","explanation":"Unable to find order"}}`,
			qpay.KindUnknown, "INVALID_REQUEST", "Unable to find order"},
		{"html from a proxy", 502, `<html>Bad Gateway</html>`, qpay.KindUnknown, "", ""},
		{"empty", 500, ``, qpay.KindUnknown, "", ""},
		{"another JSON shape", 400, `{"errors":[{"code":"1144"}]}`, qpay.KindUnknown, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeError(tt.status, nil, []byte(tt.body))
			assert.Equal(t, tt.kind, d.Kind)
			assert.Equal(t, tt.code, d.Code)
			assert.Contains(t, d.Message, tt.contains)
		})
	}
}

// Through the whole stack, the status and cause give the Kind a caller
// tests with errors.Is, and the body is kept.
func TestErrorsThroughTheProvider(t *testing.T) {
	tests := []struct {
		code      int
		kind      qpay.Kind
		retryable bool
	}{
		{http.StatusUnauthorized, qpay.KindAuthentication, false},
		{http.StatusBadRequest, qpay.KindInvalidRequest, false},
		{http.StatusNotFound, qpay.KindNotFound, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			b := newGockBackend(t)
			p := b.Provider(t)
			pay, err := p.CreatePayment(context.Background(), conformance.Request("ORD-e", "1.00"))
			require.NoError(t, err)
			b.FailNext(t, conformance.OpGetPayment, tt.code)
			_, err = p.GetPayment(context.Background(), pay.ID)
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind)
			assert.Equal(t, tt.retryable, e.Retryable)
			assert.Equal(t, "mpgs", e.Provider)
			assert.NotEmpty(t, e.Body)
			assert.NotContains(t, err.Error(), testPassword.Reveal())
		})
	}
	t.Run("unknown order", func(t *testing.T) {
		b := newGockBackend(t)
		_, err := b.Provider(t).GetPayment(context.Background(), OrderID(testMerchant, "none", "none"))
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, qpay.KindNotFound, e.Kind)
		assert.Equal(t, http.StatusBadRequest, e.HTTPStatus)
	})
}

// A 2xx answer whose result is ERROR is an error, not a payment.
func TestResultErrorIn2xx(t *testing.T) {
	a, err := newAdapter(testConfig(t))
	require.NoError(t, err)
	record(t, reply{http.MethodGet, http.StatusOK, []byte(`{"result":"ERROR","error":{"cause":"SERVER_BUSY","explanation":"try later"}}`)})
	_, err = a.GetPayment(context.Background(), "qp-1")
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindUnavailable, e.Kind)
	assert.True(t, e.Retryable)
	assert.Equal(t, "SERVER_BUSY", e.Code)
}
