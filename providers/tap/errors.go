package tap

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// codeKinds are the Tap error codes whose meaning is more precise than
// their HTTP status (Tap answers 400 for most of them). Codes not listed
// keep the kind of the HTTP status.
var codeKinds = map[string]qpay.Kind{
	"1101": qpay.KindAuthentication, // Secret API Key and Environment are mismatched
	"2104": qpay.KindAuthentication, // Invalid API Key
	"2105": qpay.KindAuthentication, // credentials required
	"2106": qpay.KindAuthentication, // a publishable key was used: "use the secret key"
	"2107": qpay.KindAuthentication, // authorization required
	"1144": qpay.KindNotFound,       // Charge not found
	"1160": qpay.KindNotFound,       // Refund not found
	"1161": qpay.KindDeclined,       // Requested refund amount exceeds
}

// errorBody is Tap's documented error shape:
//
//	{"errors":[{"code":"1144","description":"Charge not found"}]}
type errorBody struct {
	Errors []struct {
		Code        transport.Text `json:"code"`
		Description string         `json:"description"`
	} `json:"errors"`
}

// decodeError is the transport's ErrorDecoder for Tap. It accepts any body:
// an HTML page from a proxy or an empty 502 yields no details, and the
// transport then describes the failure from the HTTP status and keeps the
// body.
func decodeError(status int, _ http.Header, body []byte) transport.ErrorDetails {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return transport.ErrorDetails{InFlight: inFlight(status)}
	}
	var codes, messages []string
	var kind qpay.Kind
	for _, e := range eb.Errors {
		code := strings.TrimSpace(string(e.Code))
		if code != "" {
			codes = append(codes, code)
		}
		if d := strings.TrimSpace(e.Description); d != "" {
			messages = append(messages, d)
		}
		if k, ok := codeKinds[code]; ok && kind == qpay.KindUnknown {
			kind = k
		}
	}
	// A 429 or 5xx stays rate-limited or unavailable, whatever its body
	// says: only those kinds are retried, and a transient failure must not
	// become a permanent one because of a code in its body.
	if status == http.StatusTooManyRequests || status >= 500 {
		kind = qpay.KindUnknown
	}
	return transport.ErrorDetails{
		Kind:     kind,
		Code:     strings.Join(codes, ","),
		Message:  strings.Join(messages, "; "),
		InFlight: inFlight(status),
	}
}

// inFlight is Tap's answer to a request whose reference.idempotent is still
// being processed by an earlier request. UNCONFIRMED: Tap documents the
// 24-hour replay of a completed request but not a concurrent duplicate; its
// status table has "409 conflict with another request", which is the most
// likely answer, as at Checkout, and is what the simulator answers. No other
// 409 is documented for charges or refunds. The transport waits it out with
// the same key until Tap replays the original answer.
func inFlight(status int) bool { return status == http.StatusConflict }
