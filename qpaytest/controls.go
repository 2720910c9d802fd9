package qpaytest

import (
	"context"
	"net/http"
	"net/url"

	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// View is a payment as the simulator holds it: its provider and ID (and
// Checkout's SessionID), Status (the simulator's own view, refunds
// included: a Tap charge that was partly refunded is PartiallyRefunded
// here while Tap itself keeps reporting CAPTURED), RawStatus, Code and
// Message as the provider reports them, the amounts, the URLs
// (ReturnURL, FailureURL, WebhookURL, PageURL), the idempotency key, the
// metadata as sent, the times and the Refunds (oldest first). Its fields
// are documented on the type it names.
type View = sim.View

// RefundView is a refund as the simulator holds it: ID, Status, RawStatus
// (Tap's status; for Checkout "Pending", "Approved" or "Declined"),
// Amount, Reference and Created.
type RefundView = sim.RefundView

// Call is one API request as the simulator received it (Provider, Op,
// Method, Path, Header, Body and the Status answered), for tests that
// check what an adapter sent. The Authorization header keeps its scheme
// but not its key.
type Call = sim.Call

// Card is the QPay (NAPS debit) card a shopper types in the QPay form, on
// the direct QPay page or a hosted page's QPay form, paid with Pay. A card
// in a hosted page's card form is a HostedCard, paid with PayHostedCard.
type Card struct {
	Number string // 12 to 19 digits; spaces and dashes are ignored
	Expiry string // MM/YY
	PIN    string // 4 digits
	OTP    string // the one-time password, 4 to 8 digits
}

// The documented test cards (see the package documentation).
const (
	TestCardNumber    = sim.TestCardNumber    // Tap's NAPS/QPay test card: captured
	DeclineCardNumber = sim.DeclineCardNumber // declined, insufficient funds
	FailedOTP         = sim.FailedOTP         // declined, authentication failed
)

// TestCard is Tap's documented NAPS/QPay test card with an expiry far in the
// future (Tap's own, 12/25, has passed): paying with it captures the
// payment, unless a magic amount or a control says otherwise.
var TestCard = Card(sim.TestCard)

// DeclineCard is declined for insufficient funds.
var DeclineCard = Card(sim.DeclineCard)

// ErrNotPending is returned by Pay and Cancel for a page whose payment is
// already finished (paid, declined, canceled or expired).
var ErrNotPending = sim.ErrNotPending

// Lookup returns a payment by its chg_, pay_ or sid_ ID. It applies expiry
// first, like any access.
func (s *Server) Lookup(id string) (View, error) { return s.core.Lookup(id) }

// Payments returns every payment of both providers, oldest first.
func (s *Server) Payments() []View { return s.core.Payments() }

// Settle finishes a pending payment as the shopper would on its page, with
// the same webhooks: to is status.Captured (paid with TestCard, whatever
// the amount), status.Failed (declined, insufficient funds),
// status.Canceled or status.Expired. The shopper is not redirected.
func (s *Server) Settle(id string, to status.Status) error { return s.core.Settle(id, to) }

// Expire lapses a pending payment's page now: Tap reports ABANDONED (and,
// as Tap, sends no webhook), Checkout reports Expired and sends
// payment_expired.
func (s *Server) Expire(id string) error { return s.core.Expire(id) }

// ForceDecline makes paying the pending payment id fail, whatever the card
// (Tap DECLINED 507 "Declined, Card Issuer", Checkout Declined).
func (s *Server) ForceDecline(id string) error { return s.core.ForceDecline(id) }

// DeclineNext makes the next payment created, with either provider, fail
// when paid, as ForceDecline does.
func (s *Server) DeclineNext() { s.core.DeclineNext() }

// Requests counts the API requests received for provider and op, including
// those that failed (authentication, validation, faults).
func (s *Server) Requests(provider, op string) int { return s.core.Requests(provider, op) }

// Calls returns the API requests received for provider and op, oldest
// first, for tests that check what an adapter sent.
func (s *Server) Calls(provider, op string) []Call { return s.core.Calls(provider, op) }

// Pay plays the shopper the way a browser does, over real HTTP: it opens
// redirectURL (a payment's RedirectURL), reads the form, fills in card c
// and presses Pay. It does not follow the provider's 303 but returns its
// Location: the merchant's return URL with tap_id (Tap) or cko-session-id
// (Checkout) added. The webhooks have been delivered when it returns. The
// URL is nil when the payment has no return URL (a Checkout payment made
// without success_url). A card the page refuses (a malformed number,
// expiry, PIN or OTP) is an error and changes nothing.
func (s *Server) Pay(ctx context.Context, redirectURL string, c Card) (*url.URL, error) {
	return s.core.Pay(ctx, redirectURL, sim.Card(c))
}

// Cancel plays the shopper pressing Cancel on the payment page; otherwise
// it works as Pay.
func (s *Server) Cancel(ctx context.Context, redirectURL string) (*url.URL, error) {
	return s.core.Cancel(ctx, redirectURL)
}

// Fault makes the simulator misbehave for the next matching requests:
// Provider and Op choose the requests (Op is OpCreatePayment,
// OpGetPayment, OpRefund, OpListRefunds or OpGetRefund, Tap only), Times
// how many (0 means 1), and the effects are Status (with RetryAfter and
// Body), Delay, ResetBeforeRead, ResetAfterAction and Misreport, each
// documented on the type it names. Faults are consumed in the order they
// were injected; a request takes the first one that matches.
type Fault = sim.Fault

// Inject adds a fault. It fails for a provider or operation the simulator
// does not serve, a fault with no effect, or contradictory effects.
func (s *Server) Inject(f Fault) error { return s.core.Inject(f) }

// Delivery is one webhook the simulator sent (or tried to send): Provider,
// Event (Checkout's event type, or for Tap the object and its status such
// as "charge CAPTURED"), URL, the Header and Body of the last attempt, the
// receiver's Status, Attempts and the last network error Err.
type Delivery = sim.Delivery

// Deliveries returns every webhook sent so far, oldest first.
func (s *Server) Deliveries() []Delivery { return s.core.Deliveries() }

// Webhook builds, without sending it, the correctly signed webhook that
// reports the current state of a payment (chg_, pay_ or sid_ ID) or of a
// refund (re_ or act_ ID), as its provider would deliver it: Tap's charge
// or refund object with a hashstring header, or Checkout's event with a
// Cko-Signature header. It works for any state, including those for which
// Tap sends nothing (INITIATED, ABANDONED), so that tests can replay them.
func (s *Server) Webhook(id string) (http.Header, []byte, error) { return s.core.Webhook(id) }
