package qpaytest

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/qpaytest/internal/checkoutsim"
	"github.com/qpay-go/qpay/qpaytest/internal/mpgssim"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/qpaytest/internal/tapsim"
)

// The provider names, as in qpay.Provider.Name, Fault.Provider and
// Requests.
const (
	ProviderTap      = tapsim.Name
	ProviderCheckout = checkoutsim.Name
	// ProviderMPGS is the acquiring bank's Mastercard Gateway.
	ProviderMPGS = mpgssim.Name
)

// The operations a Fault can target and Requests counts. The first three are
// qpay's own operation names; OpListRefunds is Tap's refund list and
// Checkout's payment actions (what an adapter reads back before resending a
// refund), OpGetRefund is Tap's GET /v2/refunds/{id}.
const (
	OpCreatePayment = qpay.OpCreatePayment
	OpGetPayment    = qpay.OpGetPayment
	OpRefund        = qpay.OpRefund
	OpListRefunds   = sim.OpListRefunds
	OpGetRefund     = sim.OpGetRefund
)

// Defaults for Options' zero fields.
const (
	// DefaultTapSecretKey is Tap's public sandbox key from its own examples,
	// so the reference's worked hashstring vector holds for the simulator.
	// The keys are strings, not qpay.Secret values, so that they can be
	// constants.
	DefaultTapSecretKey = tapsim.DefaultSecretKey
	// DefaultCheckoutSecretKey has the shape of a current ("NAS") sandbox
	// key, ^sk_sbox_[a-z2-7]{26}[a-z2-7*#$=]$, so adapters send it as
	// "Authorization: Bearer <key>".
	DefaultCheckoutSecretKey = checkoutsim.DefaultSecretKey
	// DefaultCheckoutWebhookSecret signs Checkout's webhook deliveries.
	DefaultCheckoutWebhookSecret = checkoutsim.DefaultWebhookSecret
	// DefaultMPGSMerchantID is the simulated gateway's test merchant.
	DefaultMPGSMerchantID = mpgssim.DefaultMerchantID
	// DefaultMPGSAPIPassword is that merchant's API password.
	DefaultMPGSAPIPassword = mpgssim.DefaultAPIPassword
	// DefaultMPGSWebhookSecret is the notification secret the gateway sends
	// in X-Notification-Secret.
	DefaultMPGSWebhookSecret = mpgssim.DefaultWebhookSecret
	// DefaultExpiry is how long a payment page stays open, for both
	// providers (Tap's documented default; Checkout documents none for QPay).
	DefaultExpiry = sim.DefaultExpiry
	// SessionLifetime is how long Checkout's cko-session-id (sid_...) can be
	// used with GET /payments/{id} after the shopper is sent back.
	SessionLifetime = checkoutsim.SessionLifetime
	// DefaultWebhookRetryWait is the wait before the second delivery attempt
	// of a webhook; the third waits twice as long.
	DefaultWebhookRetryWait = sim.DefaultWebhookRetryWait
)

// Options configure a Server. Every field is optional.
type Options struct {
	// Addr is the address to listen on, e.g. "127.0.0.1:8089"; "" means a
	// free loopback port (httptest.NewServer's 127.0.0.1:0).
	Addr string
	// TapSecretKey is the key Tap requests must carry as
	// "Authorization: Bearer <key>"; it also signs Tap's webhooks, as at Tap.
	// Default DefaultTapSecretKey.
	TapSecretKey qpay.Secret
	// CheckoutSecretKey is the key Checkout requests must carry, bare or
	// after "Bearer ". Default DefaultCheckoutSecretKey.
	CheckoutSecretKey qpay.Secret
	// CheckoutWebhookSecret signs Checkout's webhooks (Cko-Signature).
	// Default DefaultCheckoutWebhookSecret.
	CheckoutWebhookSecret qpay.Secret
	// CheckoutWebhookAuthorization, when set, is sent as the Authorization
	// header of every Checkout webhook delivery, as a Checkout dashboard can
	// be told to.
	CheckoutWebhookAuthorization qpay.Secret
	// CheckoutWebhookURL is where Checkout's events are POSTed; "" sends
	// none. It can be set later with SetCheckoutWebhookURL. (Tap's webhooks
	// go to each charge's post.url.)
	CheckoutWebhookURL string
	// MPGSMerchantID is the Mastercard Gateway merchant whose requests are
	// accepted (in the path and as Basic merchant.<id>). Default
	// DefaultMPGSMerchantID.
	MPGSMerchantID string
	// MPGSAPIPassword is that merchant's API password. Default
	// DefaultMPGSAPIPassword.
	MPGSAPIPassword qpay.Secret
	// MPGSWebhookSecret is sent as is in X-Notification-Secret. Default
	// DefaultMPGSWebhookSecret.
	MPGSWebhookSecret qpay.Secret
	// MPGSWebhookURL is the merchant profile's notification URL; an order's
	// order.notificationUrl (PaymentRequest.WebhookURL) wins over it. ""
	// sends notifications only for orders that name a URL.
	MPGSWebhookURL string
	// CheckoutMerchants are more Checkout accounts served beside the one
	// above, for marketplace setups: each with its own SecretKey (required,
	// distinct), WebhookSecret (required), optional WebhookAuthorization,
	// and WebhookURL. A payment belongs to the merchant whose key created
	// it: another merchant's key gets 404 for it, its webhooks are signed
	// with its merchant's secret and go to its merchant's URL, and
	// idempotency keys are per merchant. CheckoutMerchantConfig(i) is the
	// configuration of merchant i+1.
	CheckoutMerchants []CheckoutMerchant
	// Now is the simulator's clock; nil means time.Now. Expiry, sessions and
	// the times in answers all follow it.
	Now func() time.Time
	// Expiry is how long a payment stays payable when the request names no
	// expiry (Tap's transaction.expiry wins when given). Default DefaultExpiry.
	Expiry time.Duration
	// RefundDelay, when positive, keeps every refund pending that long
	// before it completes (on a timer that Close stops). Zero completes a
	// refund right after its answer is written.
	RefundDelay time.Duration
	// WebhookRetryWait is the wait before a webhook's second attempt; the
	// third waits twice as long. Default DefaultWebhookRetryWait.
	WebhookRetryWait time.Duration
	// ForwardWebhooksTo, when set, receives every webhook the simulator
	// sends, Tap's and Checkout's, instead of each charge's post.url and
	// CheckoutWebhookURL, the way 'stripe listen --forward-to' brings every
	// event to a local endpoint. Each is signed as the provider signs it.
	ForwardWebhooksTo string
	// HTTPClient delivers webhooks; nil means a client of the Server's own,
	// whose idle connections Close closes.
	HTTPClient *http.Client
	// MerchantName is the merchant's name on the payment page (the
	// providers' requests carry no name); "" shows "Test merchant", in
	// the page's language.
	MerchantName string
	// Logger gets one line per request and per webhook delivery; nil means
	// no logging. Keys never appear in it.
	Logger *slog.Logger
	// TapChargesFilter is what Tap's refund list does with a "charges"
	// filter, which Tap does not document (UNCONFIRMED): honour it (the
	// default), ignore it, or refuse the request with a 400.
	TapChargesFilter ChargesFilter
}

// ChargesFilter is a behaviour of Tap's refund list toward its
// undocumented "charges" filter, for Options.TapChargesFilter.
type ChargesFilter = tapsim.ChargesFilter

// The behaviours an adapter must survive.
const (
	ChargesFilterHonoured = tapsim.ChargesFilterHonoured // only the named charges' refunds are listed
	ChargesFilterIgnored  = tapsim.ChargesFilterIgnored  // the field is accepted and every refund is listed
	ChargesFilterRefused  = tapsim.ChargesFilterRefused  // 400, an unknown field
)

// Server is the offline simulator: one loopback HTTP server that speaks
// Tap's API under TapBaseURL, Checkout.com's under CheckoutBaseURL, the
// Mastercard Gateway's under MPGSHost, and
// hosts a payment page per payment under URL()+"/pay/". It is safe for
// concurrent use. Close it when done.
//
// It is a thin layer: the route-neutral core (internal/sim) holds the
// payments, the page, webhook delivery, faults and the controls, and each
// route to QPay is a front end of its own (internal/tapsim,
// internal/checkoutsim, internal/mpgssim) registered in newServer.
type Server struct {
	opts Options // defaults applied
	core *sim.Core
	tap  *tapsim.Route
	cko  *checkoutsim.Route
	mpgs *mpgssim.Route
}

// NewServer starts a simulator on loopback (or on opts.Addr).
func NewServer(opts Options) (*Server, error) {
	return newServer(opts, sim.Options{Addr: opts.Addr})
}

// newServer registers the routes with a core. A new route to QPay is one
// more front end under internal/ passed to sim.New here, with its public
// accessors (base URL, keys) on Server.
func newServer(opts Options, core sim.Options) (*Server, error) {
	s := &Server{
		tap: tapsim.New(opts.TapSecretKey),
		cko: checkoutsim.New(checkoutsim.Options{
			SecretKey:            opts.CheckoutSecretKey,
			WebhookSecret:        opts.CheckoutWebhookSecret,
			WebhookAuthorization: opts.CheckoutWebhookAuthorization,
			WebhookURL:           opts.CheckoutWebhookURL,
			Merchants:            opts.CheckoutMerchants,
		}),
		mpgs: mpgssim.New(mpgssim.Options{
			MerchantID:    opts.MPGSMerchantID,
			APIPassword:   opts.MPGSAPIPassword,
			WebhookSecret: opts.MPGSWebhookSecret,
			WebhookURL:    opts.MPGSWebhookURL,
		}),
	}
	s.tap.SetChargesFilter(opts.TapChargesFilter)
	core.Now, core.Expiry, core.RefundDelay = opts.Now, opts.Expiry, opts.RefundDelay
	core.WebhookRetryWait, core.HTTPClient, core.Logger = opts.WebhookRetryWait, opts.HTTPClient, opts.Logger
	core.ForwardTo = opts.ForwardWebhooksTo
	if err := s.cko.Validate(); err != nil { // before anything listens
		return nil, err
	}
	core.MerchantName = opts.MerchantName
	c, err := sim.New(core, s.tap, s.cko, s.mpgs)
	if err != nil {
		return nil, err
	}
	s.core = c
	cko := s.cko.Options()
	opts.TapSecretKey = s.tap.SecretKey()
	opts.CheckoutSecretKey, opts.CheckoutWebhookSecret = cko.SecretKey, cko.WebhookSecret
	mp := s.mpgs.Options()
	opts.MPGSMerchantID, opts.MPGSAPIPassword, opts.MPGSWebhookSecret = mp.MerchantID, mp.APIPassword, mp.WebhookSecret
	opts.Expiry = c.Expiry()
	if opts.WebhookRetryWait <= 0 {
		opts.WebhookRetryWait = DefaultWebhookRetryWait
	}
	s.opts = opts
	return s, nil
}

// Close stops the server and waits for everything it started: handlers in
// flight, webhook deliveries (which it aborts) and refund timers (which it
// stops). It is safe to call more than once.
func (s *Server) Close() { s.core.Close() }

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.core.URL() }

// TapBaseURL is the base URL to give the Tap adapter (tap.Config.BaseURL).
func (s *Server) TapBaseURL() string { return s.tap.BaseURL() }

// CheckoutBaseURL is the base URL to give the Checkout adapter
// (checkout.Config.BaseURL).
func (s *Server) CheckoutBaseURL() string { return s.cko.BaseURL() }

// TapSecretKey is the key the Tap endpoints accept and Tap webhooks are
// signed with.
func (s *Server) TapSecretKey() qpay.Secret { return s.opts.TapSecretKey }

// CheckoutSecretKey is the key the Checkout endpoints accept.
func (s *Server) CheckoutSecretKey() qpay.Secret { return s.opts.CheckoutSecretKey }

// CheckoutWebhookSecret is the key Checkout webhooks are signed with.
func (s *Server) CheckoutWebhookSecret() qpay.Secret { return s.opts.CheckoutWebhookSecret }

// CheckoutWebhookAuthorization is the Authorization header value sent with
// Checkout webhooks, if any.
func (s *Server) CheckoutWebhookAuthorization() qpay.Secret {
	return s.opts.CheckoutWebhookAuthorization
}

// CheckoutMerchant is one more Checkout account of the simulator
// (Options.CheckoutMerchants).
type CheckoutMerchant = checkoutsim.Merchant

// SetCheckoutWebhookURL sets where Checkout's events are POSTed from now on;
// "" stops them.
func (s *Server) SetCheckoutWebhookURL(u string) { s.cko.SetWebhookURL(u) }

// MPGSHost is the gateway host to give the Mastercard Gateway adapter
// (mpgs.Config.Host, providers.Config.GatewayHost).
func (s *Server) MPGSHost() string { return s.mpgs.Host() }

// MPGSMerchantID is the gateway merchant the simulator accepts.
func (s *Server) MPGSMerchantID() string { return s.opts.MPGSMerchantID }

// MPGSAPIPassword is that merchant's API password.
func (s *Server) MPGSAPIPassword() qpay.Secret { return s.opts.MPGSAPIPassword }

// MPGSWebhookSecret is the notification secret sent with the gateway's
// notifications.
func (s *Server) MPGSWebhookSecret() qpay.Secret { return s.opts.MPGSWebhookSecret }

// SetMPGSWebhookURL sets the gateway merchant profile's notification URL
// from now on; "" stops notifications of orders that name none.
func (s *Server) SetMPGSWebhookURL(u string) { s.mpgs.SetWebhookURL(u) }

// String names the server by its URL only, so printing it never prints a key.
func (s *Server) String() string { return "qpaytest.Server(" + s.URL() + ")" }
