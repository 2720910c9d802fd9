package checkout

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/transport"
)

// errorCodes classifies the Checkout error codes whose meaning is sharper
// than their HTTP status (Checkout answers them all with 422), and says
// what they mean for a QPay merchant.
var errorCodes = map[string]struct {
	kind    qpay.Kind
	explain string
}{
	// Checkout's sandbox answers this for every QPay payment, live accounts
	// until the account manager enables QPay.
	"payee_not_onboarded":           {qpay.KindPermission, "QPay is not enabled for this Checkout.com account"},
	"amount_exceeds_balance":        {qpay.KindDeclined, "the refund exceeds what is left of the payment"},
	"refund_amount_exceeds_balance": {qpay.KindDeclined, "the refund exceeds what is left of the payment"},
}

// errorMessages explain the statuses Checkout answers with no body.
var errorMessages = map[int]string{
	http.StatusUnauthorized: "the secret key was refused (wrong key, or a key of the other environment)",
	http.StatusForbidden:    "not allowed for this payment or account (e.g. refund not allowed)",
	http.StatusNotFound:     "no such payment",
	http.StatusConflict:     "another request with the same idempotency key is still being processed",
}

// decodeError reads a failed answer. Checkout's error body, when there is
// one, is a ValidationError {request_id, error_type, error_codes}; 401, 403
// and 404 have none, 5xx may have anything (an HTML page from a proxy).
// Every field is read on its own, so a JSON body of another shape loses
// only the fields that do not fit, and a body that is not JSON (HTML,
// truncated) leaves the status to speak: nothing here can fail. The
// transport keeps the body itself and prefers the Cko-Request-Id header to
// the body's request_id.
// UNCONFIRMED: the body of a 409 idempotency conflict; it is read the same
// way and classified by its status.
//
// Every 409 is an in-flight idempotency conflict: Checkout documents 409 on
// the endpoints qpay calls for that alone ("Conflict with another request
// being processed"); the other 409 of its API, a webhook URL that already
// exists, belongs to POST /webhooks, which qpay never calls. The transport
// then waits it out with the same key.
func decodeError(code int, _ http.Header, body []byte) transport.ErrorDetails {
	d := transport.ErrorDetails{InFlight: code == http.StatusConflict}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		var codes []string
		_ = json.Unmarshal(fields["error_codes"], &codes)
		_ = json.Unmarshal(fields["error_type"], &d.Message)
		_ = json.Unmarshal(fields["request_id"], &d.RequestID)
		d.Code = strings.Join(codes, ",")
		for _, c := range codes {
			if e, ok := errorCodes[c]; ok {
				d.Kind = e.kind
				d.Message = strings.TrimPrefix(d.Message+": "+e.explain, ": ")
				break
			}
		}
	}
	if d.Message == "" {
		d.Message = errorMessages[code]
	}
	return d
}
