package checkout

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// Every documented failure of Checkout, and the undocumented ones a proxy
// in between produces, comes back as a typed *qpay.Error with its body.
func TestProviderErrorsAreTyped(t *testing.T) {
	const truncated = `{"request_id":"0HL80RJLS76I7","error_type":"request_inv`
	html := "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
	cases := []struct {
		name        string
		op          string
		code        int
		body        string
		header      string // Cko-Request-Id, "" for none
		attempts    int    // requests the call makes
		kind        qpay.Kind
		wantCode    string
		wantMessage string
		wantRID     string
		retryable   bool
		// ambiguous: a create under the call's own key that may have made
		// the payment: not retryable, and the message says what to do.
		ambiguous bool
	}{
		{name: "401 without a body", op: qpay.OpCreatePayment, code: 401, header: "rid-401", attempts: 1,
			kind: qpay.KindAuthentication, wantMessage: "the secret key was refused (wrong key, or a key of the other environment)", wantRID: "rid-401"},
		{name: "401 on a read", op: qpay.OpGetPayment, code: 401, attempts: 1,
			kind: qpay.KindAuthentication, wantMessage: "the secret key was refused (wrong key, or a key of the other environment)"},
		{name: "404 without a body", op: qpay.OpGetPayment, code: 404, header: "rid-404", attempts: 1,
			kind: qpay.KindNotFound, wantMessage: "no such payment", wantRID: "rid-404"},
		{name: "422 validation error", op: qpay.OpCreatePayment, code: 422, header: "rid-422", attempts: 1,
			body: string(fixture(t, "error-422.json")),
			kind: qpay.KindInvalidRequest, wantCode: "payment_source_required", wantMessage: "request_invalid", wantRID: "rid-422"},
		{name: "422 request ID from the body", op: qpay.OpCreatePayment, code: 422, attempts: 1,
			body: string(fixture(t, "error-422.json")),
			kind: qpay.KindInvalidRequest, wantCode: "payment_source_required", wantMessage: "request_invalid", wantRID: "0HL80RJLS76I7"},
		{name: "422 payee not onboarded", op: qpay.OpCreatePayment, code: 422, attempts: 1,
			body: string(fixture(t, "error-422-payee-not-onboarded.json")),
			kind: qpay.KindPermission, wantCode: "payee_not_onboarded",
			wantMessage: "request_invalid: QPay is not enabled for this Checkout.com account", wantRID: "0HMG2QJ7K1T5R:00000001"},
		{name: "422 several codes", op: qpay.OpCreatePayment, code: 422, attempts: 1,
			body: `{"request_id":"r1","error_type":"request_invalid","error_codes":["amount_invalid","currency_invalid"]}`,
			kind: qpay.KindInvalidRequest, wantCode: "amount_invalid,currency_invalid", wantMessage: "request_invalid", wantRID: "r1"},
		{name: "429 retried, then rate limited", op: qpay.OpCreatePayment, code: 429, header: "rid-429", attempts: 3,
			kind: qpay.KindRateLimited, wantMessage: "Too Many Requests", wantRID: "rid-429", ambiguous: true},
		{name: "429 with a validation body", op: qpay.OpGetPayment, code: 429, attempts: 3,
			body: `{"request_id":"r429","error_type":"too_many_requests","error_codes":["api_calls_quota_exceeded"]}`,
			kind: qpay.KindRateLimited, wantCode: "api_calls_quota_exceeded", wantMessage: "too_many_requests", wantRID: "r429", retryable: true},
		{name: "502 HTML from a proxy", op: qpay.OpCreatePayment, code: 502, body: html, header: "rid-502", attempts: 3,
			kind: qpay.KindUnavailable, wantMessage: "Bad Gateway", wantRID: "rid-502", ambiguous: true},
		{name: "500 truncated JSON", op: qpay.OpGetPayment, code: 500, body: truncated, attempts: 3,
			kind: qpay.KindUnavailable, wantMessage: "Internal Server Error", retryable: true},
		{name: "400 truncated JSON", op: qpay.OpCreatePayment, code: 400, body: truncated, header: "rid-400", attempts: 1,
			kind: qpay.KindInvalidRequest, wantMessage: "Bad Request", wantRID: "rid-400"},
		{name: "503 empty", op: qpay.OpGetPayment, code: 503, attempts: 3,
			kind: qpay.KindUnavailable, wantMessage: "Service Unavailable", retryable: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newTestProvider(t, Config{HTTP: qpay.HTTPOptions{MaxAttempts: 3}})
			var rec recorder
			m := gock.New(SandboxBaseURL)
			if c.op == qpay.OpCreatePayment {
				m = m.Post("^/payments$")
			} else {
				m = m.Get("^/payments/" + fixturePaymentID + "$")
			}
			res := m.Times(c.attempts).Reply(c.code).BodyString(c.body).Map(rec.record)
			if c.header != "" {
				res.SetHeader("Cko-Request-Id", c.header)
			}

			var err error
			if c.op == qpay.OpCreatePayment {
				_, err = p.CreatePayment(context.Background(), newPaymentReq())
			} else {
				_, err = p.GetPayment(context.Background(), fixturePaymentID)
			}
			requireGockDone(t)
			assert.Len(t, rec.all(), c.attempts)

			e := requireKind(t, err, c.kind)
			assert.Equal(t, c.op, e.Op)
			assert.Equal(t, c.code, e.HTTPStatus)
			assert.Equal(t, c.wantCode, e.Code)
			if c.ambiguous {
				assert.True(t, strings.HasPrefix(e.Message, c.wantMessage+"; "), e.Message)
				assert.Contains(t, e.Message, "find it by its reference first")
			} else {
				assert.Equal(t, c.wantMessage, e.Message)
			}
			assert.Equal(t, c.wantRID, e.RequestID)
			assert.Equal(t, c.retryable, e.Retryable)
			assert.Equal(t, c.body, string(e.Body), "the body is kept whatever it is")
		})
	}
}

// The decoder reads any body without failing and takes what it can.
func TestDecodeErrorToleratesAnyBody(t *testing.T) {
	cases := []struct {
		name    string
		code    int
		body    string
		kind    qpay.Kind
		errCode string
		message string
		rid     string
		// inFlight: the transport waits the answer out with the same key.
		inFlight bool
	}{
		{name: "empty 401", code: 401, message: errorMessages[401]},
		{name: "empty 403", code: 403, message: errorMessages[403]},
		{name: "empty 409", code: 409, message: errorMessages[409], inFlight: true},
		{name: "409 with a JSON body", code: 409, body: `{"request_id":"0HMF1","error_type":"request_conflict"}`,
			message: "request_conflict", rid: "0HMF1", inFlight: true},
		{name: "null", code: 422, body: "null"},
		{name: "a JSON array", code: 422, body: `["payment_source_required"]`},
		{name: "a JSON string", code: 500, body: `"oops"`},
		{name: "HTML", code: 502, body: "<html><body>Bad Gateway</body></html>"},
		{name: "truncated", code: 422, body: `{"request_id":"0HL8","error_codes":["amount_inv`},
		{name: "another shape", code: 422, body: `{"message":"bad","code":17}`},
		{name: "codes not an array", code: 422, body: `{"request_id":"r","error_type":"request_invalid","error_codes":"amount_invalid"}`,
			message: "request_invalid", rid: "r"},
		{name: "type not a string", code: 422, body: `{"request_id":"r","error_type":7,"error_codes":["amount_invalid"]}`,
			errCode: "amount_invalid", rid: "r"},
		{name: "error object", code: 400, body: `{"request_id":"r2","error_type":"request_malformed"}`,
			message: "request_malformed", rid: "r2"},
		{name: "refund over the balance", code: 422, body: `{"request_id":"r3","error_type":"request_invalid","error_codes":["amount_exceeds_balance"]}`,
			kind: qpay.KindDeclined, errCode: "amount_exceeds_balance", message: "request_invalid: the refund exceeds what is left of the payment", rid: "r3"},
		{name: "payee not onboarded among others", code: 422, body: `{"error_codes":["request_invalid","payee_not_onboarded"]}`,
			kind: qpay.KindPermission, errCode: "request_invalid,payee_not_onboarded", message: "QPay is not enabled for this Checkout.com account"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NotPanics(t, func() {
				got := decodeError(c.code, http.Header{}, []byte(c.body))
				assert.Equal(t, c.kind, got.Kind)
				assert.Equal(t, c.errCode, got.Code)
				assert.Equal(t, c.message, got.Message)
				assert.Equal(t, c.rid, got.RequestID)
				assert.Equal(t, c.inFlight, got.InFlight)
			})
		})
	}
}
