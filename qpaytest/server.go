package qpaytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/qpay-go/qpay"
)

// The provider names, as in qpay.Provider.Name, Fault.Provider and
// Requests.
const (
	ProviderTap      = "tap"
	ProviderCheckout = "checkout"
)

// The operations a Fault can target and Requests counts. The first three are
// qpay's own operation names; OpListRefunds is Tap's refund list and
// Checkout's payment actions (what an adapter reads back before resending a
// refund), OpGetRefund is Tap's GET /v2/refunds/{id}.
const (
	OpCreatePayment = qpay.OpCreatePayment
	OpGetPayment    = qpay.OpGetPayment
	OpRefund        = qpay.OpRefund
	OpListRefunds   = "list_refunds"
	OpGetRefund     = "get_refund"
)

// Defaults for Options' zero fields.
const (
	// DefaultTapSecretKey is Tap's public sandbox key from its own examples,
	// so the reference's worked hashstring vector holds for the simulator.
	DefaultTapSecretKey qpay.Secret = "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"
	// DefaultCheckoutSecretKey has the shape of a current ("NAS") sandbox
	// key, ^sk_sbox_[a-z2-7]{26}[a-z2-7*#$=]$, so adapters send it as
	// "Authorization: Bearer <key>".
	DefaultCheckoutSecretKey qpay.Secret = "sk_sbox_qpaytestsimulatorkeyabcdef="
	// DefaultCheckoutWebhookSecret signs Checkout's webhook deliveries.
	DefaultCheckoutWebhookSecret qpay.Secret = "qpaytest-checkout-webhook-secret"
	// DefaultExpiry is how long a payment page stays open, for both
	// providers (Tap's documented default; Checkout documents none for QPay).
	DefaultExpiry = 30 * time.Minute
	// SessionLifetime is how long Checkout's cko-session-id (sid_...) can be
	// used with GET /payments/{id} after the shopper is sent back.
	SessionLifetime = 15 * time.Minute
	// DefaultWebhookRetryWait is the wait before the second delivery attempt
	// of a webhook; the third waits twice as long.
	DefaultWebhookRetryWait = 20 * time.Millisecond
)

// webhookAttempts is Tap's documented rule: the first attempt and two more.
// The simulator uses it for Checkout too, whose real retries (minutes to
// hours apart) would outlive any test.
const webhookAttempts = 3

// webhookAttemptTimeout bounds one delivery attempt.
const webhookAttemptTimeout = 5 * time.Second

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
	// HTTPClient delivers webhooks; nil means a client of the Server's own,
	// whose idle connections Close closes.
	HTTPClient *http.Client
	// Logger gets one line per request and per webhook delivery; nil means
	// no logging. Keys never appear in it.
	Logger *slog.Logger
}

// Server is the offline simulator: one loopback HTTP server that speaks
// Tap's API under TapBaseURL, Checkout.com's under CheckoutBaseURL, and
// hosts a payment page per payment under URL()+"/pay/". It is safe for
// concurrent use. Close it when done.
type Server struct {
	opts     Options
	now      func() time.Time
	log      *slog.Logger
	ts       *httptest.Server // nil for a Fake's in-process server
	base     string
	handler  http.Handler
	client   *http.Client // webhook deliveries
	shopper  *http.Client // Pay and Cancel
	ownsHTTP bool
	deliver  bool // false for a Fake: webhooks are built, never sent

	ctx    context.Context // ends at Close: aborts waits and deliveries
	cancel context.CancelFunc
	wg     sync.WaitGroup // refund timers

	mu          sync.Mutex
	closed      bool
	webhookURL  string
	payments    map[string]*payment // by chg_ / pay_ ID
	byToken     map[string]*payment // by payment page token
	bySession   map[string]*payment // by Checkout sid_
	refunds     map[string]*refund  // by re_ / act_ ID
	all         []*payment          // creation order
	allRefunds  []*refund           // creation order
	tapIdem     map[string]tapIdem
	ckoIdem     map[string]*ckoIdem
	customers   map[string]string // Checkout: email -> cus_ ID
	faults      []*Fault
	calls       map[opKey][]*Call
	deliveries  []Delivery
	declineNext bool
	timers      map[*time.Timer]struct{}
}

type opKey struct{ provider, op string }

// NewServer starts a simulator on loopback (or on opts.Addr).
func NewServer(opts Options) (*Server, error) {
	var l net.Listener
	var err error
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if l, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("qpaytest: listen on %s: %w", addr, err)
	}
	// The base URL is known before the first request can arrive, so
	// handlers read it without synchronisation.
	s := newServer(opts, "http://"+l.Addr().String(), true)
	ts := httptest.NewUnstartedServer(s.handler)
	_ = ts.Listener.Close()
	ts.Listener = l
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // resets and aborted clients are the point, not noise
	s.ts = ts
	ts.Start()
	return s, nil
}

// newServer builds a Server without a listener: NewServer adds one, a Fake
// calls the handler in-process.
func newServer(opts Options, base string, deliver bool) *Server {
	if opts.TapSecretKey == "" {
		opts.TapSecretKey = DefaultTapSecretKey
	}
	if opts.CheckoutSecretKey == "" {
		opts.CheckoutSecretKey = DefaultCheckoutSecretKey
	}
	if opts.CheckoutWebhookSecret == "" {
		opts.CheckoutWebhookSecret = DefaultCheckoutWebhookSecret
	}
	if opts.Expiry <= 0 {
		opts.Expiry = DefaultExpiry
	}
	if opts.WebhookRetryWait <= 0 {
		opts.WebhookRetryWait = DefaultWebhookRetryWait
	}
	s := &Server{
		opts:       opts,
		now:        opts.Now,
		log:        opts.Logger,
		base:       strings.TrimRight(base, "/"),
		client:     opts.HTTPClient,
		deliver:    deliver,
		webhookURL: opts.CheckoutWebhookURL,
		payments:   map[string]*payment{},
		byToken:    map[string]*payment{},
		bySession:  map[string]*payment{},
		refunds:    map[string]*refund{},
		tapIdem:    map[string]tapIdem{},
		ckoIdem:    map[string]*ckoIdem{},
		customers:  map[string]string{},
		calls:      map[opKey][]*Call{},
		timers:     map[*time.Timer]struct{}{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Transport: newTransport()}
		s.ownsHTTP = true
	}
	s.shopper = &http.Client{
		Transport:     newTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handler = s.routes()
	return s
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // loopback traffic must not leave through a proxy from the environment
	return t
}

// Close stops the server and waits for everything it started: handlers in
// flight, webhook deliveries (which it aborts) and refund timers (which it
// stops). It is safe to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	timers := s.timers
	s.timers = map[*time.Timer]struct{}{}
	s.mu.Unlock()

	s.cancel()
	for t := range timers {
		if t.Stop() {
			s.wg.Done() // the callback will never run to say so
		}
	}
	if s.ts != nil {
		s.ts.Close()
	}
	s.wg.Wait()
	if s.ownsHTTP {
		s.client.CloseIdleConnections()
	}
	s.shopper.CloseIdleConnections()
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.base }

// TapBaseURL is the base URL to give the Tap adapter (tap.Config.BaseURL).
func (s *Server) TapBaseURL() string { return s.base + "/tap" }

// CheckoutBaseURL is the base URL to give the Checkout adapter
// (checkout.Config.BaseURL).
func (s *Server) CheckoutBaseURL() string { return s.base + "/checkout" }

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

// SetCheckoutWebhookURL sets where Checkout's events are POSTed from now on;
// "" stops them.
func (s *Server) SetCheckoutWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
}

// String names the server by its URL only, so printing it never prints a key.
func (s *Server) String() string { return "qpaytest.Server(" + s.base + ")" }

func (s *Server) logf(level slog.Level, msg string, attrs ...slog.Attr) {
	if s.log != nil {
		s.log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// errClosed is returned by controls used after Close.
var errClosed = errors.New("qpaytest: server closed")
