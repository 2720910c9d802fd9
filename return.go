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
//
// What it does not do, and the merchant must:
//   - Tie the payment to the shopper's order. It returns whatever payment
//     the ID names, any order's, any shopper's: compare Payment.Reference
//     with the order held in the shopper's session before showing or
//     fulfilling anything, or use PaymentFromReturnFor, which does.
//   - Bound what the endpoint costs. Every request with a well-formed ID,
//     forged or not, costs one authenticated GetPayment with the
//     merchant's key, uncached: rate-limit the return endpoint (per
//     session or per client address) so that a flood of made-up IDs cannot
//     spend the account's rate limit with the provider.
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

// PaymentFromReturnFor is PaymentFromReturn for the shopper whose order
// has reference: a payment of another reference (a shopper returning with
// an ID that is not their order's, copied or guessed) is an *Error of kind
// KindInvalidRequest, the query being what is wrong, and no payment is
// returned. The provider is still asked once (only its answer says which
// order an ID belongs to), so rate-limit the endpoint all the same.
func PaymentFromReturnFor(ctx context.Context, p Provider, r *http.Request, reference string) (*Payment, error) {
	if reference == "" {
		return nil, &Error{Provider: p.Name(), Op: OpGetPayment, Kind: KindInvalidRequest,
			Message: "shopper return: the order's reference is required"}
	}
	pay, err := PaymentFromReturn(ctx, p, r)
	if err != nil {
		return nil, err
	}
	if pay.Reference != reference {
		return nil, &Error{Provider: p.Name(), Op: OpGetPayment, Kind: KindInvalidRequest,
			Message: fmt.Sprintf("shopper return: payment %s is not this order's (reference %.60q, expected %.60q)", pay.ID, pay.Reference, reference)}
	}
	return pay, nil
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
