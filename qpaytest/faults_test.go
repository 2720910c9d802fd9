package qpaytest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/status"
)

func TestInjectRefusesFaultsThatCannotHappen(t *testing.T) {
	s := startServer(t, Options{})
	cases := []struct {
		name string
		f    Fault
		ok   bool
	}{
		{"a 500", Fault{Provider: ProviderTap, Op: OpCreatePayment, Status: 500}, true},
		{"a slow refund list", Fault{Provider: ProviderCheckout, Op: OpListRefunds, Delay: time.Millisecond}, true},
		{"Tap's refund read", Fault{Provider: ProviderTap, Op: OpGetRefund, ResetBeforeRead: true}, true},
		{"unknown provider", Fault{Provider: "stripe", Op: OpCreatePayment, Status: 500}, false},
		{"unknown operation", Fault{Provider: ProviderTap, Op: "capture", Status: 500}, false},
		{"Checkout has no refund read", Fault{Provider: ProviderCheckout, Op: OpGetRefund, Status: 500}, false},
		{"not an HTTP status", Fault{Provider: ProviderTap, Op: OpRefund, Status: 42}, false},
		{"negative times", Fault{Provider: ProviderTap, Op: OpRefund, Status: 500, Times: -1}, false},
		{"negative delay", Fault{Provider: ProviderTap, Op: OpRefund, Delay: -time.Second}, false},
		{"no effect", Fault{Provider: ProviderTap, Op: OpRefund}, false},
		{"a status after a reset", Fault{Provider: ProviderTap, Op: OpRefund, ResetBeforeRead: true, Status: 500}, false},
		{"a status that also acts", Fault{Provider: ProviderTap, Op: OpRefund, Status: 500, ResetAfterAction: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Inject(c.f)
			if c.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestFaultAnswersWithTheProvidersErrorBodies(t *testing.T) {
	cases := []struct {
		name       string
		f          Fault
		method     string
		path       string
		check      func(t *testing.T, r apiResp)
		retryAfter string
	}{
		{"Tap 500", Fault{Provider: ProviderTap, Op: OpCreatePayment, Status: 500}, http.MethodPost, "/tap/v2/charges",
			func(t *testing.T, r apiResp) { assert.Equal(t, []string{"9999"}, r.tapCodes(t)) }, ""},
		{"Tap 503", Fault{Provider: ProviderTap, Op: OpGetPayment, Status: 503}, http.MethodGet, "/tap/v2/charges/chg_x",
			func(t *testing.T, r apiResp) { assert.Equal(t, []string{"2101"}, r.tapCodes(t)) }, ""},
		{"Tap 429", Fault{Provider: ProviderTap, Op: OpRefund, Status: 429, RetryAfter: "7"}, http.MethodPost, "/tap/v2/refunds",
			func(t *testing.T, r apiResp) { assert.Empty(t, r.body) }, "7"},
		{"Tap 401", Fault{Provider: ProviderTap, Op: OpListRefunds, Status: 401}, http.MethodPost, "/tap/v2/refunds/list",
			func(t *testing.T, r apiResp) { assert.Equal(t, []string{"2104"}, r.tapCodes(t)) }, ""},
		{"Tap 404 of a refund", Fault{Provider: ProviderTap, Op: OpGetRefund, Status: 404}, http.MethodGet, "/tap/v2/refunds/re_x",
			func(t *testing.T, r apiResp) { assert.Equal(t, []string{"1160"}, r.tapCodes(t)) }, ""},
		{"Checkout 502", Fault{Provider: ProviderCheckout, Op: OpCreatePayment, Status: 502}, http.MethodPost, "/checkout/payments",
			func(t *testing.T, r apiResp) {
				assert.Contains(t, r.header.Get("Content-Type"), "text/html")
				assert.Contains(t, string(r.body), "502 Bad Gateway")
			}, ""},
		{"Checkout 429", Fault{Provider: ProviderCheckout, Op: OpGetPayment, Status: 429, RetryAfter: "1"}, http.MethodGet, "/checkout/payments/pay_x",
			func(t *testing.T, r apiResp) { assert.Equal(t, []string{"api_calls_quota_exceeded"}, r.ckoCodes(t)) }, "1"},
		{"Checkout 401", Fault{Provider: ProviderCheckout, Op: OpRefund, Status: 401}, http.MethodPost, "/checkout/payments/pay_x/refunds",
			func(t *testing.T, r apiResp) { assert.Empty(t, r.body) }, ""},
		{"a body of the test's own", Fault{Provider: ProviderCheckout, Op: OpListRefunds, Status: 500, Body: `{"oops":true}`}, http.MethodGet, "/checkout/payments/pay_x/actions",
			func(t *testing.T, r apiResp) {
				assert.JSONEq(t, `{"oops":true}`, string(r.body))
				assert.Contains(t, r.header.Get("Content-Type"), "application/json")
			}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startServer(t, Options{})
			require.NoError(t, s.Inject(c.f))
			h := tapAuth(s)
			if c.f.Provider == ProviderCheckout {
				h = ckoAuth(s)
			}
			var body any
			if c.method == http.MethodPost {
				body = map[string]any{}
			}
			r := send(t, s, c.method, c.path, h, body)
			assert.Equal(t, c.f.Status, r.status)
			assert.Equal(t, c.retryAfter, r.header.Get("Retry-After"))
			c.check(t, r)
			if c.f.Provider == ProviderCheckout {
				assert.NotEmpty(t, r.header.Get("Cko-Request-Id"))
			}
			assert.Zero(t, s.core.PendingFaults(), "the fault hit one request")
		})
	}
}

func TestFaultsAreConsumedInOrder(t *testing.T) {
	s := startServer(t, Options{})
	require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpGetPayment, Status: 500, Times: 2}))
	require.NoError(t, s.Inject(Fault{Provider: ProviderCheckout, Op: OpGetPayment, Status: 404}))
	require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpGetPayment, Status: 503}))
	id, _ := createTap(t, s, tapChargeReq(""))
	var got []int
	for range 4 {
		got = append(got, send(t, s, http.MethodGet, "/tap/v2/charges/"+id, tapAuth(s), nil).status)
	}
	assert.Equal(t, []int{500, 500, 503, 200}, got)
	var statuses []int
	for _, c := range s.Calls(ProviderTap, OpGetPayment) {
		statuses = append(statuses, c.Status)
	}
	assert.Equal(t, got, statuses, "Calls records what was answered")
	assert.Equal(t, 0, s.Requests(ProviderCheckout, OpGetPayment), "the Checkout fault waits for a Checkout request")
}

func TestAdaptersRetryTransientFaults(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		cases := []struct {
			name    string
			f       Fault
			atLeast time.Duration
		}{
			{"500", Fault{Status: http.StatusInternalServerError}, 0},
			{"503", Fault{Status: http.StatusServiceUnavailable}, 0},
			{"429 with Retry-After", Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}, 40 * time.Millisecond}, // capped at 50ms by TapConfig/CheckoutConfig
			{"two 502s", Fault{Status: http.StatusBadGateway, Times: 2}, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := startServer(t, Options{})
				p := adapter(t, s, provider)
				f := c.f
				f.Provider, f.Op = provider, OpCreatePayment
				require.NoError(t, s.Inject(f))
				start := time.Now()
				pay, err := p.CreatePayment(context.Background(), paymentRequest("ORD-retry", "2.00", ""))
				require.NoError(t, err)
				assert.GreaterOrEqual(t, time.Since(start), c.atLeast)
				assert.Equal(t, status.Pending, pay.Status)
				times := max(f.Times, 1)
				assert.Equal(t, times+1, s.Requests(provider, OpCreatePayment))
				assert.Len(t, s.Payments(), 1)
			})
		}
	})
}

func TestAdaptersDoNotRetryRefusals(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		s := startServer(t, Options{})
		p := adapter(t, s, provider)
		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpCreatePayment, Status: http.StatusUnauthorized}))
		_, err := p.CreatePayment(context.Background(), paymentRequest("ORD-401", "2.00", ""))
		var e *qpay.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, qpay.KindAuthentication, e.Kind)
		assert.Equal(t, 1, s.Requests(provider, OpCreatePayment))
		assert.NotContains(t, err.Error(), s.TapSecretKey().Reveal())
		assert.NotContains(t, err.Error(), s.CheckoutSecretKey().Reveal())
	})
}

func TestSlowAnswer(t *testing.T) {
	t.Run("raw", func(t *testing.T) {
		s := startServer(t, Options{})
		require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpCreatePayment, Delay: 100 * time.Millisecond}))
		start := time.Now()
		r := send(t, s, http.MethodPost, "/tap/v2/charges", tapAuth(s), tapChargeReq(""))
		assert.Equal(t, http.StatusOK, r.status)
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	})
	t.Run("tap: the retry after a timeout makes no second charge", func(t *testing.T) {
		s, err := NewServer(Options{})
		require.NoError(t, err)
		defer s.Close()
		cfg := TapConfig(s)
		cfg.HTTP.AttemptTimeout = 50 * time.Millisecond
		p, err := tap.New(cfg)
		require.NoError(t, err)
		require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpCreatePayment, Delay: 300 * time.Millisecond}))
		pay, err := p.CreatePayment(context.Background(), paymentRequest("ORD-slow", "3.00", ""))
		require.NoError(t, err)
		s.Close() // waits for the slow request, which acts after its delay
		all := s.Payments()
		require.Len(t, all, 1, "reference.idempotent kept it to one charge")
		assert.Equal(t, pay.ID, all[0].ID)
		// The retries met the key in flight (409) until the first request
		// was done, then got its charge.
		assert.Greater(t, s.Requests(ProviderTap, OpCreatePayment), 2)
	})
	t.Run("checkout: the retry meets the key in flight and waits it out", func(t *testing.T) {
		s, err := NewServer(Options{})
		require.NoError(t, err)
		defer s.Close()
		cfg := CheckoutConfig(s)
		cfg.HTTP.AttemptTimeout = 50 * time.Millisecond
		p, err := checkout.New(cfg)
		require.NoError(t, err)
		require.NoError(t, s.Inject(Fault{Provider: ProviderCheckout, Op: OpCreatePayment, Delay: 300 * time.Millisecond}))
		req := paymentRequest("ORD-slow", "3.00", "")
		req.IdempotencyKey = "ORD-slow-attempt-1"
		pay, err := p.CreatePayment(context.Background(), req)
		require.NoError(t, err, "Checkout answers 409 while the first request is processed, then replays its answer")
		require.Len(t, s.Payments(), 1)
		assert.Equal(t, s.Payments()[0].ID, pay.ID)
		var conflicts int
		for _, c := range s.Calls(ProviderCheckout, OpCreatePayment) {
			if c.Status == http.StatusConflict {
				conflicts++
			}
		}
		assert.Positive(t, conflicts, "the retry met the key in flight")
	})
}

func TestResetBeforeRead(t *testing.T) {
	t.Run("raw", func(t *testing.T) {
		s := startServer(t, Options{})
		require.NoError(t, s.Inject(Fault{Provider: ProviderTap, Op: OpCreatePayment, ResetBeforeRead: true}))
		req, err := http.NewRequest(http.MethodPost, s.TapBaseURL()+"/v2/charges", strings.NewReader("{}"))
		require.NoError(t, err)
		client := &http.Client{Transport: newTransport()}
		defer client.CloseIdleConnections()
		_, err = client.Do(req)
		assert.Error(t, err, "no answer")
		assert.Empty(t, s.Payments())
		calls := s.Calls(ProviderTap, OpCreatePayment)
		require.Len(t, calls, 1)
		assert.Nil(t, calls[0].Body, "the body was never read")
		assert.Equal(t, 0, calls[0].Status)
	})
	both(t, func(t *testing.T, provider string) {
		s := startServer(t, Options{})
		p := adapter(t, s, provider)
		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpCreatePayment, ResetBeforeRead: true}))
		pay, err := p.CreatePayment(context.Background(), paymentRequest("ORD-reset", "4.00", ""))
		require.NoError(t, err, "the adapter retries a request that never arrived")
		assert.Equal(t, 2, s.Requests(provider, OpCreatePayment))
		all := s.Payments()
		require.Len(t, all, 1)
		assert.Equal(t, pay.ID, all[0].ID)
	})
}

func TestResetAfterAction(t *testing.T) {
	t.Run("raw: the operation happened", func(t *testing.T) {
		s := startServer(t, Options{})
		require.NoError(t, s.Inject(Fault{Provider: ProviderCheckout, Op: OpCreatePayment, ResetAfterAction: true}))
		h := ckoAuth(s)
		h.Set("Cko-Idempotency-Key", "k-reset")
		req, err := http.NewRequest(http.MethodPost, s.CheckoutBaseURL()+"/payments", strings.NewReader(`{"amount":100,"currency":"QAR","source":{"type":"qpay","description":"x"}}`))
		require.NoError(t, err)
		req.Header = h
		client := &http.Client{Transport: newTransport()}
		defer client.CloseIdleConnections()
		_, err = client.Do(req)
		assert.Error(t, err, "no answer")
		require.Len(t, s.Payments(), 1, "yet the payment exists")
		again := send(t, s, http.MethodPost, "/checkout/payments", h, map[string]any{})
		assert.Equal(t, http.StatusAccepted, again.status, "and its key replays it")
		assert.Equal(t, s.Payments()[0].ID, again.object(t)["id"])
	})
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		s := startServer(t, Options{})
		p := adapter(t, s, provider)

		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpCreatePayment, ResetAfterAction: true}))
		pay, err := p.CreatePayment(ctx, paymentRequest("ORD-reset", "40.00", ""))
		require.NoError(t, err)
		all := s.Payments()
		require.Len(t, all, 1, "created exactly once")
		assert.Equal(t, pay.ID, all[0].ID)
		assert.Equal(t, 2, s.Requests(provider, OpCreatePayment))

		require.NoError(t, s.Settle(pay.ID, status.Captured))
		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpRefund, ResetAfterAction: true}))
		r, err := p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("15.00", "QAR"), Reference: "RFD-reset"})
		require.NoError(t, err)
		v, err := s.Lookup(pay.ID)
		require.NoError(t, err)
		require.Len(t, v.Refunds, 1, "refunded exactly once")
		assert.Equal(t, v.Refunds[0].ID, r.ID)
		assert.Equal(t, "15.00", v.Refunded.Fixed())
	})
}

func TestMisreportIsAnIntegrityError(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		ctx := context.Background()
		s := startServer(t, Options{})
		p := adapter(t, s, provider)

		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpCreatePayment, Misreport: true}))
		_, err := p.CreatePayment(ctx, paymentRequest("ORD-mis", "3.00", ""))
		assert.ErrorIs(t, err, qpay.KindIntegrity)

		pay, err := p.CreatePayment(ctx, paymentRequest("ORD-mis-get", "3.00", ""))
		require.NoError(t, err)
		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpGetPayment, Misreport: true}))
		_, err = p.GetPayment(ctx, pay.ID)
		assert.ErrorIs(t, err, qpay.KindIntegrity)

		require.NoError(t, s.Settle(pay.ID, status.Captured))
		require.NoError(t, s.Inject(Fault{Provider: provider, Op: OpRefund, Misreport: true}))
		_, err = p.Refund(ctx, qpay.RefundRequest{PaymentID: pay.ID, Amount: money.MustParse("1.00", "QAR"), Reference: "RFD-mis"})
		assert.ErrorIs(t, err, qpay.KindIntegrity)
	})
}
