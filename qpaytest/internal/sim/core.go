package sim

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
)

// Defaults for Options' zero fields.
const (
	// DefaultExpiry is how long a payment page stays open, for every route
	// (Tap's documented default; Checkout documents none for QPay).
	DefaultExpiry = 30 * time.Minute
	// DefaultWebhookRetryWait is the wait before the second delivery attempt
	// of a webhook; the third waits twice as long.
	DefaultWebhookRetryWait = 20 * time.Millisecond
)

// WebhookAttempts is Tap's documented rule: the first attempt and two
// more. The simulator uses it for every route, whose real retries (minutes
// to hours apart at Checkout) would outlive any test.
const WebhookAttempts = 3

// webhookAttemptTimeout bounds one delivery attempt.
const webhookAttemptTimeout = 5 * time.Second

// Options configure a Core. Every field is optional.
type Options struct {
	// Addr is the address to listen on; "" means a free loopback port.
	Addr string
	// InProcess builds a Core with no listener, for a Fake: its base URL is
	// Base, it is reached through Transport, and its webhooks are built,
	// never sent.
	InProcess bool
	// Base is an in-process Core's base URL, which nothing resolves.
	Base string
	// HTTPClient delivers webhooks; nil means a client of the Core's own.
	HTTPClient *http.Client
	// Logger gets one line per request and per webhook delivery.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Expiry is how long a payment stays payable when its request names no
	// expiry. Default DefaultExpiry.
	Expiry time.Duration
	// RefundDelay, when positive, keeps every refund pending that long.
	RefundDelay time.Duration
	// WebhookRetryWait is the wait before a webhook's second attempt.
	// Default DefaultWebhookRetryWait.
	WebhookRetryWait time.Duration
	// ForwardTo, when set, receives every webhook a route sends, of every
	// route, instead of the route's own target (Tap's post.url,
	// Checkout's account URL): 'qpay sandbox --forward-to'.
	ForwardTo string
	// MerchantName is the name the payment page shows for every route
	// whose Page names none; "" shows "Test merchant" in the page's
	// language.
	MerchantName string
}

// Core is the route-neutral simulator: payments and refunds through the
// status state machine, the payment page and the shopper's actions,
// webhook delivery, faults, recorded calls and the controls tests use. It
// knows no provider: each Route mounts its endpoints on it and is called
// back for what only the provider knows.
//
// One lock guards the Core's state and every Route's own state, so that a
// route's endpoint reads and changes both in one step, as one provider's
// API would.
type Core struct {
	opts     Options
	now      func() time.Time
	log      *slog.Logger
	ts       *httptest.Server // nil in process
	base     string
	handler  http.Handler
	client   *http.Client // webhook deliveries
	shopper  *http.Client // Pay and Cancel
	ownsHTTP bool
	deliver  bool // false in process: webhooks are built, never sent
	routes   map[string]Route
	serves   map[opKey]bool // the operations each route mounted

	ctx    context.Context // ends at Close: aborts waits and deliveries
	cancel context.CancelFunc
	wg     sync.WaitGroup // refund timers

	mu          sync.Mutex
	closed      bool
	payments    map[string]*Payment // by ID
	aliases     map[string]*Payment // by another ID a route gave it (Checkout's sid_)
	byToken     map[string]*Payment // by payment page token
	refunds     map[string]*Refund  // by ID
	all         []*Payment          // creation order
	allRefunds  []*Refund           // creation order
	idem        map[string]*idemEntry
	faults      []*Fault
	calls       map[opKey][]*Call
	deliveries  []Delivery
	declineNext bool
	timers      map[*time.Timer]struct{}
}

type opKey struct{ provider, op string }

// New starts a Core with routes mounted, listening on loopback (or on
// opts.Addr), or in process with opts.InProcess.
func New(opts Options, routes ...Route) (*Core, error) {
	var l net.Listener
	base := opts.Base
	if !opts.InProcess {
		addr := opts.Addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		var err error
		if l, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("qpaytest: listen on %s: %w", addr, err)
		}
		// The base URL is known before the first request can arrive, so
		// handlers read it without synchronisation.
		base = "http://" + l.Addr().String()
	}
	c := newCore(opts, base, routes)
	if opts.InProcess {
		c.shopper.Transport = InProcess(c.handler)
		return c, nil
	}
	ts := httptest.NewUnstartedServer(c.handler)
	_ = ts.Listener.Close()
	ts.Listener = l
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // resets and aborted clients are the point, not noise
	c.ts = ts
	ts.Start()
	return c, nil
}

func newCore(opts Options, base string, routes []Route) *Core {
	if opts.Expiry <= 0 {
		opts.Expiry = DefaultExpiry
	}
	if opts.WebhookRetryWait <= 0 {
		opts.WebhookRetryWait = DefaultWebhookRetryWait
	}
	c := &Core{
		opts:     opts,
		now:      opts.Now,
		log:      opts.Logger,
		base:     strings.TrimRight(base, "/"),
		client:   opts.HTTPClient,
		deliver:  !opts.InProcess,
		routes:   map[string]Route{},
		serves:   map[opKey]bool{},
		payments: map[string]*Payment{},
		aliases:  map[string]*Payment{},
		byToken:  map[string]*Payment{},
		refunds:  map[string]*Refund{},
		idem:     map[string]*idemEntry{},
		calls:    map[opKey][]*Call{},
		timers:   map[*time.Timer]struct{}{},
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.client == nil {
		c.client = &http.Client{Transport: newTransport()}
		c.ownsHTTP = true
	}
	c.shopper = &http.Client{
		Transport:     newTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	for _, r := range routes {
		c.routes[r.Name()] = r
		for _, e := range r.Mount(c) {
			mux.Handle(e.Pattern, c.api(r, e.Op, e.Handler))
		}
	}
	mux.HandleFunc("GET /pay/{token}", c.servePage)
	mux.HandleFunc("POST /pay/{token}", c.submitPage)
	c.handler = mux
	return c
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // loopback traffic must not leave through a proxy from the environment
	return t
}

// Close stops the Core and waits for everything it started: handlers in
// flight, webhook deliveries (which it aborts) and refund timers (which it
// stops). It is safe to call more than once.
func (c *Core) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	timers := c.timers
	c.timers = map[*time.Timer]struct{}{}
	c.mu.Unlock()

	c.cancel()
	for t := range timers {
		if t.Stop() {
			c.wg.Done() // the callback will never run to say so
		}
	}
	if c.ts != nil {
		c.ts.Close()
	}
	c.wg.Wait()
	if c.ownsHTTP {
		c.client.CloseIdleConnections()
	}
	c.shopper.CloseIdleConnections()
}

// URL is the base URL, e.g. http://127.0.0.1:41234.
func (c *Core) URL() string { return c.base }

// Transport reaches an in-process Core's handler without a socket.
func (c *Core) Transport() http.RoundTripper { return InProcess(c.handler) }

// Lock takes the lock that guards the Core's state and every route's own.
// A route's endpoint holds it while it reads or changes a payment and
// releases it before it sends webhooks (Send), since a receiver may call
// the simulator back.
func (c *Core) Lock() { c.mu.Lock() }

// Unlock releases the lock Lock took.
func (c *Core) Unlock() { c.mu.Unlock() }

// Now is the simulator's clock.
func (c *Core) Now() time.Time { return c.now() }

// Expiry is how long a payment stays payable when its request names none.
func (c *Core) Expiry() time.Duration { return c.opts.Expiry }

// PendingTimers counts the refund timers not yet fired, for tests of Close.
func (c *Core) PendingTimers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (c *Core) logf(level slog.Level, msg string, attrs ...slog.Attr) {
	if c.log != nil {
		c.log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// ErrClosed is returned by controls used after Close.
var ErrClosed = errors.New("qpaytest: server closed")
