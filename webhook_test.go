package qpay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay"
)

// parser is a Provider whose ParseWebhook answers what the test says; the
// other methods are never called by a WebhookHandler.
type parser struct {
	qpay.Provider
	ev  *qpay.WebhookEvent
	err error
}

func (p parser) ParseWebhook(context.Context, http.Header, []byte) (*qpay.WebhookEvent, error) {
	return p.ev, p.err
}

func TestWebhookHandlerAnswers(t *testing.T) {
	ev := &qpay.WebhookEvent{ID: "evt_1", Type: qpay.EventPayment}
	tests := []struct {
		name      string
		method    string
		body      string
		provider  func(*http.Request) (qpay.Provider, error)
		handleErr error
		want      int
		handled   bool
	}{
		{"verified and handled", "POST", `{}`, fixed(parser{ev: ev}), nil, 200, true},
		{"handler failed: deliver again", "POST", `{}`, fixed(parser{ev: ev}), errors.New("db down"), 500, true},
		{"bad signature", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindInvalidSignature}}), nil, 401, false},
		{"malformed body", "POST", `{`, fixed(parser{err: &qpay.Error{Kind: qpay.KindProtocol}}), nil, 400, false},
		{"unsupported event type is acknowledged", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindUnsupported}}), nil, 200, false},
		// Signed, but the read-back that verifies its facts failed in a way
		// a redelivery may not meet: the provider must deliver it again.
		{"read-back: 5xx", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindUnavailable, HTTPStatus: 502, Retryable: true}}), nil, 503, false},
		{"read-back: 429", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindRateLimited, HTTPStatus: 429, Retryable: true}}), nil, 503, false},
		{"read-back: network", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindNetwork, Retryable: true}}), nil, 503, false},
		{"read-back: 409", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindConflict, HTTPStatus: 409, Retryable: true}}), nil, 503, false},
		{"read-back: key refused", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindAuthentication, HTTPStatus: 401, Retryable: true}}), nil, 503, false},
		{"read-back: not permitted", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindPermission, HTTPStatus: 403, Retryable: true}}), nil, 503, false},
		{"read-back: marked retryable", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindUnknown, Retryable: true}}), nil, 503, false},
		{"read-back: wrapped", "POST", `{}`, fixed(parser{err: fmt.Errorf("parsing: %w", &qpay.Error{Kind: qpay.KindNetwork, Retryable: true})}), nil, 503, false},
		// The mark decides, never the kind: the Provider knows whether a
		// later delivery may succeed.
		{"unmarked key refusal", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindAuthentication, HTTPStatus: 401}}), nil, 400, false},
		{"unmarked network kind", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindNetwork}}), nil, 400, false},
		// Genuine, but another merchant's (one platform key): acknowledged,
		// never handled, never delivered again.
		{"another merchant's event is acknowledged", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindForeignAccount}}), nil, 200, false},
		{"read-back contradicts the signature", "POST", `{}`, fixed(parser{err: &qpay.Error{Kind: qpay.KindIntegrity}}), nil, 500, false},
		{"unknown merchant", "POST", `{}`, func(*http.Request) (qpay.Provider, error) {
			return nil, fmt.Errorf("no such merchant: %w", qpay.KindNotFound)
		}, nil, 404, false},
		{"merchant lookup failed", "POST", `{}`, func(*http.Request) (qpay.Provider, error) { return nil, errors.New("config db down") }, nil, 503, false},
		{"not a POST", "GET", ``, fixed(parser{ev: ev}), nil, 405, false},
		{"body over the limit", "POST", strings.Repeat("x", 2048), fixed(parser{ev: ev}), nil, 413, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handled := false
			h := &qpay.WebhookHandler{
				Provider:     tt.provider,
				Handle:       func(context.Context, *qpay.WebhookEvent) error { handled = true; return tt.handleErr },
				MaxBodyBytes: 1024,
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/webhooks/tap", strings.NewReader(tt.body)))
			assert.Equal(t, tt.want, rec.Code, rec.Body.String())
			assert.Equal(t, tt.handled, handled)
			assert.NotContains(t, rec.Body.String(), "db down", "failure details stay in the log")
		})
	}
}

func fixed(p qpay.Provider) func(*http.Request) (qpay.Provider, error) {
	return func(*http.Request) (qpay.Provider, error) { return p, nil }
}
