package providers

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/qpay-go/qpay"
)

// ErrUnknownMerchant is returned (wrapped) for a merchant the Registry does
// not hold.
// It is a qpay.KindNotFound, so a qpay.WebhookHandler answers 404 for it.
var ErrUnknownMerchant = fmt.Errorf("providers: unknown merchant (%w)", qpay.KindNotFound)

// Registry maps merchant IDs to their Providers, for services that take
// payments for several merchants, each with its own keys and perhaps its own
// provider. It is safe for concurrent use. Replacing a merchant's entry
// affects calls that start afterwards; calls already running finish with
// the Provider they started with.
//
// Configure stamps the merchant ID on everything the merchant's Provider
// returns (Config.Account), which keeps merchants apart in a shared store.
//
// Replacing a merchant's configuration does not carry its payments over:
// after a switch from Tap to Checkout, or a rotation of Tap's secret key
// (which also signs Tap's webhooks), webhooks for payments made under the
// old configuration no longer verify, and GetPayment or Refund of their IDs
// go to the new one. Until those payments are settled, keep the old
// configuration reachable under its own merchant ID (and route its
// webhooks there), or rotate keys only when nothing is in flight.
type Registry struct {
	mu sync.RWMutex
	m  map[string]qpay.Provider
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{m: make(map[string]qpay.Provider)} }

// Configure opens cfg and makes it merchantID's Provider, replacing any
// earlier one. On error the earlier Provider stays in place.
func (r *Registry) Configure(merchantID string, cfg Config) error {
	if merchantID == "" {
		return errors.New("providers: empty merchant ID")
	}
	if cfg.Account == "" {
		// Every Payment and WebhookEvent of this merchant carries its ID,
		// so that a store shared by all merchants keeps them apart.
		cfg.Account = merchantID
	}
	p, err := Open(cfg)
	if err != nil {
		return fmt.Errorf("providers: merchant %q: %w", merchantID, err)
	}
	r.Put(merchantID, p)
	return nil
}

// Put makes p merchantID's Provider, e.g. a qpaytest.Fake in tests.
func (r *Registry) Put(merchantID string, p qpay.Provider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[merchantID] = p
}

// Remove forgets merchantID.
func (r *Registry) Remove(merchantID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, merchantID)
}

// Get returns merchantID's Provider, or an error wrapping ErrUnknownMerchant.
func (r *Registry) Get(merchantID string) (qpay.Provider, error) {
	r.mu.RLock()
	p, ok := r.m[merchantID]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownMerchant, merchantID)
	}
	return p, nil
}

// Merchants returns the merchant IDs held, sorted.
func (r *Registry) Merchants() []string {
	r.mu.RLock()
	ids := make([]string, 0, len(r.m))
	for id := range r.m {
		ids = append(ids, id)
	}
	r.mu.RUnlock()
	sort.Strings(ids)
	return ids
}

// Resolver returns a function for qpay.WebhookHandler.Provider that picks
// the merchant's Provider by the ID merchantOf finds in the request, e.g.
// r.PathValue("merchant") for a route "POST /webhooks/{merchant}".
func (r *Registry) Resolver(merchantOf func(*http.Request) string) func(*http.Request) (qpay.Provider, error) {
	return func(req *http.Request) (qpay.Provider, error) {
		return r.Get(merchantOf(req))
	}
}
