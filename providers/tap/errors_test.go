package tap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

func TestTapErrorsAreTyped(t *testing.T) {
	const (
		create = qpay.OpCreatePayment
		get    = qpay.OpGetPayment
		refund = qpay.OpRefund
	)
	tests := []struct {
		name      string
		op        string
		code      int
		body      string
		kind      qpay.Kind
		tapCode   string
		message   string
		attempts  int // requests made: 3 when retried to the end
		retryable bool
	}{
		{"invalid amount", create, 400, `{"errors":[{"code":"1117","description":"Amount is invalid"}]}`,
			qpay.KindInvalidRequest, "1117", "Amount is invalid", 1, false},
		{"several problems at once", create, 400, `{"errors":[{"code":"1110","description":"Redirect URL is missing"},{"code":1130,"description":"First name is required"}]}`,
			qpay.KindInvalidRequest, "1110,1130", "Redirect URL is missing; First name is required", 1, false},
		{"invalid API key", create, 401, `{"errors":[{"code":"2104","description":"Invalid API Key"}]}`,
			qpay.KindAuthentication, "2104", "Invalid API Key", 1, false},
		{"publishable key on a 400", create, 400, `{"errors":[{"code":"2106","description":"Please use the secret key"}]}`,
			qpay.KindAuthentication, "2106", "Please use the secret key", 1, false},
		{"forbidden, no body", create, 403, ``,
			qpay.KindPermission, "", "Forbidden", 1, false},
		{"charge not found", get, 404, string(fixture(t, "error-charge-not-found.json")),
			qpay.KindNotFound, "1144", "Charge not found", 1, false},
		{"charge not found on a 400", get, 400, `{"errors":[{"code":"1144","description":"Charge not found"}]}`,
			qpay.KindNotFound, "1144", "Charge not found", 1, false},
		{"refund exceeds", refund, 400, `{"errors":[{"code":"1161","description":"Requested refund amount exceeds"}]}`,
			qpay.KindDeclined, "1161", "Requested refund amount exceeds", 1, false},
		{"rate limited", create, 429, ``,
			qpay.KindRateLimited, "", "Too Many Requests", 3, true},
		{"server error with an HTML page", get, 500, `<html><body>Internal error</body></html>`,
			qpay.KindUnavailable, "", "Internal Server Error", 3, true},
		{"5xx stays retryable whatever its code", get, 503, `{"errors":[{"code":"2104","description":"Invalid API Key"}]}`,
			qpay.KindUnavailable, "2104", "Invalid API Key", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			var rec recorder
			var err error
			switch tt.op {
			case create:
				tapAPI().Post("^/v2/charges$").Persist().Reply(tt.code).BodyString(tt.body).Map(rec.record)
				_, err = p.CreatePayment(context.Background(), merchantRequest())
			case get:
				tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Persist().Reply(tt.code).BodyString(tt.body).Map(rec.record)
				_, err = p.GetPayment(context.Background(), seedChargeID)
			case refund:
				capturedSeed(t, 1)
				tapAPI().Post("^/v2/refunds/list$").Persist().Reply(200).JSON(refundPage(t, false))
				tapAPI().Post("^/v2/refunds$").Persist().Reply(tt.code).BodyString(tt.body).Map(rec.record)
				_, err = p.Refund(context.Background(), seedRefund())
			}
			e := asError(t, err)
			assert.Equal(t, tt.kind, e.Kind, "%v", err)
			assert.ErrorIs(t, err, tt.kind)
			assert.Equal(t, "tap", e.Provider)
			assert.Equal(t, tt.op, e.Op)
			assert.Equal(t, tt.code, e.HTTPStatus)
			assert.Equal(t, tt.tapCode, e.Code)
			assert.Equal(t, tt.message, e.Message)
			assert.Equal(t, tt.body, string(e.Body), "the body of a failed answer is kept")
			assert.Equal(t, tt.retryable, e.Retryable)
			assert.Equal(t, tt.attempts, rec.count())
		})
	}
}

func TestErrorsNeverShowTheKey(t *testing.T) {
	p := newTestProvider(t)
	echo := fmt.Sprintf(`{"errors":[{"code":"2104","description":"Invalid API Key %s"}]}`, testKey.Reveal())
	tapAPI().Post("^/v2/charges$").Reply(401).BodyString(echo)
	_, err := p.CreatePayment(context.Background(), merchantRequest())
	e := asError(t, err)
	assert.Equal(t, qpay.KindAuthentication, e.Kind)
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", e), e.Message, string(e.Body)} {
		assert.NotContains(t, s, testKey.Reveal())
	}
	assert.Contains(t, string(e.Body), "[REDACTED]")
}

func TestAnswersThatContradictTheRequestAreIntegrityErrors(t *testing.T) {
	req := merchantRequest() // QAR 79.10 for ORD-10045
	echo := map[string]any{"amount": json.Number("79.10"), "currency": "QAR", "reference.transaction": "ORD-10045", "reference.order": "ORD-10045"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range echo {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		sets map[string]any
	}{
		{"another amount", with("amount", json.Number("80.00"))},
		{"another currency", with("currency", "KWD")},
		{"another reference", with("reference.transaction", "ORD-99999")},
	}
	for _, tt := range tests {
		t.Run("create: "+tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			tapAPI().Post("^/v2/charges$").Reply(200).JSON(patch(t, fixture(t, "charge-initiated.json"), tt.sets))
			_, err := p.CreatePayment(context.Background(), req)
			e := asError(t, err)
			assert.Equal(t, qpay.KindIntegrity, e.Kind, "%v", err)
			assert.Equal(t, qpay.OpCreatePayment, e.Op)
		})
	}

	t.Run("the exact amount in another form is no contradiction", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Post("^/v2/charges$").Reply(200).JSON(patch(t, fixture(t, "charge-initiated.json"), with("amount", json.Number("79.1"))))
		_, err := p.CreatePayment(context.Background(), req)
		require.NoError(t, err)
	})

	t.Run("get: another charge", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/charges/chg_asked").Reply(200).JSON(fixture(t, "charge-captured.json"))
		_, err := p.GetPayment(context.Background(), "chg_asked")
		assert.ErrorIs(t, err, qpay.KindIntegrity)
	})

	for name, sets := range map[string]map[string]any{
		"another amount":    {"amount": json.Number("0.60")},
		"another charge":    {"charge_id": "chg_other"},
		"another reference": {"reference.merchant": "rfd_other"},
	} {
		t.Run("refund: "+name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false))
			tapAPI().Post("^/v2/refunds$").Reply(200).JSON(tapRefund(t, sets))
			_, err := p.Refund(context.Background(), seedRefund())
			e := asError(t, err)
			assert.Equal(t, qpay.KindIntegrity, e.Kind, "%v", err)
			assert.Equal(t, qpay.OpRefund, e.Op)
			assert.True(t, gock.IsDone())
			assert.False(t, gock.HasUnmatchedRequest(), "an answer that contradicts the request is not read back or resent")
		})
	}
}

func TestDecodeErrorAcceptsAnyBody(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		kind    qpay.Kind
		code    string
		message string
	}{
		{"empty", 502, "", qpay.KindUnknown, "", ""},
		{"HTML", 400, "<html>Bad gateway</html>", qpay.KindUnknown, "", ""},
		{"truncated", 400, `{"errors":[{"code":"11`, qpay.KindUnknown, "", ""},
		{"errors not a list", 400, `{"errors":"boom"}`, qpay.KindUnknown, "", ""},
		{"JSON null", 400, `null`, qpay.KindUnknown, "", ""},
		{"empty list", 400, `{"errors":[]}`, qpay.KindUnknown, "", ""},
		{"numeric code", 400, `{"errors":[{"code":1144,"description":"Charge not found"}]}`, qpay.KindNotFound, "1144", "Charge not found"},
		{"code without description", 400, `{"errors":[{"code":"1160"}]}`, qpay.KindNotFound, "1160", ""},
		{"unlisted code keeps the status's kind", 400, `{"errors":[{"code":"1125","description":"Source id is invalid"}]}`, qpay.KindUnknown, "1125", "Source id is invalid"},
		{"the first listed code decides", 400, `{"errors":[{"code":"1117"},{"code":"1161"},{"code":"2104"}]}`, qpay.KindDeclined, "1117,1161,2104", ""},
		{"429 stays rate limited", 429, `{"errors":[{"code":"1144","description":"x"}]}`, qpay.KindUnknown, "1144", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decodeError(tt.status, http.Header{}, []byte(tt.body))
			assert.Equal(t, tt.kind, d.Kind)
			assert.Equal(t, tt.code, d.Code)
			assert.Equal(t, tt.message, d.Message)
		})
	}
}
