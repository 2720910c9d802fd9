package sim

import (
	"net/http"

	"github.com/qpay-go/qpay"
)

// The operations a route's endpoints perform, as Fault.Op and Call.Op name
// them. The first three are qpay's own operation names; OpListRefunds is
// what an adapter reads back before resending a refund (Tap's refund list,
// Checkout's payment actions), OpGetRefund reads one refund.
const (
	OpCreatePayment = qpay.OpCreatePayment
	OpGetPayment    = qpay.OpGetPayment
	OpRefund        = qpay.OpRefund
	OpListRefunds   = "list_refunds"
	OpGetRefund     = "get_refund"
)

// Route is one route to QPay as the simulator speaks it: one provider's
// front end (its endpoints, wire JSON, idempotency rules, IDs and webhook
// signing) over the Core. A Route is registered once, with New; the Core
// calls it back for what only the provider knows. Every method but Name
// and Mount is called with the Core's lock held (see Core.Lock), so a
// Route reads and changes its own state there without a lock of its own.
type Route interface {
	// Name is the provider's name ("tap", "checkout"), as in Fault.Provider,
	// Call.Provider, Delivery.Provider and View.Provider.
	Name() string
	// Mount attaches the route to c and returns its endpoints, under a
	// path prefix of its own. The Core wraps each with what every request
	// goes through (counting, faults, authentication, reading the body,
	// header idempotency keys), and the operations they name are the
	// ones a Fault may target on this route. It is called once, from New.
	Mount(c *Core) []Endpoint

	Wire
	Lifecycle
}

// Wire is what the Core's request pipeline asks a route about
// its HTTP dialect.
type Wire interface {
	// Authenticate checks a request's credentials; when they fail it
	// returns the provider's answer and false.
	Authenticate(r *http.Request) (Reply, bool)
	// IdempotencyKey is the idempotency key a request to op carries
	// (Checkout's Cko-Idempotency-Key header, Tap's reference.idempotent in
	// the body), scoped as the provider scopes it; "" when it carries none.
	// While a request with the key is processed, the Core answers another
	// with the key ErrorReply(op, 409). replay says whether the Core also
	// replays the 2xx answered under the key for IdempotencyWindow
	// (Checkout's rule) or the route's endpoints answer a repeated key
	// themselves (Tap returns the object as it is now).
	IdempotencyKey(op string, r *http.Request, body []byte) (key string, replay bool)
	// BadBody is the answer to a body that cannot be read or is too large.
	BadBody(msg string) Reply
	// ErrorReply is the provider's documented answer for an HTTP error
	// status, or the closest to it: what a Fault's Status answers.
	ErrorReply(op string, status int) Reply
	// Misreport rewrites a successful answer to op so that it contradicts
	// its request; a body it cannot read comes back unchanged.
	Misreport(op string, body []byte) []byte
	// Decorate adds what every answer of the route carries (Checkout's
	// Cko-Request-Id).
	Decorate(h http.Header)
}

// Lifecycle is what the Core asks a route about a payment of its own: how
// the provider reports and notifies each state, and what the page shows.
type Lifecycle interface {
	// Finished is told that p has just left Pending (p.Result is set), so
	// that the route records what the provider assigns at that moment
	// (gateway references, a capture action).
	Finished(p *Payment)
	// PaymentNotice is the webhook reporting p's current state, signed for
	// each attempt, and whether the provider delivers it at all (Tap sends
	// nothing for INITIATED or ABANDONED, but Core.Webhook still builds
	// it).
	PaymentNotice(p *Payment) (Notice, error)
	// RefundNotice is the same for a refund.
	RefundNotice(r *Refund) (Notice, error)
	// Describe fills in what only the provider knows about p in v: the raw
	// status, code and message, the refunds' raw statuses, and the route's
	// own fields (SessionID, FailureURL, WebhookURL).
	Describe(p *Payment, v *View)
	// Page is what the payment page says about p and where the shopper is
	// sent back to once it is finished ("" for nowhere).
	Page(p *Payment) Page
}

// Endpoint is one of a route's API endpoints.
type Endpoint struct {
	Pattern string // a net/http.ServeMux pattern, e.g. "GET /tap/v2/charges/{id}"
	Op      string // OpCreatePayment...
	Handler Handler
}

// Page is a route's part of the payment page: data and proper nouns, no
// words (the Core has those, in every language it shows).
type Page struct {
	// Merchant is the merchant's name, when the route knows it; ""
	// shows Options.MerchantName, or "Test merchant" in the page's
	// language.
	Merchant  string
	Provider  string // the provider's name, shown as "via <Provider>": "Tap Payments"
	Reference string // the order reference shown to the shopper
	Return    string // the return URL with the provider's query added, "" for none
	// Language is the page language the merchant asked for ("en", "ar";
	// Checkout's source.language), "" when the route has no such field:
	// the page then follows ?lang= or the browser's Accept-Language.
	Language string
}
