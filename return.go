package qpay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ReturnReader is implemented by Providers that know how their provider
// marks the shopper's return to the merchant's site: Tap adds
// tap_id=chg_..., Checkout adds cko-session-id=sid_... . Every Provider in
// this module implements it.
type ReturnReader interface {
	// ReturnID returns the payment or session ID the provider added to the
	// return URL's query, or an *Error of kind KindInvalidRequest when it is
	// missing, malformed or another provider's.
	ReturnID(query url.Values) (string, error)
}

// PaymentFromReturn handles the shopper's return: it takes the incoming
// request on the merchant's return URL, finds the ID the provider added to
// it, and reads the payment back with GetPayment. The query itself is never
// trusted (anyone can type a URL): only the provider's answer says whether
// the payment was captured.
//
// A missing, malformed or foreign ID is an *Error of kind
// KindInvalidRequest, and nothing is asked of the provider.
func PaymentFromReturn(ctx context.Context, p Provider, r *http.Request) (*Payment, error) {
	rr, ok := p.(ReturnReader)
	if !ok {
		return nil, &Error{Provider: p.Name(), Op: OpGetPayment, Kind: KindUnsupported,
			Message: fmt.Sprintf("provider %s does not say how it marks the shopper's return", p.Name())}
	}
	id, err := rr.ReturnID(r.URL.Query())
	if err != nil {
		return nil, err
	}
	return p.GetPayment(ctx, id)
}

// ReturnIDFrom is the shared reading of a return query for ReturnReader
// implementations: the single value of param, which must start with prefix
// and be a valid ID.
func ReturnIDFrom(provider string, query url.Values, param, prefix string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &Error{Provider: provider, Op: OpGetPayment, Kind: KindInvalidRequest,
			Message: "shopper return: " + fmt.Sprintf(format, args...)}
	}
	values := query[param]
	switch {
	case len(values) == 0:
		return fail("no %s in the return URL's query (is this %s's return?)", param, provider)
	case len(values) > 1:
		return fail("%s appears %d times in the return URL's query", param, len(values))
	}
	id := values[0]
	if err := ValidateID(id); err != nil {
		return fail("%s %v", param, err)
	}
	if !strings.HasPrefix(id, prefix) {
		return fail("%s %.40q is not a %s... ID", param, id, prefix)
	}
	return id, nil
}
