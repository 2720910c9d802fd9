package transport

import (
	"context"
	"net/http"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/qpay-go/qpay"
)

// The transport's side of the OpenTelemetry instrumentation
// (internal/telemetry), kept out of transport.go: the hooks there are one
// line each and cost a nil check when telemetry is off.

// attemptStarted is retryablehttp's RequestLogHook, set only when telemetry
// is on; n counts from 0.
func (c *Client) attemptStarted(_ retryablehttp.Logger, r *http.Request, n int) {
	c.tel.AttemptStart(r.Context(), n+1)
}

// observeAttempt reports the attempt checkRetry just judged.
func (c *Client) observeAttempt(ctx context.Context, st *callState, resp *http.Response, err error, retry bool) {
	if c.tel == nil {
		return
	}
	status, kind := 0, ""
	switch {
	case resp != nil:
		status = resp.StatusCode
		if status < 200 || status > 299 {
			kind = KindForStatus(status).String()
		}
	case ctx.Err() != nil:
		kind = qpay.KindCanceled.String()
	case err != nil:
		kind = qpay.KindNetwork.String()
	}
	c.tel.AttemptEnd(ctx, st.attempt, status, kind, retry, st.wait)
}
