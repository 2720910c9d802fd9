// Package transport is the one HTTP layer both adapters use: JSON in and out,
// authentication, a bound on response size, retries with jittered backoff on
// go-retryablehttp, and the decoding of failed responses into *qpay.Error.
//
// Retry rules, in one place: a call is retried on network errors, 429 and
// 5xx (except 501), never on other 4xx, and never once its context is done.
// Retry-After is obeyed up to a cap. One 4xx is waited out instead: the
// provider's answer that another request with the same idempotency key is
// still being processed (ErrorDetails.InFlight, Checkout's 409), after
// which the call is resent with the same key until the provider replays the
// original answer or the call's bound ends. Every attempt of a call sends the same
// bytes, so an idempotency key placed in a header or in the body by the
// adapter is the same on every retry. Each attempt has its own timeout and
// the whole call has a bound.
package transport

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/internal/telemetry"
	"github.com/qpay-go/qpay/providers/internal/redact"
)

// Defaults for Config's zero fields.
const (
	DefaultAttemptTimeout   = 20 * time.Second
	DefaultCallTimeout      = 60 * time.Second
	DefaultMaxAttempts      = 4
	DefaultMinBackoff       = 200 * time.Millisecond
	DefaultMaxBackoff       = 5 * time.Second
	DefaultMaxRetryAfter    = 30 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// ErrorDetails is what a provider's error body says, as an adapter's
// ErrorDecoder reads it. Zero fields are filled in from the HTTP status.
type ErrorDetails struct {
	Kind      qpay.Kind // KindUnknown: derived from the HTTP status
	Code      string
	Message   string
	RequestID string
	// InFlight says the answer means "a request with the same idempotency
	// key is still being processed": the original may yet succeed, and the
	// provider will replay its answer to a resend with the same key. A call
	// that carries an IdempotencyKey is then resent with that key, after
	// backoff, within CallTimeout; these resends do not count against
	// MaxAttempts, since the provider is working, not failing. The decision
	// is the adapter's, because only it knows which of its provider's
	// answers mean that (a 409 can mean other conflicts elsewhere).
	InFlight bool
}

// ErrorDecoder reads a failed response of one provider. It must accept any
// body (empty, HTML from a proxy, truncated JSON) without failing.
type ErrorDecoder func(status int, header http.Header, body []byte) ErrorDetails

// Config configures a Client. Only Provider and BaseURL are required.
type Config struct {
	Provider string // "tap" or "checkout", for errors and logs
	BaseURL  string // e.g. https://api.tap.company, without a trailing slash

	// Authorize sets the authentication header on every request. It is a
	// function so that the key lives in the adapter, not in this package's
	// logs or errors.
	Authorize func(http.Header)
	// Secrets are masked in every error message, stored body and log line.
	Secrets []qpay.Secret
	// DecodeError reads the provider's error bodies.
	DecodeError ErrorDecoder
	// IdempotencyHeader, when set, carries Request.IdempotencyKey
	// (Checkout's Cko-Idempotency-Key). Tap takes its key in the body, so
	// its adapter leaves this empty.
	IdempotencyHeader string
	// RequestIDHeader names the response header with the provider's request
	// ID (Checkout's Cko-Request-Id).
	RequestIDHeader string
	UserAgent       string

	// HTTPClient is used for its Transport and Jar (redirects are never
	// followed, whatever its CheckRedirect says); its
	// Timeout, if shorter than AttemptTimeout, wins. Nil means a pooled
	// client that does not follow redirects.
	HTTPClient *http.Client
	// Logger gets one line per attempt. Nil means no logging.
	Logger *slog.Logger

	AttemptTimeout   time.Duration // bound on one attempt, body included
	CallTimeout      time.Duration // bound on the whole call, retries and waits included
	MaxAttempts      int           // 1 means no retries
	MinBackoff       time.Duration // first backoff ceiling; grows exponentially, with equal jitter
	MaxBackoff       time.Duration
	MaxRetryAfter    time.Duration // cap on a provider's Retry-After
	MaxResponseBytes int64

	// Telemetry records a span and metrics per attempt (telemetry.go).
	Telemetry qpay.Telemetry
}

// WithOptions returns cfg with the caller's HTTP options applied.
func (cfg Config) WithOptions(o qpay.HTTPOptions) Config {
	cfg.HTTPClient = o.Client
	cfg.Logger = o.Logger
	cfg.AttemptTimeout = o.AttemptTimeout
	cfg.CallTimeout = o.CallTimeout
	cfg.MaxAttempts = o.MaxAttempts
	cfg.MinBackoff = o.MinBackoff
	cfg.MaxBackoff = o.MaxBackoff
	cfg.MaxRetryAfter = o.MaxRetryAfter
	cfg.Telemetry = o.Telemetry
	return cfg
}

// Client performs calls against one provider. It is safe for concurrent use.
type Client struct {
	cfg    Config
	red    redact.Redactor
	rc     *retryablehttp.Client
	http   *http.Client
	logger *slog.Logger
	tel    *telemetry.HTTP // nil when telemetry is off
}

// New returns a Client for cfg, with defaults for zero fields.
func New(cfg Config) (*Client, error) {
	if cfg.Provider == "" {
		return nil, errors.New("transport: Provider is required")
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("transport: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	setDefault(&cfg.AttemptTimeout, DefaultAttemptTimeout)
	setDefault(&cfg.CallTimeout, DefaultCallTimeout)
	setDefault(&cfg.MinBackoff, DefaultMinBackoff)
	setDefault(&cfg.MaxBackoff, DefaultMaxBackoff)
	setDefault(&cfg.MaxRetryAfter, DefaultMaxRetryAfter)
	setDefault(&cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.DecodeError == nil {
		cfg.DecodeError = func(int, http.Header, []byte) ErrorDetails { return ErrorDetails{} }
	}

	hc := &http.Client{Transport: pooledTransport()}
	if cfg.HTTPClient != nil {
		hc = &http.Client{Transport: cfg.HTTPClient.Transport, Jar: cfg.HTTPClient.Jar}
	}
	// A payment API answers; it does not redirect. Following a redirect
	// would send the key, and perhaps replay a POST, to another address, so
	// the redirect is returned as is (a KindProtocol error), whatever the
	// caller's client would do.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// http.Client.Timeout covers one Do and the reading of its body, which is
	// exactly one attempt here.
	hc.Timeout = cfg.AttemptTimeout
	if cfg.HTTPClient != nil && cfg.HTTPClient.Timeout > 0 && cfg.HTTPClient.Timeout < hc.Timeout {
		hc.Timeout = cfg.HTTPClient.Timeout
	}

	c := &Client{cfg: cfg, red: redact.New(cfg.Secrets...), http: hc, logger: cfg.Logger}
	c.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // its own lines print URLs and miss the operation; ours are in checkRetry
		RetryWaitMin: cfg.MinBackoff,
		RetryWaitMax: cfg.MaxBackoff,
		// checkRetry enforces MaxAttempts itself, since waiting out an
		// in-flight conflict does not count; the call's bound ends it.
		RetryMax:   math.MaxInt32,
		CheckRetry: c.checkRetry,
		Backoff:    c.backoff,
		// Give the last response or error back instead of a "giving up" error,
		// so that the provider's error body is decoded, not lost.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if c.tel = telemetry.New(cfg.Telemetry).HTTP(cfg.Provider); c.tel != nil {
		c.rc.RequestLogHook = c.attemptStarted
	}
	return c, nil
}

// pooledTransport is cleanhttp's pooled transport with an idle pool per
// host as large as its whole idle pool. A Client talks to one host, and
// cleanhttp's per-host default (GOMAXPROCS+1) makes a burst of concurrent
// calls close all but that many connections after each wave, then dial
// (and TLS-handshake) new ones for the next.
func pooledTransport() *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	t.MaxIdleConnsPerHost = t.MaxIdleConns
	return t
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Provider returns the provider name the client was configured with.
func (c *Client) Provider() string { return c.cfg.Provider }

// Redactor returns the client's redactor, for adapters that build errors of
// their own.
func (c *Client) Redactor() redact.Redactor { return c.red }

// Request is one logical call. It may be sent several times.
type Request struct {
	Op     string // operation name for errors and logs, e.g. "create_payment"
	Method string
	Path   string // appended to BaseURL, e.g. "/v2/charges"
	Body   any    // marshalled to JSON once, before the first attempt; nil for no body
	// IdempotencyKey is sent in Config.IdempotencyHeader on every attempt.
	// An adapter whose provider takes the key in the body (Tap) sets it too,
	// so that the transport knows the call may wait out an in-flight
	// conflict (ErrorDetails.InFlight) by resending the same bytes.
	IdempotencyKey string
	// Reconcile, when set, runs before a retry that follows an ambiguous
	// failure (no answer, or a 5xx): the previous attempt may have reached
	// the provider. It reads back what exists; if it reports done, the call
	// stops without resending and Do returns a Response with Reconciled set.
	// If it fails, the call stops with the original failure: resending
	// blindly could move money twice.
	Reconcile func(ctx context.Context) (done bool, err error)
}

// Response is a successful (2xx) answer, read in full.
type Response struct {
	Status     int
	Header     http.Header
	Body       []byte
	RequestID  string
	Attempts   int
	Reconciled bool // the call was settled by Request.Reconcile; Body is empty
}

// callState carries one call's bookkeeping into retryablehttp's hooks,
// which only see the request's context.
type callState struct {
	op         string
	method     string
	path       string
	attempt    int
	keyed      bool // the call carries an idempotency key
	inFlight   int  // attempts answered "same key still in flight"; they do not count against MaxAttempts
	reconcile  func(context.Context) (bool, error)
	reconciled bool
	reconErr   error
	wait       time.Duration
}

type stateKey struct{}

// errCallBound is the cause of a call ended by Config.CallTimeout, as
// opposed to the caller's own context.
var errCallBound = errors.New("transport: call timeout")

// errReconciled stops retryablehttp's loop when Reconcile settled the call.
var errReconciled = errors.New("transport: settled by reconciliation")

// Do sends req until it succeeds, fails for good, or runs out of attempts or
// time. Any non-2xx answer or failure is returned as a *qpay.Error.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = json.Marshal(req.Body); err != nil {
			return nil, c.fail(req.Op, qpay.KindInvalidRequest, 0, "cannot encode request", err)
		}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.CallTimeout, errCallBound)
	defer cancel()
	st := &callState{op: req.Op, method: req.Method, path: req.Path, keyed: req.IdempotencyKey != "", reconcile: req.Reconcile}
	ctx = context.WithValue(ctx, stateKey{}, st)
	ctx = c.tel.Begin(ctx, req.Op, req.Method)
	defer c.tel.Finish(ctx)

	var raw any // typed nil []byte would still be "a body" to retryablehttp
	if body != nil {
		raw = body
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, req.Method, c.cfg.BaseURL+req.Path, raw)
	if err != nil {
		return nil, c.fail(req.Op, qpay.KindInvalidRequest, 0, "cannot build request", err)
	}
	h := rreq.Header
	h.Set("Accept", "application/json")
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if c.cfg.UserAgent != "" {
		h.Set("User-Agent", c.cfg.UserAgent)
	}
	if req.IdempotencyKey != "" && c.cfg.IdempotencyHeader != "" {
		h.Set(c.cfg.IdempotencyHeader, req.IdempotencyKey)
	}
	if c.cfg.Authorize != nil {
		c.cfg.Authorize(h)
	}

	resp, err := c.rc.Do(rreq)
	if resp != nil {
		defer resp.Body.Close()
	}
	switch {
	case errors.Is(err, errReconciled) || st.reconciled:
		return &Response{Attempts: st.attempt, Reconciled: true}, nil
	case err != nil && resp == nil:
		return nil, c.transportError(ctx, st, err)
	}

	// A 5xx or 429 that exhausted the retries comes back here with its body.
	data, readErr := c.readBody(resp.Body, resp.ContentLength)
	rid := c.requestID(resp.Header)
	if readErr != nil {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil, c.transportError(ctx, st, readErr)
		}
		// The status is known; a broken error body must not hide it.
		data = append(data, "\n[qpay: body truncated: "+readErr.Error()+"]"...)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, RequestID: rid, Attempts: st.attempt}, nil
	}
	e := c.statusError(req.Op, resp.StatusCode, resp.Header, data)
	if st.inFlight > 0 && e.Kind == qpay.KindConflict {
		AddDetail(e, fmt.Sprintf("still in flight after %d resends with the same idempotency key within the call's bound of %v", st.inFlight, c.cfg.CallTimeout))
	}
	if st.reconErr != nil {
		AddDetail(e, "not resent: reading back what exists failed: "+c.red.Error(st.reconErr))
		e.Retryable = false
	}
	return nil, e
}

// AddDetail adds detail to e's message, after the provider's own words
// (separated by "; ") or alone when there are none: the one way qpay adds
// what it knows to a provider's error.
func AddDetail(e *qpay.Error, detail string) {
	if e.Message == "" {
		e.Message = detail
		return
	}
	e.Message += "; " + detail
}

// DoJSON is Do followed by decoding a 2xx body into out. A body that does
// not decode is a KindProtocol error carrying the body.
func (c *Client) DoJSON(ctx context.Context, req Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, req)
	if err != nil || resp.Reconciled || out == nil {
		return resp, err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		e := c.fail(req.Op, qpay.KindProtocol, resp.Status, "cannot decode the provider's answer", err)
		e.Body = c.red.Bytes(resp.Body)
		e.RequestID = resp.RequestID
		return nil, e
	}
	return resp, nil
}

// readBody reads a response body of at most MaxResponseBytes. size is the
// response's Content-Length, or -1.
func (c *Client) readBody(r io.Reader, size int64) ([]byte, error) {
	data, err := readAll(io.LimitReader(r, c.cfg.MaxResponseBytes+1), size, c.cfg.MaxResponseBytes)
	if err != nil {
		return data, err
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return data[:c.cfg.MaxResponseBytes], fmt.Errorf("response larger than %d bytes", c.cfg.MaxResponseBytes)
	}
	return data, nil
}

// readAll is io.ReadAll with a first buffer of the announced size, so that
// a body with a Content-Length is read into one allocation instead of a
// series of doublings from 512 bytes. One byte more than the size lets the
// read that meets EOF find room without growing the buffer.
func readAll(r io.Reader, size, max int64) ([]byte, error) {
	capacity := int64(512) // io.ReadAll's
	if size > 0 && size <= max {
		capacity = size + 1
	}
	b := make([]byte, 0, capacity)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func (c *Client) requestID(h http.Header) string {
	if c.cfg.RequestIDHeader == "" {
		return ""
	}
	return h.Get(c.cfg.RequestIDHeader)
}

// statusError turns a non-2xx answer into a *qpay.Error, keeping the body.
func (c *Client) statusError(op string, status int, h http.Header, body []byte) *qpay.Error {
	d := c.cfg.DecodeError(status, h, body)
	kind := d.Kind
	if kind == qpay.KindUnknown {
		kind = KindForStatus(status)
	}
	msg := d.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	rid := c.requestID(h)
	if rid == "" {
		rid = d.RequestID
	}
	return &qpay.Error{
		Provider:   c.cfg.Provider,
		Op:         op,
		Kind:       kind,
		HTTPStatus: status,
		Code:       c.red.String(d.Code),
		Message:    c.red.String(msg),
		RequestID:  rid,
		Retryable:  kind.Retryable(),
		Body:       c.red.Bytes(body),
	}
}

// KindForStatus is the default classification of an HTTP status.
func KindForStatus(status int) qpay.Kind {
	switch {
	case status == http.StatusUnauthorized:
		return qpay.KindAuthentication
	case status == http.StatusForbidden:
		return qpay.KindPermission
	case status == http.StatusNotFound:
		return qpay.KindNotFound
	case status == http.StatusConflict:
		return qpay.KindConflict
	case status == http.StatusPaymentRequired:
		return qpay.KindDeclined
	case status == http.StatusTooManyRequests:
		return qpay.KindRateLimited
	case status >= 500:
		return qpay.KindUnavailable
	case status >= 400:
		return qpay.KindInvalidRequest
	case status >= 300:
		return qpay.KindProtocol // a redirect from a payment API is not an answer
	}
	return qpay.KindUnknown
}

// transportError classifies a failure with no HTTP answer.
func (c *Client) transportError(ctx context.Context, st *callState, err error) *qpay.Error {
	kind, msg := qpay.KindNetwork, "no answer from the provider"
	switch {
	case st.reconErr != nil:
		msg = "no answer from the provider, and reading back what exists failed, so the request was not resent: " + c.red.Error(st.reconErr)
	case st.inFlight > 0 && errors.Is(context.Cause(ctx), errCallBound):
		// The bound cut a resend short, but the last word was the
		// provider's: the key is still being processed.
		kind = qpay.KindConflict
		msg = fmt.Sprintf("a request with this idempotency key was still in flight after %d resends with the same key within the call's bound of %v", st.inFlight, c.cfg.CallTimeout)
	case errors.Is(context.Cause(ctx), errCallBound):
		msg = fmt.Sprintf("no answer within the call's bound of %v", c.cfg.CallTimeout)
	case ctx.Err() != nil:
		kind, msg = qpay.KindCanceled, "the context ended before an answer"
	}
	e := c.fail(st.op, kind, 0, msg, err)
	// A network failure may or may not have reached the provider; a retry
	// with the same idempotency key is safe either way. Not so after a failed
	// reconciliation, nor when the caller gave up.
	e.Retryable = (kind == qpay.KindNetwork || kind == qpay.KindConflict) && st.reconErr == nil
	return e
}

func (c *Client) fail(op string, kind qpay.Kind, status int, msg string, cause error) *qpay.Error {
	e := &qpay.Error{Provider: c.cfg.Provider, Op: op, Kind: kind, HTTPStatus: status, Message: msg, Retryable: kind.Retryable()}
	if cause != nil {
		e.Err = redactedError{msg: c.red.Error(cause), err: cause}
	}
	return e
}

// redactedError shows a cause's message with secrets masked while keeping
// the cause reachable for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// checkRetry is retryablehttp's CheckRetry: it decides, logs one line per
// attempt, and runs the reconciliation hook before an ambiguous resend.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(stateKey{}).(*callState)
	if st == nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	st.attempt++
	retry, ambiguous := c.shouldRetry(ctx, resp, err)
	inFlight := !retry && err == nil && st.keyed && c.inFlight(ctx, resp)
	switch {
	case inFlight:
		// Not a failure: the provider is still working on this key. Only
		// the call's bound limits how long it is waited for.
		st.inFlight++
		retry = true
	case retry && st.attempt-st.inFlight >= c.cfg.MaxAttempts:
		retry = false
	}
	st.wait = 0
	if retry {
		n := st.attempt - st.inFlight
		if inFlight {
			n = st.inFlight
		}
		st.wait = c.wait(n, resp)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < st.wait {
			retry = false // the wait would outlive the call; report this answer instead
			st.wait = 0
		}
	}
	c.logAttempt(ctx, st, resp, err, retry)
	c.observeAttempt(ctx, st, resp, err, retry)
	if !retry {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, nil
	}
	if ambiguous && st.reconcile != nil {
		done, rerr := st.reconcile(ctx)
		c.tel.Reconciled(ctx, done, rerr)
		switch {
		case rerr != nil:
			st.reconErr = rerr
			c.log(ctx, slog.LevelWarn, "qpay: reconciliation failed, not resending", st, slog.String("error", c.red.Error(rerr)))
			return false, nil
		case done:
			st.reconciled = true
			c.log(ctx, slog.LevelInfo, "qpay: found by reconciliation, not resending", st)
			return false, errReconciled
		}
	}
	return true, nil
}

// inFlight reports whether resp, a final answer to a call with an
// idempotency key, says that the key is still being processed. The body is
// read to ask the adapter's ErrorDecoder and put back for Do, with any
// read error kept for it too.
func (c *Client) inFlight(ctx context.Context, resp *http.Response) bool {
	if ctx.Err() != nil || resp == nil || resp.StatusCode < 400 || resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return false
	}
	data, err := c.readBody(resp.Body, resp.ContentLength)
	_ = resp.Body.Close()
	var rest io.Reader = bytes.NewReader(data)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	resp.Body = io.NopCloser(rest)
	// A body that broke off says nothing for sure: the status is the answer.
	return err == nil && c.cfg.DecodeError(resp.StatusCode, resp.Header, data).InFlight
}

// errReader replays a read error after the bytes read before it.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// shouldRetry is the retry policy. ambiguous reports whether the failed
// attempt may have reached the provider (no answer, or a 5xx).
func (c *Client) shouldRetry(ctx context.Context, resp *http.Response, err error) (retry, ambiguous bool) {
	if ctx.Err() != nil {
		return false, false
	}
	if err != nil {
		// Redirect loops, bad schemes and certificate errors will not heal.
		ok, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		return ok, ok
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return true, false
	case s >= 500 && s != http.StatusNotImplemented:
		return true, true
	}
	return false, false
}

// wait is the pause before attempt n+1: the provider's Retry-After when it
// sent one (capped), else exponential backoff with equal jitter.
func (c *Client) wait(n int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, c.cfg.MaxRetryAfter)
		}
	}
	ceiling := c.cfg.MinBackoff << min(n-1, 20)
	if ceiling <= 0 || ceiling > c.cfg.MaxBackoff {
		ceiling = c.cfg.MaxBackoff
	}
	// Equal jitter (a random wait in [ceiling/2, ceiling]) spreads the retries
	// of many replicas hit by the same outage.
	half := ceiling / 2
	return half + rand.N(half+1)
}

func (c *Client) backoff(_, _ time.Duration, _ int, resp *http.Response) time.Duration {
	if resp == nil || resp.Request == nil {
		return c.cfg.MinBackoff
	}
	if st, ok := resp.Request.Context().Value(stateKey{}).(*callState); ok {
		return st.wait
	}
	return c.cfg.MinBackoff
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > 1<<31 {
			secs = 1 << 31
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (c *Client) logAttempt(ctx context.Context, st *callState, resp *http.Response, err error, retry bool) {
	if c.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.Int("attempt", st.attempt)}
	level := slog.LevelInfo
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if resp.StatusCode >= 400 {
			level = slog.LevelWarn
		}
	} else if err != nil {
		attrs = append(attrs, slog.Int("status", 0), slog.String("error", c.red.Error(err)))
		level = slog.LevelWarn
	}
	if retry {
		attrs = append(attrs, slog.Duration("wait", st.wait))
	}
	attrs = append(attrs, slog.Bool("retry", retry))
	c.log(ctx, level, "qpay: attempt", st, attrs...)
}

// log writes one line; it never receives a header, a body or a key, only
// the operation, the method and path (IDs, no secrets), and counters.
func (c *Client) log(ctx context.Context, level slog.Level, msg string, st *callState, attrs ...slog.Attr) {
	if c.logger == nil {
		return
	}
	base := []slog.Attr{
		slog.String("provider", c.cfg.Provider),
		slog.String("op", st.op),
		slog.String("method", st.method),
		slog.String("path", st.path),
	}
	c.logger.LogAttrs(context.WithoutCancel(ctx), level, msg, append(base, attrs...)...)
}

// NewIdempotencyKey returns a random UUID version 4, the form Checkout
// recommends for Cko-Idempotency-Key and a safe choice for Tap's
// reference.idempotent.
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		// Only possible before Go 1.24. A repeated key would replay another
		// call's answer, so fall back to math/rand/v2's OS-seeded ChaCha8
		// rather than to anything fixed.
		for i := range b {
			b[i] = byte(rand.Uint32())
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	// The canonical 8-4-4-4-12 form, lower-case hex, written directly:
	// fmt costs an allocation per group.
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}
