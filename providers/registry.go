package providers

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// ErrUnknownMerchant is returned (wrapped) for a merchant the Registry does
// not hold.
// It is a qpay.KindNotFound, so a qpay.WebhookHandler answers 404 for it.
var ErrUnknownMerchant = fmt.Errorf("providers: unknown merchant (%w)", qpay.KindNotFound)

// DefaultOlderWebhookWindow is how long a configuration a Registry has
// replaced still verifies webhooks, unless OlderWebhookWindow says
// otherwise: Checkout redelivers a failed webhook for about 30 hours (5
// minutes to 12 hours apart), and Tap keeps a refund pending up to 24 hours
// before its webhook, so three days cover the deliveries of what was in
// flight at the switch. Later ones are refused (401); the reconciler reads
// those payments and refunds back through the older configuration, which
// still serves them until Retire.
const DefaultOlderWebhookWindow = 72 * time.Hour

// A RegistryOption tunes a Registry.
type RegistryOption func(*Registry)

// OlderWebhookWindow sets how long a replaced configuration still verifies
// webhooks (DefaultOlderWebhookWindow without this option). Zero or less:
// none once replaced, for a switch away from a leaked key.
func OlderWebhookWindow(d time.Duration) RegistryOption {
	return func(r *Registry) { r.window = max(d, 0) }
}

// MaxOlderConfigs bounds how many older configurations a Registry keeps
// for one merchant. Each webhook that the current configuration does not
// verify is tried against every older one, so the bound also bounds what a
// forged delivery costs.
const MaxOlderConfigs = 4

// Registry maps merchant IDs to their Providers, for services that take
// payments for several merchants, each with its own keys and perhaps its own
// provider. It is safe for concurrent use. Replacing a merchant's entry
// affects calls that start afterwards; calls already running finish with
// the Provider they started with.
//
// Configure stamps the merchant ID on everything the merchant's Provider
// returns (Config.Account), which keeps merchants apart in a shared store.
//
// # Switching provider, rotating keys
//
// A new configuration for a merchant (Tap to Checkout, or a new Tap secret
// key, which also signs Tap's webhooks) becomes the merchant's current one,
// and the one it replaces is kept, as an older configuration of the same
// merchant, for the payments it made that are not final yet. The Provider
// that Get returns then:
//   - creates every new payment with the current configuration;
//   - verifies a webhook with the current configuration and, if its
//     signature does not verify there, with each older one (newest first),
//     but only within a window after it was replaced
//     (DefaultOlderWebhookWindow, or OlderWebhookWindow): its secrets
//     become previous secrets of a key rotation, ending then, in the same
//     keyring that ends every qpay.PreviousSecret, and an event they
//     verify says qpay.SignedByPrevious in its Verification; every
//     configuration of a merchant stamps the same account, so the event
//     settles the rows the payment was tracked under;
//   - sends GetPayment, Refund and the optional calls of a payment (GetRefund)
//     to the configuration whose provider makes IDs of that shape
//     (qpay.PaymentIDOwner: chg_ for Tap, pay_ and sid_ for Checkout),
//     the current one first, and to the next such configuration only when
//     one answers qpay.KindNotFound (two Tap accounts make IDs alike);
//   - reads the shopper's return (qpay.ReturnReader) with the configuration
//     that recognises it, and lists PaymentsByReference across all of them.
//
// Older configurations stay, for the calls above, until Retire drops them:
// call it once the merchant's store holds no payment of an older
// configuration that is still pending or has a refund pending (Tap keeps a
// refund pending up to 24 hours), for example when the reconciler has
// nothing left of them. From then on their payments cannot be read. A key
// replaced because it leaked is another matter: within its window it still
// verifies webhooks, so Retire at once (or Remove and Configure again, or
// use a window of zero) and read the old payments back with the new key
// (the same account sees them) instead of trusting their webhooks. A
// Provider given to Put that is not one of qpay's adapters (a
// qpaytest.Fake, a wrapper) cannot have its keys ended: once replaced, it
// verifies no webhook.
//
// Configuring a merchant again with a configuration it holds already (the
// same provider, keys, account and address) keeps one copy of it, and at
// most MaxOlderConfigs are kept: Configure fails beyond that rather than
// forget payments in flight. All of a merchant's configurations must stamp
// the same account; to move a merchant to another account, Remove it first.
//
// A Registry lives in one process: with several replicas, configure and
// retire on every one. While a switch rolls out, a webhook of a new payment
// that reaches a replica without the new configuration is answered 401 and
// delivered again (both providers retry); Retire only once every replica
// has the new configuration.
type Registry struct {
	window time.Duration    // OlderWebhookWindow
	now    func() time.Time // when a configuration is replaced; tests replace it

	mu sync.RWMutex
	m  map[string]*merchantConfigs
}

// merchantConfigs is one merchant's configurations. It is never changed
// once in the map, so that a Provider handed out keeps its own view.
type merchantConfigs struct {
	current  entry
	older    []entry       // newest first
	provider qpay.Provider // what Get returns, built once
}

// entry is one configuration of a merchant.
type entry struct {
	p       qpay.Provider
	account string     // the stamp (Config.Account); "" when unknown (Put)
	id      string     // a digest of the Config that opened p; "" for Put
	tap     *sharedKey // its Tap keys, for checkSharedKey; nil otherwise
	// webhooks is p with its webhook keys ending at the end of its window,
	// set when p is replaced; nil when p cannot end them.
	webhooks qpay.Provider
}

// NewRegistry returns an empty Registry.
func NewRegistry(opts ...RegistryOption) *Registry {
	r := &Registry{window: DefaultOlderWebhookWindow, now: time.Now, m: make(map[string]*merchantConfigs)}
	for _, o := range opts {
		o(r)
	}
	return r
}

// newMerchantConfigs builds what Get hands out for current and older.
func newMerchantConfigs(current entry, older []entry) *merchantConfigs {
	mc := &merchantConfigs{current: current, older: older, provider: current.p}
	if len(older) > 0 {
		s := &switched{all: []qpay.Provider{current.p}, webhooks: []qpay.Provider{current.p}}
		for _, o := range older {
			s.all = append(s.all, o.p)
			if o.webhooks != nil {
				s.webhooks = append(s.webhooks, o.webhooks)
			}
		}
		mc.provider = s
	}
	return mc
}

// Configure opens cfg and makes it merchantID's current configuration; the
// one it replaces is kept for the payments it made (see Registry). On error
// nothing changes.
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
	return r.put(merchantID, entry{p: p, account: cfg.Account, id: configID(cfg), tap: tapKeys(cfg)})
}

// Put makes p merchantID's current Provider, e.g. a qpaytest.Fake in tests,
// and keeps the one it replaces as Configure does (unless it is p itself).
func (r *Registry) Put(merchantID string, p qpay.Provider) error {
	if merchantID == "" {
		return errors.New("providers: empty merchant ID")
	}
	return r.put(merchantID, entry{p: p})
}

func (r *Registry) put(merchantID string, e entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkSharedKey(merchantID, e); err != nil {
		return err
	}
	old := r.m[merchantID]
	if old == nil {
		r.m[merchantID] = newMerchantConfigs(e, nil)
		return nil
	}
	replaced := old.current
	// Its webhook keys end with its window, once: a later switch does not
	// lengthen an older configuration's window.
	replaced.webhooks, _ = driver.EndingWebhooks(replaced.p, r.now().Add(r.window))
	older := make([]entry, 0, len(old.older)+1)
	for i, o := range append([]entry{replaced}, old.older...) {
		if o.p == e.p || (o.id != "" && o.id == e.id) {
			continue // the same configuration again: one copy is enough
		}
		if o.account != "" && e.account != "" && o.account != e.account {
			fix := "Retire the older configurations first"
			if i == 0 {
				fix = "Remove the merchant first"
			}
			return fmt.Errorf("providers: merchant %q: account %q differs from %q of a configuration kept for its payments in flight, whose events would then settle under another account; %s",
				merchantID, e.account, o.account, fix)
		}
		older = append(older, o)
	}
	if len(older) > MaxOlderConfigs {
		return fmt.Errorf("providers: merchant %q already has %d older configurations kept for its payments in flight (MaxOlderConfigs); Retire them once nothing is in flight",
			merchantID, MaxOlderConfigs)
	}
	r.m[merchantID] = newMerchantConfigs(e, older)
	return nil
}

// Retire drops merchantID's older configurations, keeping its current one.
// Call it only once no payment or refund made under an older configuration
// can still change (see Registry): their webhooks stop verifying (if their
// window has not ended yet), and
// GetPayment and Refund of their IDs go to the current configuration only.
// It returns how many were dropped, or an error wrapping
// ErrUnknownMerchant.
func (r *Registry) Retire(merchantID string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m[merchantID]
	if old == nil {
		return 0, fmt.Errorf("%w %q", ErrUnknownMerchant, merchantID)
	}
	r.m[merchantID] = newMerchantConfigs(old.current, nil)
	return len(old.older), nil
}

// Older returns the provider names of merchantID's older configurations,
// newest first: what Retire would drop. It is empty for an unknown
// merchant.
func (r *Registry) Older(merchantID string) []string {
	r.mu.RLock()
	mc := r.m[merchantID]
	r.mu.RUnlock()
	if mc == nil {
		return nil
	}
	names := make([]string, len(mc.older))
	for i, o := range mc.older {
		names[i] = o.p.Name()
	}
	return names
}

// Remove forgets merchantID and all its configurations.
func (r *Registry) Remove(merchantID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, merchantID)
}

// Get returns merchantID's Provider, or an error wrapping ErrUnknownMerchant.
// While older configurations are kept it is a Provider over all of them, as
// the Registry's documentation describes; otherwise it is the current
// configuration's Provider itself.
func (r *Registry) Get(merchantID string) (qpay.Provider, error) {
	r.mu.RLock()
	mc, ok := r.m[merchantID]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownMerchant, merchantID)
	}
	return mc.provider, nil
}

// configID is a digest of what makes two configurations the same account
// at the same provider. It is kept instead of the keys themselves.
func configID(c Config) string {
	h := sha256.New()
	for _, s := range []string{c.Provider, c.Account, c.SecretKey.Reveal(), c.WebhookSecret.Reveal(),
		c.WebhookAuthorization.Reveal(), c.BaseURL, c.MerchantID, c.ProcessingChannelID,
		c.APIPassword.Reveal(), c.GatewayHost, strconv.Itoa(c.APIVersion)} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return string(h.Sum(nil))
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
