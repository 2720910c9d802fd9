package main

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// account is one provider of the simulator as the environment describes it
// to get and refund.
type account struct {
	provider string
	env      map[string]string
	adapter  func(t testing.TB, s *qpaytest.Server) qpay.Provider
}

func accounts(s *qpaytest.Server) []account {
	fast := func(m map[string]string) map[string]string {
		m["QPAY_MIN_BACKOFF"], m["QPAY_MAX_BACKOFF"], m["QPAY_MAX_RETRY_AFTER"] = "1ms", "5ms", "10ms"
		return m
	}
	return []account{
		{
			provider: qpaytest.ProviderTap,
			env: fast(map[string]string{
				"QPAY_PROVIDER":   "tap",
				"QPAY_SECRET_KEY": s.TapSecretKey().Reveal(),
				"QPAY_BASE_URL":   s.TapBaseURL(),
			}),
			adapter: qpaytest.NewTap,
		},
		{
			provider: qpaytest.ProviderCheckout,
			env: fast(map[string]string{
				"QPAY_PROVIDER":       "checkout",
				"QPAY_SECRET_KEY":     s.CheckoutSecretKey().Reveal(),
				"QPAY_WEBHOOK_SECRET": s.CheckoutWebhookSecret().Reveal(),
				"QPAY_BASE_URL":       s.CheckoutBaseURL(),
			}),
			adapter: qpaytest.NewCheckout,
		},
	}
}

func newSimulator(t *testing.T) *qpaytest.Server {
	t.Helper()
	s, err := qpaytest.NewServer(qpaytest.Options{})
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

// createPayment makes a QPAY 79.10 payment with the real adapter and, unless
// to is Pending, settles it as the shopper would.
func createPayment(t *testing.T, s *qpaytest.Server, a account, reference string, to status.Status) *qpay.Payment {
	t.Helper()
	p, err := a.adapter(t, s).CreatePayment(context.Background(), qpay.PaymentRequest{
		Amount:    money.MustParse("79.10", "QAR"),
		Reference: reference,
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: "http://shop.example/return",
	})
	require.NoError(t, err)
	if to != status.Pending {
		require.NoError(t, s.Settle(p.ID, to))
	}
	return p
}

func TestGetPrintsThePayment(t *testing.T) {
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			paid := createPayment(t, s, a, "ORD-GET-1", status.Captured)
			r := qpayCmd(t, invocation{env: a.env, args: []string{"get", paid.ID}})
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, a.provider+" payment "+paid.ID+"\n")
			assert.Regexp(t, `status:\s+captured \(raw "`, r.stdout)
			assert.Regexp(t, `amount:\s+QAR 79\.10\n`, r.stdout)
			assert.Regexp(t, `reference:\s+ORD-GET-1\n`, r.stdout)
			assert.NotContains(t, r.stdout, "pay at:", "only a pending payment has a page to send the shopper to")
			assertNoSecret(t, r, simulatorSecrets()...)

			pending := createPayment(t, s, a, "ORD-GET-2", status.Pending)
			// Flags after the ID, as people type them.
			r = qpayCmd(t, invocation{env: a.env, args: []string{"get", pending.ID, "-json"}})
			require.Equal(t, exitOK, r.code, r.stderr)
			var v paymentView
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), r.stdout)
			assert.Equal(t, pending.ID, v.ID)
			assert.Equal(t, a.provider, v.Provider)
			assert.Equal(t, "pending", v.Status)
			assert.Equal(t, pending.RedirectURL, v.RedirectURL)
			assert.Equal(t, "ORD-GET-2", v.Reference)
			r = qpayCmd(t, invocation{env: a.env, args: []string{"get", pending.ID}})
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Regexp(t, `pay at:\s+`+regexp.QuoteMeta(pending.RedirectURL)+"\n", r.stdout)
			require.NotNil(t, v.Amount)
			assert.True(t, v.Amount.Equal(money.MustParse("79.10", "QAR")))
			assertNoSecret(t, r, simulatorSecrets()...)
		})
	}
}

func TestRefundRefundsOnceByReference(t *testing.T) {
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			paid := createPayment(t, s, a, "ORD-RFD-1", status.Captured)
			refund := []string{"refund", "-amount", "10.00", "-reference", "RFD-1", "-reason", "damaged", paid.ID}

			r := qpayCmd(t, invocation{env: a.env, args: refund})
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stderr, `qpay refund: refunding QAR 10.00 of payment `+paid.ID+` with reference "RFD-1" through `+a.provider+" (test key) at "+a.env["QPAY_BASE_URL"])
			assert.Regexp(t, a.provider+` refund \S+ of payment `+paid.ID+"\n", r.stdout)
			assert.Regexp(t, `amount:\s+QAR 10\.00\n`, r.stdout)
			assert.Regexp(t, `reference:\s+RFD-1\n`, r.stdout)
			assertNoSecret(t, r, simulatorSecrets()...)

			// The same command again returns the same refund.
			again := qpayCmd(t, invocation{env: a.env, args: append(append([]string(nil), refund...), "-json")})
			require.Equal(t, exitOK, again.code, again.stderr)
			var v refundView
			require.NoError(t, json.Unmarshal([]byte(again.stdout), &v), again.stdout)
			assert.Equal(t, paid.ID, v.PaymentID)
			assert.Equal(t, "RFD-1", v.Reference)
			require.NotNil(t, v.Amount)
			assert.True(t, v.Amount.Equal(money.MustParse("10.00", "QAR")))

			view, err := s.Lookup(paid.ID)
			require.NoError(t, err)
			require.Len(t, view.Refunds, 1, "running refund twice with one reference refunds once")
			assert.Equal(t, view.Refunds[0].ID, v.ID)
			assert.Regexp(t, " "+view.Refunds[0].ID+" ", r.stdout)
		})
	}
}

func TestGetAndRefundFailures(t *testing.T) {
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			paid := createPayment(t, s, a, "ORD-FAIL-1", status.Captured)
			pending := createPayment(t, s, a, "ORD-FAIL-2", status.Pending)
			unknownID := map[string]string{"tap": "chg_TS07A0000000000000000000", "checkout": "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa"}[a.provider]
			wrongKey := map[string]string{"tap": "sk_test_WrongKey0000000000000", "checkout": "sk_sbox_wrongkeywrongkeywrongkeywron="}[a.provider]

			tests := []struct {
				name  string
				env   map[string]string
				fault *qpaytest.Fault
				args  []string
				want  []string // in stderr
			}{
				{name: "no such payment", args: []string{"get", unknownID}, want: []string{"not_found"}},
				{name: "a wrong key", env: map[string]string{"QPAY_SECRET_KEY": wrongKey}, args: []string{"get", paid.ID},
					want: []string{"authentication", "http 401"}},
				{name: "the provider is down", env: map[string]string{"QPAY_MAX_ATTEMPTS": "2"},
					fault: &qpaytest.Fault{Provider: a.provider, Op: qpaytest.OpGetPayment, Status: 503, Times: 2},
					args:  []string{"get", paid.ID}, want: []string{"unavailable", "http 503", "a later retry of the same command may succeed"}},
				{name: "more than was paid", args: []string{"refund", "-amount", "80.00", "-reference", "RFD-X", paid.ID},
					want: []string{"invalid_request", "exceeds"}},
				{name: "a payment not yet captured", args: []string{"refund", "-amount", "1.00", "-reference", "RFD-Y", pending.ID},
					want: []string{"only a captured payment can be refunded"}},
				{name: "nothing listens there", env: map[string]string{"QPAY_BASE_URL": "http://127.0.0.1:1/tap", "QPAY_MAX_ATTEMPTS": "1"},
					args: []string{"get", paid.ID}, want: []string{"network", "the provider may or may not have acted"}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					env := map[string]string{}
					for k, v := range a.env {
						env[k] = v
					}
					for k, v := range tt.env {
						env[k] = v
					}
					if tt.fault != nil {
						require.NoError(t, s.Inject(*tt.fault))
					}
					r := qpayCmd(t, invocation{env: env, args: tt.args})
					require.Equal(t, exitFailed, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
					assert.Empty(t, r.stdout)
					assert.Regexp(t, `^qpay (get|refund): `, r.stderr)
					for _, w := range tt.want {
						assert.Contains(t, r.stderr, w)
					}
					assertNoSecret(t, r, append(simulatorSecrets(), wrongKey)...)
				})
			}
			view, err := s.Lookup(paid.ID)
			require.NoError(t, err)
			assert.Empty(t, view.Refunds, "no failed command refunded anything")
		})
	}
}

func TestVerboseLogsAttemptsWithoutKeys(t *testing.T) {
	s := newSimulator(t)
	a := accounts(s)[1] // Checkout: an API key and a webhook secret to keep out of the log
	paid := createPayment(t, s, a, "ORD-LOG-1", status.Captured)
	r := qpayCmd(t, invocation{env: a.env, args: []string{"get", "-v", paid.ID}})
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "op=get_payment")
	assert.Contains(t, r.stderr, "status=200")
	assertNoSecret(t, r, simulatorSecrets()...)
}
