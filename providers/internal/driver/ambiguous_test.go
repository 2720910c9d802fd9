package driver

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// A CreatePayment that failed without a clear answer may have made a
// payment. With the call's own key a retry is a new call, a new key and a
// second payment, so such a failure is not retryable and says to look the
// payment up by reference; with the caller's key the retry replays the
// first attempt, so the kind's own retryability stands. A clear refusal is
// left alone either way.
func TestCreateAmbiguousFailureIsRetryableOnlyWithTheCallersKey(t *testing.T) {
	cases := []struct {
		name      string
		err       error
		ambiguous bool
	}{
		{"no answer", &qpay.Error{Kind: qpay.KindNetwork, Retryable: true, Message: "connection reset"}, true},
		{"5xx", &qpay.Error{Kind: qpay.KindUnavailable, HTTPStatus: 502, Retryable: true, Message: "bad gateway"}, true},
		{"409 in flight", &qpay.Error{Kind: qpay.KindConflict, HTTPStatus: 409, Retryable: true, Message: "still in flight"}, true},
		{"429 after retries", &qpay.Error{Kind: qpay.KindRateLimited, HTTPStatus: 429, Retryable: true, Message: "slow down"}, true},
		{"context ended", fmt.Errorf("sending: %w", context.DeadlineExceeded), true},
		{"400 refused", &qpay.Error{Kind: qpay.KindInvalidRequest, HTTPStatus: 400, Message: "bad phone"}, false},
		{"401 refused", &qpay.Error{Kind: qpay.KindAuthentication, HTTPStatus: 401, Message: "bad key"}, false},
	}
	for _, tc := range cases {
		for _, callerKey := range []string{"", "order-17-attempt-1"} {
			t.Run(fmt.Sprintf("%s/caller key %q", tc.name, callerKey), func(t *testing.T) {
				d := &stub{err: cloneErr(tc.err)}
				req := qpay.PaymentRequest{Amount: qar("10"), Reference: "order-17", ReturnURL: "https://shop.example/back",
					Customer: qpay.Customer{Name: "A B", Email: "a@example.qa"}, IdempotencyKey: callerKey}
				_, err := Wrap(d, Options{}).CreatePayment(context.Background(), req)
				var e *qpay.Error
				require.ErrorAs(t, err, &e)
				if tc.ambiguous && callerKey == "" {
					assert.False(t, e.Retryable, "a new call would send a new key")
					assert.Contains(t, e.Message, "find it by its reference first")
					assert.Contains(t, e.Message, "PaymentRequest.IdempotencyKey")
					return
				}
				var orig *qpay.Error
				wantRetryable := false
				if asErr(tc.err, &orig) {
					wantRetryable = orig.Retryable
				}
				assert.Equal(t, wantRetryable, e.Retryable)
				assert.NotContains(t, e.Message, "find it by its reference first")
			})
		}
	}
}

func cloneErr(err error) error {
	if e, ok := err.(*qpay.Error); ok {
		c := *e
		return &c
	}
	return err
}

func asErr(err error, target **qpay.Error) bool {
	e, ok := err.(*qpay.Error)
	if ok {
		*target = e
	}
	return ok
}
