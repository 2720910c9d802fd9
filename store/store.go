package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// ErrNotCaptured is wrapped by Result.NotCounted: a succeeded refund whose
// amount is not counted on its payment, because the payment's capture is
// not established (it is not stored, or not stored as captured or later).
// A refund never establishes a capture; the refund is kept and counted
// once the capture is stored (Track of a captured GetPayment answer, or a
// payment event). For a payment stored as failed, canceled or expired,
// which no capture can follow, NotCounted also wraps status.ErrIllegal:
// worth an alert.
var ErrNotCaptured = errors.New("store: the refund is not counted, its payment's capture is not established")

// ErrNotFound is returned, wrapped in an *qpay.Error of kind
// qpay.KindNotFound, when no payment is stored under the given key (account,
// provider and ID). Both
// errors.Is(err, store.ErrNotFound) and errors.Is(err, qpay.KindNotFound)
// hold.
var ErrNotFound = errors.New("store: not found")

// The operations named in the Op field of the *qpay.Error values a Store
// returns.
const (
	OpTrack   = "store_track"
	OpProcess = "store_process"
	OpPayment = "store_payment"
)

// Store de-duplicates webhook events and keeps the payment state they build
// up. Implementations are safe for concurrent use, by goroutines and, for
// a shared database, by several processes. See the package documentation
// for the guarantees.
//
// Every row is keyed by merchant account, provider and the provider's ID:
// the payment or event of one account is never the payment or event of
// another, whatever their IDs. The account is the one the Provider stamped
// (qpay.Payment.Account, qpay.WebhookEvent.Account); "" is the account of
// a single-merchant setup.
type Store interface {
	// Track records a payment the merchant just created (CreatePayment's
	// answer) or read back (GetPayment's answer), under p.Account, so that
	// later events of that account are checked against its amount and
	// currency. It is idempotent, and it
	// moves a stored payment's status only forward: tracking a "pending"
	// answer after a "captured" webhook changes nothing. A payment with
	// another amount or currency than the stored one is an *qpay.Error of
	// kind qpay.KindIntegrity. p.Refunded is not used: refunds are counted
	// from refund events, each once, and a provider's running total could
	// not be told apart from them without counting some twice.
	Track(ctx context.Context, p *qpay.Payment) error

	// Process records ev (as returned by Provider.ParseWebhook, which has
	// verified it) and applies it to the payment stored under ev.Account
	// through the state machine, then calls fn with the Result, all in one
	// transaction. An event never touches another account's rows, so a
	// merchant's key cannot move another merchant's payment, nor have its
	// events taken for duplicates. If fn
	// returns an error, or the transaction fails, nothing is recorded, so
	// the provider's redelivery is processed again; fn's error is returned
	// as it is. An event ID already processed returns
	// Result{Duplicate: true} without calling fn. Concurrent calls for the
	// same event ID, from any replica, run fn at most once per successful
	// commit. fn may be nil.
	//
	// Errors: an event that contradicts the stored payment, or whose
	// payment or refund names another account than the event, is an
	// *qpay.Error of kind qpay.KindIntegrity (nothing recorded, fn not
	// called); a malformed event is qpay.KindInvalidRequest; a failing
	// backend is qpay.KindUnavailable or qpay.KindNetwork (both retryable:
	// answer the provider with an error so that it delivers again), and a
	// context that ended is qpay.KindCanceled.
	Process(ctx context.Context, ev *qpay.WebhookEvent, fn func(ctx context.Context, r Result) error) (Result, error)

	// Payment returns the stored state of the payment id of provider in
	// account ("" for a single merchant), or an error wrapping ErrNotFound.
	Payment(ctx context.Context, account, provider, id string) (*Payment, error)
}

// Payment is a payment as the store knows it.
type Payment struct {
	Account   string        // the merchant account (qpay.Payment.Account); "" for a single merchant
	Provider  string        // "tap" or "checkout"
	ID        string        // the provider's payment ID
	Status    status.Status // moved only forward, by the state machine
	RawStatus string        // the provider's word that set Status
	Amount    money.Money   // the amount every event is checked against
	// Refunded is the sum of the payment's refunds that succeeded, in the
	// payment's currency (zero when none did). Each refund counts once.
	Refunded  money.Money
	Reference string    // the merchant's reference, when a report carried one
	UpdatedAt time.Time // when the store last changed the payment
	// Method is how the shopper paid, from the first report that said
	// (qpay.Payment.Method); a later report of another method than QPay
	// replaces QPay, never the reverse, so a mismatch once reported is
	// never hidden. The zero Method while no report said.
	Method qpay.Method
	// RequireQPay is whether the payment was made with
	// PaymentRequest.RequireQPay; once a report says so it stays true.
	RequireQPay bool
}

// MethodError mirrors qpay.Payment.MethodError for the stored payment:
// an *qpay.Error of kind qpay.KindMethodMismatch when QPay was required and
// the shopper paid by another method, nil otherwise (QPay used or not
// required, or the method not known yet). Fulfilment checks it on every
// Result.Payment, from a webhook or from the reconciler: a card payment on
// a RequireQPay hosted page is Captured, and still not what the merchant
// accepts. The merchant decides to refund it or to accept it.
func (p *Payment) MethodError() error {
	if p == nil || !p.RequireQPay || !p.Method.Known() || p.Method.IsQPay() {
		return nil
	}
	return &qpay.Error{Provider: p.Provider, Op: OpPayment, Kind: qpay.KindMethodMismatch,
		Message: fmt.Sprintf("payment %s required QPay but the shopper paid by %s (%s); it is %s", p.ID, p.Method.Type, p.Method.Raw, p.Status)}
}

// Refund is a refund as the store knows it. Stores keep refunds so that a
// refund reported several times (pending, then succeeded, by more than one
// event) is counted once.
type Refund struct {
	Account   string              // as Payment.Account
	Provider  string              // "tap" or "checkout"
	ID        string              // the provider's refund ID
	PaymentID string              // the refunded payment
	Status    status.RefundStatus // moved only forward, by the state machine
	RawStatus string              // the provider's word that set Status
	Amount    money.Money
	Reference string // the merchant's refund reference, when reported
	// Counted reports whether Amount has been added to the payment's
	// Refunded. A succeeded refund stays uncounted only while its payment
	// is not stored.
	Counted   bool
	UpdatedAt time.Time
}

// Result is what Process did with an event. It is handed to the merchant's
// function and returned.
type Result struct {
	// EventID is the event's ID.
	EventID string
	// Duplicate means the event was processed before: the function was not
	// called and nothing changed. The other fields are zero.
	Duplicate bool
	// Applied means the event moved the stored status: the payment's for a
	// payment event, the refund's for a refund event.
	Applied bool
	// Previous and Current are the payment's status before and after the
	// event. Both are status.Unknown for a refund whose payment is not
	// stored.
	Previous, Current status.Status
	// RefundPrevious and RefundCurrent are the refund's status before and
	// after a refund event; both are status.RefundUnknown for payment
	// events.
	RefundPrevious, RefundCurrent status.RefundStatus
	// Ignored says why the event was not applied: it wraps
	// status.ErrStale (old news), status.ErrIllegal (contradicts the stored
	// state: worth an alert) or status.ErrUnchanged (a repeat under another
	// event ID). It is nil when the event was applied.
	Ignored error
	// NotCounted, for a succeeded refund, says why its amount was not
	// added to its payment: it wraps ErrNotCaptured (and status.ErrIllegal
	// for a payment stored as failed, canceled or expired). nil otherwise.
	// Applied and RefundCurrent still say what happened to the refund.
	NotCounted error
	// Payment is the stored payment after the event (a copy), or nil for a
	// refund whose payment is not stored.
	Payment *Payment
}
