package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

const secret = "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"

// recorder is a provider stand-in that answers from a script and records
// every attempt it sees.
type recorder struct {
	mu       sync.Mutex
	attempts []attempt
	script   []func(w http.ResponseWriter, r *http.Request)
}

type attempt struct {
	at     time.Time
	header http.Header
	body   []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	n := len(rec.attempts)
	rec.attempts = append(rec.attempts, attempt{at: time.Now(), header: r.Header.Clone(), body: body})
	step := rec.script[min(n, len(rec.script)-1)]
	rec.mu.Unlock()
	step(w, r)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.attempts)
}

func reply(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hangUp closes the connection without an answer, as a reset would.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func sleep(d time.Duration) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{}`)
	}
}

func newClient(t *testing.T, rec *recorder, mutate ...func(*Config)) (*Client, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	cfg := Config{
		Provider:          "test",
		BaseURL:           srv.URL,
		Authorize:         func(h http.Header) { h.Set("Authorization", "Bearer "+secret) },
		Secrets:           []qpay.Secret{qpay.NewSecret(secret)},
		IdempotencyHeader: "Cko-Idempotency-Key",
		RequestIDHeader:   "Cko-Request-Id",
		Logger:            slog.New(slog.NewJSONHandler(&logs, nil)),
		MinBackoff:        time.Millisecond,
		MaxBackoff:        5 * time.Millisecond,
		AttemptTimeout:    2 * time.Second,
		CallTimeout:       10 * time.Second,
		DecodeError: func(_ int, _ http.Header, body []byte) ErrorDetails {
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(body, &e)
			return ErrorDetails{Code: e.Code, Message: e.Message}
		},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c, &logs
}

func post() Request {
	return Request{Op: "create_payment", Method: http.MethodPost, Path: "/payments",
		Body: map[string]any{"amount": 7910, "currency": "QAR"}, IdempotencyKey: "key-1"}
}

func TestRetriesAndAttemptCounts(t *testing.T) {
	tests := []struct {
		name     string
		script   []func(http.ResponseWriter, *http.Request)
		attempts int
		kind     qpay.Kind // KindUnknown: success
		status   int
	}{
		{"200 first time", []func(http.ResponseWriter, *http.Request){reply(200, `{}`)}, 1, 0, 200},
		{"503 then 200", []func(http.ResponseWriter, *http.Request){reply(503, ``), reply(200, `{}`)}, 2, 0, 200},
		{"500, 502 then 201", []func(http.ResponseWriter, *http.Request){reply(500, ``), reply(502, ``), reply(201, `{}`)}, 3, 0, 201},
		{"429 then 200", []func(http.ResponseWriter, *http.Request){reply(429, ``), reply(200, `{}`)}, 2, 0, 200},
		{"connection reset then 200", []func(http.ResponseWriter, *http.Request){hangUp, reply(200, `{}`)}, 2, 0, 200},
		{"500 every time gives up after 4", []func(http.ResponseWriter, *http.Request){reply(500, `{"code":"boom"}`)}, 4, qpay.KindUnavailable, 500},
		{"reset every time gives up after 4", []func(http.ResponseWriter, *http.Request){hangUp}, 4, qpay.KindNetwork, 0},
		{"400 is tried once", []func(http.ResponseWriter, *http.Request){reply(400, `{"code":"bad"}`)}, 1, qpay.KindInvalidRequest, 400},
		{"401 is tried once", []func(http.ResponseWriter, *http.Request){reply(401, ``)}, 1, qpay.KindAuthentication, 401},
		{"403 is tried once", []func(http.ResponseWriter, *http.Request){reply(403, ``)}, 1, qpay.KindPermission, 403},
		{"404 is tried once", []func(http.ResponseWriter, *http.Request){reply(404, ``)}, 1, qpay.KindNotFound, 404},
		{"409 is tried once", []func(http.ResponseWriter, *http.Request){reply(409, ``)}, 1, qpay.KindConflict, 409},
		{"422 is tried once", []func(http.ResponseWriter, *http.Request){reply(422, `{}`)}, 1, qpay.KindInvalidRequest, 422},
		{"501 is tried once", []func(http.ResponseWriter, *http.Request){reply(501, ``)}, 1, qpay.KindUnavailable, 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{script: tt.script}
			c, _ := newClient(t, rec)
			resp, err := c.Do(context.Background(), post())
			assert.Equal(t, tt.attempts, rec.count(), "attempts the server saw")
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, tt.status, resp.Status)
				assert.Equal(t, tt.attempts, resp.Attempts)
				return
			}
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, tt.kind)
			assert.Equal(t, tt.status, e.HTTPStatus)
			assert.Equal(t, "test", e.Provider)
			assert.Equal(t, "create_payment", e.Op)
			assert.Equal(t, tt.kind.Retryable(), e.Retryable)
		})
	}
}

func TestSameIdempotencyKeyAndBodyOnEveryAttempt(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(500, ``), hangUp, reply(503, ``), reply(200, `{}`)}}
	c, _ := newClient(t, rec)
	_, err := c.Do(context.Background(), post())
	require.NoError(t, err)
	require.Equal(t, 4, rec.count())
	for i, a := range rec.attempts {
		assert.Equal(t, "key-1", a.header.Get("Cko-Idempotency-Key"), "attempt %d", i+1)
		assert.JSONEq(t, `{"amount":7910,"currency":"QAR"}`, string(a.body), "attempt %d", i+1)
		assert.Equal(t, "Bearer "+secret, a.header.Get("Authorization"), "attempt %d", i+1)
		assert.Equal(t, "application/json", a.header.Get("Content-Type"))
	}
}

func TestRetryAfterIsObeyedAndCapped(t *testing.T) {
	t.Run("seconds", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(429, ``, "Retry-After", "1"), reply(200, `{}`)}}
		c, logs := newClient(t, rec)
		_, err := c.Do(context.Background(), post())
		require.NoError(t, err)
		require.Equal(t, 2, rec.count())
		gap := rec.attempts[1].at.Sub(rec.attempts[0].at)
		assert.GreaterOrEqual(t, gap, time.Second, "the second attempt came before Retry-After")
		assert.Contains(t, logs.String(), `"wait":1000000000`)
	})
	t.Run("capped", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(503, ``, "Retry-After", "3600"), reply(200, `{}`)}}
		c, logs := newClient(t, rec, func(c *Config) { c.MaxRetryAfter = 20 * time.Millisecond })
		_, err := c.Do(context.Background(), post())
		require.NoError(t, err)
		assert.Contains(t, logs.String(), `"wait":20000000`)
	})
	t.Run("longer than the call's bound: the 429 is reported at once", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(429, ``, "Retry-After", "30")}}
		c, _ := newClient(t, rec, func(c *Config) { c.CallTimeout = time.Second; c.MaxRetryAfter = time.Minute })
		_, err := c.Do(context.Background(), post())
		assert.ErrorIs(t, err, qpay.KindRateLimited)
		assert.Equal(t, 1, rec.count())
	})
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestBackoffIsJitteredAndBounded(t *testing.T) {
	c, err := New(Config{Provider: "test", BaseURL: "http://127.0.0.1", MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	require.NoError(t, err)
	seen := map[time.Duration]bool{}
	for n := 1; n <= 8; n++ {
		ceiling := min(100*time.Millisecond<<(n-1), time.Second)
		for range 50 {
			w := c.wait(n, nil)
			assert.GreaterOrEqual(t, w, ceiling/2, "attempt %d", n)
			assert.LessOrEqual(t, w, ceiling, "attempt %d", n)
			seen[w] = true
		}
	}
	assert.Greater(t, len(seen), 50, "waits are not jittered")
}

func TestContextEndsTheCallPromptly(t *testing.T) {
	t.Run("cancelled during a slow answer", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){sleep(5 * time.Second)}}
		c, _ := newClient(t, rec)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Do(ctx, post())
		assert.Less(t, time.Since(start), time.Second)
		assert.ErrorIs(t, err, qpay.KindCanceled)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, rec.count(), "no retry after the context ended")
	})
	t.Run("cancelled during a backoff wait", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(503, ``, "Retry-After", "5")}}
		c, _ := newClient(t, rec)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Do(ctx, post())
		assert.Less(t, time.Since(start), time.Second)
		assert.ErrorIs(t, err, qpay.KindCanceled)
		assert.Equal(t, 1, rec.count())
	})
	t.Run("already cancelled: nothing is sent", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(200, `{}`)}}
		c, _ := newClient(t, rec)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Do(ctx, post())
		assert.ErrorIs(t, err, qpay.KindCanceled)
		assert.Equal(t, 0, rec.count())
	})
}

func TestTimeouts(t *testing.T) {
	t.Run("each attempt has its own timeout", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){sleep(time.Second), reply(200, `{}`)}}
		c, _ := newClient(t, rec, func(c *Config) { c.AttemptTimeout = 50 * time.Millisecond })
		resp, err := c.Do(context.Background(), post())
		require.NoError(t, err)
		assert.Equal(t, 2, resp.Attempts)
	})
	t.Run("the whole call is bounded", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){sleep(5 * time.Second)}}
		c, _ := newClient(t, rec, func(c *Config) { c.CallTimeout = 100 * time.Millisecond })
		start := time.Now()
		_, err := c.Do(context.Background(), post())
		assert.Less(t, time.Since(start), 2*time.Second)
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, qpay.KindNetwork, e.Kind, "the provider, not the caller, was too slow")
		assert.Contains(t, e.Message, "bound of 100ms")
	})
}

func TestFailedResponsesKeepTheirBody(t *testing.T) {
	tests := []struct {
		name, body string
		code, msg  string
	}{
		{"json", `{"code":"1144","message":"Charge not found"}`, "1144", "Charge not found"},
		{"html from a proxy", `<html><body>502 Bad Gateway</body></html>`, "", "Not Found"},
		{"empty", ``, "", "Not Found"},
		{"truncated json", `{"code":"11`, "", "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(404, tt.body, "Cko-Request-Id", "req_123")}}
			c, _ := newClient(t, rec)
			_, err := c.Do(context.Background(), post())
			var e *qpay.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.body, string(e.Body))
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.msg, e.Message)
			assert.Equal(t, "req_123", e.RequestID)
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 2048) + `"}`
	t.Run("success body over the limit is an error", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(200, big)}}
		c, _ := newClient(t, rec, func(c *Config) { c.MaxResponseBytes = 1024 })
		_, err := c.Do(context.Background(), post())
		assert.ErrorIs(t, err, qpay.KindNetwork)
		assert.ErrorContains(t, err, "larger than 1024 bytes")
	})
	t.Run("error body over the limit keeps its status", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(400, big)}}
		c, _ := newClient(t, rec, func(c *Config) { c.MaxResponseBytes = 1024 })
		_, err := c.Do(context.Background(), post())
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 400, e.HTTPStatus)
		assert.Contains(t, string(e.Body), "body truncated")
		assert.Less(t, len(e.Body), 1200)
	})
}

func TestDoJSONDecodesOrReportsProtocolError(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(200, `{"id":"pay_1"}`), reply(200, `not json`)}}
	c, _ := newClient(t, rec)
	var out struct {
		ID string `json:"id"`
	}
	_, err := c.DoJSON(context.Background(), post(), &out)
	require.NoError(t, err)
	assert.Equal(t, "pay_1", out.ID)
	_, err = c.DoJSON(context.Background(), post(), &out)
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindProtocol, e.Kind)
	assert.Equal(t, "not json", string(e.Body))
}

func TestReconcileBeforeAnAmbiguousResend(t *testing.T) {
	t.Run("found: the request is not resent", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){hangUp, reply(200, `{}`)}}
		c, _ := newClient(t, rec)
		req := post()
		calls := 0
		req.Reconcile = func(context.Context) (bool, error) { calls++; return true, nil }
		resp, err := c.Do(context.Background(), req)
		require.NoError(t, err)
		assert.True(t, resp.Reconciled)
		assert.Equal(t, 1, calls)
		assert.Equal(t, 1, rec.count())
	})
	t.Run("not found: resent with the same key", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(500, ``), reply(200, `{}`)}}
		c, _ := newClient(t, rec)
		req := post()
		req.Reconcile = func(context.Context) (bool, error) { return false, nil }
		resp, err := c.Do(context.Background(), req)
		require.NoError(t, err)
		assert.False(t, resp.Reconciled)
		assert.Equal(t, 2, rec.count())
	})
	t.Run("reading back fails: stop, never resend blindly", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(502, ``), reply(200, `{}`)}}
		c, _ := newClient(t, rec)
		req := post()
		req.Reconcile = func(context.Context) (bool, error) { return false, errors.New("list failed") }
		_, err := c.Do(context.Background(), req)
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 1, rec.count())
		assert.False(t, e.Retryable)
		assert.Contains(t, e.Message, "list failed")
	})
	t.Run("429 is not ambiguous: no reconciliation", func(t *testing.T) {
		rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(429, ``), reply(200, `{}`)}}
		c, _ := newClient(t, rec)
		req := post()
		req.Reconcile = func(context.Context) (bool, error) { t.Error("reconciled after a 429"); return false, nil }
		_, err := c.Do(context.Background(), req)
		require.NoError(t, err)
	})
}

func TestLogsOneLinePerAttemptWithoutSecrets(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(503, `{"message":"`+secret+`"}`), reply(200, `{}`)}}
	c, logs := newClient(t, rec)
	_, err := c.Do(context.Background(), post())
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "create_payment", first["op"])
	assert.EqualValues(t, 1, first["attempt"])
	assert.EqualValues(t, 503, first["status"])
	assert.Contains(t, first, "wait")
	assert.EqualValues(t, 2, second["attempt"])
	assert.EqualValues(t, 200, second["status"])
	assert.NotContains(t, logs.String(), secret)
	assert.NotContains(t, logs.String(), "key-1")
}

func TestSecretsAreRedactedFromErrors(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(401, `{"code":"2104","message":"Invalid API Key `+secret+`"}`)}}
	c, _ := newClient(t, rec)
	_, err := c.Do(context.Background(), post())
	require.Error(t, err)
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		assert.NotContains(t, s, secret)
	}
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.NotContains(t, string(e.Body), secret)
	assert.Contains(t, e.Message, "[REDACTED]")
}

func TestInjectedHTTPClientIsUsed(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(200, `{}`)}}
	var used bool
	c, _ := newClient(t, rec, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used = true
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	_, err := c.Do(context.Background(), post())
	require.NoError(t, err)
	assert.True(t, used)
}

func TestNewIdempotencyKeyIsAUniqueUUIDv4(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := NewIdempotencyKey()
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, k)
		require.False(t, seen[k], "repeated key %s", k)
		seen[k] = true
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRedirectsAreNeverFollowedEvenWithTheCallersClient(t *testing.T) {
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization") != ""
		_, _ = io.WriteString(w, `{}`)
	}))
	defer other.Close()
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}}}
	c, _ := newClient(t, rec, func(c *Config) { c.HTTPClient = &http.Client{} }) // default policy: follow
	_, err := c.Do(context.Background(), Request{Op: "get_payment", Method: http.MethodGet, Path: "/payments/pay_1"})
	assert.ErrorIs(t, err, qpay.KindProtocol)
	assert.False(t, leaked, "the key followed the redirect to another server")
}

// inFlightOn409 is an ErrorDecoder, as Checkout's adapter has, for which
// every 409 means "the same idempotency key is still being processed".
func inFlightOn409(status int, _ http.Header, body []byte) ErrorDetails {
	return ErrorDetails{InFlight: status == http.StatusConflict, Message: string(body)}
}

func TestInFlightConflictIsWaitedOut(t *testing.T) {
	r409 := reply(409, `busy`)
	tests := []struct {
		name     string
		script   []func(http.ResponseWriter, *http.Request)
		attempts int
		kind     qpay.Kind // KindUnknown: success
	}{
		{"409 then the replay", []func(http.ResponseWriter, *http.Request){r409, reply(201, `{"id":"pay_1"}`)}, 2, 0},
		// The first attempt gets no answer (the provider is still working
		// on it), the resend finds the key in flight, then the replay.
		{"reset, 409, 409, then the replay", []func(http.ResponseWriter, *http.Request){hangUp, r409, r409, reply(201, `{"id":"pay_1"}`)}, 4, 0},
		// Waiting is not failing: more 409s than MaxAttempts allows
		// failures are still waited out.
		{"six 409s then the replay", []func(http.ResponseWriter, *http.Request){r409, r409, r409, r409, r409, r409, reply(201, `{"id":"pay_1"}`)}, 7, 0},
		// The failures around the waits still count: 500, 409, 500, 500,
		// 500 are four failures and one wait.
		{"failures still count", []func(http.ResponseWriter, *http.Request){reply(500, ``), r409, reply(500, ``), reply(500, ``), reply(500, ``), reply(200, `{}`)}, 5, qpay.KindUnavailable},
		{"a 409 that is not in flight is the answer", []func(http.ResponseWriter, *http.Request){reply(409, `other`)}, 1, qpay.KindConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{script: tt.script}
			c, _ := newClient(t, rec, func(cfg *Config) {
				cfg.DecodeError = func(status int, h http.Header, body []byte) ErrorDetails {
					d := inFlightOn409(status, h, body)
					d.InFlight = d.InFlight && string(body) == "busy"
					return d
				}
			})
			resp, err := c.Do(context.Background(), post())
			assert.Equal(t, tt.attempts, rec.count(), "attempts the server saw")
			for i, a := range rec.attempts {
				assert.Equal(t, "key-1", a.header.Get("Cko-Idempotency-Key"), "attempt %d", i+1)
			}
			if tt.kind == qpay.KindUnknown {
				require.NoError(t, err)
				assert.Equal(t, `{"id":"pay_1"}`, string(resp.Body), "the replayed answer")
				return
			}
			assert.ErrorIs(t, err, tt.kind)
		})
	}
}

func TestInFlightConflictNeedsAnIdempotencyKey(t *testing.T) {
	// Without a key the provider cannot replay anything: the 409 is the
	// answer, as for a GET.
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(409, `busy`), reply(200, `{}`)}}
	c, _ := newClient(t, rec, func(cfg *Config) { cfg.DecodeError = inFlightOn409 })
	req := post()
	req.IdempotencyKey = ""
	_, err := c.Do(context.Background(), req)
	assert.ErrorIs(t, err, qpay.KindConflict)
	assert.Equal(t, 1, rec.count())
}

func TestInFlightConflictEndsWithTheCallsBound(t *testing.T) {
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){reply(409, `busy`)}}
	c, _ := newClient(t, rec, func(cfg *Config) {
		cfg.DecodeError = inFlightOn409
		// Long enough for the first 409 to come back on a loaded machine.
		cfg.CallTimeout = 400 * time.Millisecond
	})
	_, err := c.Do(context.Background(), post())
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, qpay.KindConflict, e.Kind, "%v", err)
	assert.True(t, e.Retryable, "the same key will get the original answer replayed")
	if e.HTTPStatus != 0 {
		// The bound ended in a wait: the last 409 is the answer.
		assert.Equal(t, "busy", string(e.Body), "the last answer's body is kept")
	}
	// Or it ended during a resend: still a conflict, not a network failure.
	assert.Contains(t, e.Message, "still in flight after")
	assert.Greater(t, rec.count(), 1, "the conflict was waited for")
}

func TestInFlightBodyReadErrorIsKept(t *testing.T) {
	// A 409 whose body breaks off: the status still speaks, and the
	// failure to read is reported as for any other error body.
	rec := &recorder{script: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(409)
		_, _ = io.WriteString(w, "busy")
	}}}
	c, _ := newClient(t, rec, func(cfg *Config) { cfg.DecodeError = inFlightOn409 })
	_, err := c.Do(context.Background(), post())
	var e *qpay.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 409, e.HTTPStatus)
	assert.Contains(t, string(e.Body), "body truncated")
	assert.Equal(t, 1, rec.count(), "a body that cannot be read is not taken for an in-flight conflict")
}

func TestAddDetail(t *testing.T) {
	for _, c := range []struct{ message, want string }{
		{"", "qpay knows more"},
		{"the provider's words", "the provider's words; qpay knows more"},
		{"; odd", "; odd; qpay knows more"},
	} {
		e := &qpay.Error{Message: c.message}
		AddDetail(e, "qpay knows more")
		assert.Equal(t, c.want, e.Message)
	}
}
