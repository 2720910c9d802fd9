package mpgs

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// causeKinds classify error.cause (Mastercard's Transaction Errors page).
// INVALID_REQUEST keeps the kind of its HTTP status (400: invalid request;
// the gateway also answers bad credentials with it, under 401).
var causeKinds = map[string]qpay.Kind{
	// "rejected due to security reasons such as firewall rules, expired
	// certificate"
	"REQUEST_REJECTED": qpay.KindAuthentication,
	// "does not have enough resources", "internal system failure": try
	// again later with the same IDs.
	"SERVER_BUSY":   qpay.KindUnavailable,
	"SERVER_FAILED": qpay.KindUnavailable,
}

// notFoundPrefix starts the explanation of a read of an order the gateway
// does not have. Mastercard says not to parse explanations; this one is
// read only to tell "no such order" from other invalid requests, because
// the gateway answers both with INVALID_REQUEST (UNCONFIRMED: it may also
// answer 404, which is not found by its status).
const notFoundPrefix = "Unable to find order"

// decodeError is the transport's ErrorDecoder for the gateway. It accepts
// any body: one that is not the gateway's error shape (an HTML page from a
// proxy, an empty 502) yields no details, and the HTTP status speaks.
func decodeError(code int, _ http.Header, body []byte) transport.ErrorDetails {
	var e errorAnswer
	if json.Unmarshal(body, &e) != nil {
		return transport.ErrorDetails{}
	}
	d := transport.ErrorDetails{
		Code:    strings.TrimSpace(e.Error.Cause),
		Message: strings.TrimSpace(e.Error.Explanation),
	}
	if f := strings.TrimSpace(e.Error.Field); f != "" {
		d.Message = strings.TrimPrefix(d.Message+" (field "+f+")", " ")
	}
	switch {
	case code == http.StatusUnauthorized, code == http.StatusTooManyRequests, code >= 500:
		// The status decides: bad credentials come as INVALID_REQUEST
		// under 401, and a transient failure must stay retryable.
	case strings.HasPrefix(d.Message, notFoundPrefix):
		d.Kind = qpay.KindNotFound
	default:
		d.Kind = causeKinds[d.Code]
	}
	return d
}
