package main

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

func TestCreateMakesAPaymentToPay(t *testing.T) {
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			for _, how := range []struct {
				name string
				inv  invocation
			}{
				{"with -sandbox", invocation{args: []string{"create", "-sandbox", s.URL(), "-provider", a.provider,
					"-amount", "25.00", "-reference", "ORD-CLI-1", "-return-url", "http://127.0.0.1:8080/return"}}},
				{"with QPAY_ variables", invocation{env: a.env, args: []string{"create",
					"-amount", "25.00", "-reference", "ORD-CLI-2", "-return-url", "http://127.0.0.1:8080/return"}}},
			} {
				t.Run(how.name, func(t *testing.T) {
					r := qpayCmd(t, how.inv)
					require.Equal(t, exitOK, r.code, r.stderr)
					assert.Contains(t, r.stderr, "qpay create: creating a payment of QAR 25.00 with reference")
					assert.Regexp(t, `status:\s+pending`, r.stdout)
					m := regexp.MustCompile(`pay at:\s+(\S+)\n`).FindStringSubmatch(r.stdout)
					require.Len(t, m, 2, r.stdout)
					back, err := s.Pay(context.Background(), m[1], qpaytest.TestCard)
					require.NoError(t, err)
					assert.Equal(t, "127.0.0.1:8080", back.Host, "the shopper comes back to -return-url")
					assertNoSecret(t, r, simulatorSecrets()...)
				})
			}
		})
	}
}

func TestCreateNamesTheFlags(t *testing.T) {
	s := newSimulator(t)
	a := accounts(s)[0]
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"nothing":       {[]string{"create"}, "missing -amount, -reference and -return-url"},
		"no return URL": {[]string{"create", "-amount", "1.00", "-reference", "R"}, "missing -return-url"},
		"bad amount": {[]string{"create", "-amount", "1.001", "-reference", "R", "-return-url", "http://x.test/"},
			`-amount "1.001": QAR allows 2 decimals`},
		"bad return URL": {[]string{"create", "-amount", "1.00", "-reference", "R", "-return-url", "not a url"}, "-return-url "},
		"bad expiry": {[]string{"create", "-amount", "1.00", "-reference", "R", "-return-url", "http://x.test/", "-expiry", "30"},
			`-expiry "30" is not a duration: write a number with a unit, such as "30m"`},
	} {
		t.Run(name, func(t *testing.T) {
			r := qpayCmd(t, invocation{env: a.env, args: tc.args})
			require.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assertOnePrefix(t, r.stderr)
			assert.Equal(t, 0, s.Requests(a.provider, qpaytest.OpCreatePayment), "nothing was sent")
		})
	}
}

// assertOnePrefix checks that no package or command prefix is said twice.
func assertOnePrefix(t *testing.T, stderr string) {
	t.Helper()
	first := strings.SplitN(stderr, "\n", 2)[0]
	for _, p := range []string{"qpay:", "money:", "providers:", "time:", "strconv"} {
		assert.LessOrEqual(t, strings.Count(first, p), 1, "%q said twice in %q", p, first)
	}
	assert.NotRegexp(t, `^qpay \S+: qpay: `, first)
}

func TestRefundSaysWhenNothingNewWasRefunded(t *testing.T) {
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			paid := createPayment(t, s, a, "ORD-AGAIN-1", status.Captured)
			refund := invocation{env: a.env, args: []string{"refund", "-amount", "5.00", "-reference", "RFD-AGAIN", paid.ID}}
			first := qpayCmd(t, refund)
			require.Equal(t, exitOK, first.code, first.stderr)
			assert.NotContains(t, first.stderr, "already refunded")

			again := qpayCmd(t, refund)
			require.Equal(t, exitOK, again.code, again.stderr)
			assert.Regexp(t, `qpay refund: already refunded: payment `+paid.ID+` has refund \S+ of QAR 5\.00 under reference "RFD-AGAIN" \(\w+\); nothing new was refunded`, again.stderr)
			asJSON := qpayCmd(t, invocation{env: a.env, args: append(append([]string(nil), refund.args...), "-json")})
			require.Equal(t, exitOK, asJSON.code, asJSON.stderr)
			assert.Contains(t, asJSON.stdout, `"existing": true`)
			view, err := s.Lookup(paid.ID)
			require.NoError(t, err)
			assert.Len(t, view.Refunds, 1)
		})
	}
}

func TestRefundNamesTheFlags(t *testing.T) {
	s := newSimulator(t)
	a := accounts(s)[0]
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no reference":   {[]string{"refund", "-amount", "1.00", "chg_1"}, "qpay refund: -reference is required"},
		"long reference": {[]string{"refund", "-amount", "1.00", "-reference", strings.Repeat("r", 200), "chg_1"}, "qpay refund: -reference is 200 characters"},
		"negative":       {[]string{"refund", "-amount", "-1", "-reference", "R", "chg_1"}, `qpay refund: -amount "-1": amount "-1" has a sign`},
	} {
		t.Run(name, func(t *testing.T) {
			r := qpayCmd(t, invocation{env: a.env, args: tc.args})
			require.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assertOnePrefix(t, r.stderr)
		})
	}
	// A provider's refusal: the command's prefix once, then the error.
	paid := createPayment(t, s, a, "ORD-PFX-1", status.Captured)
	r := qpayCmd(t, invocation{env: a.env, args: []string{"refund", "-amount", "99.00", "-reference", "R", paid.ID}})
	require.Equal(t, exitFailed, r.code)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1] // after the line saying what it is about to do
	assert.True(t, strings.HasPrefix(last, "qpay refund: tap refund: invalid_request: "), r.stderr)
	assertOnePrefix(t, last)
}

func TestGetAndRefundRefuseTheOtherProvidersIDs(t *testing.T) {
	s := newSimulator(t)
	tapEnv, ckoEnv := accounts(s)[0].env, accounts(s)[1].env
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{tapEnv, []string{"get", "pay_abcdefghijklmnopqrstuvwxyz"}, "payment ID pay_abcdefghijklmnopqrstuvwxyz is a Checkout.com ID (pay_...), but the provider is tap (QPAY_PROVIDER=tap); nothing was sent"},
		{tapEnv, []string{"get", "sid_abcdefghijklmnopqrstuvwxyz"}, "is a Checkout.com ID (sid_...)"},
		{ckoEnv, []string{"get", "chg_TS01A0000000000000000000"}, "is a Tap ID (chg_...), but the provider is checkout (QPAY_PROVIDER=checkout)"},
		{ckoEnv, []string{"refund", "-amount", "1.00", "-reference", "R", "chg_TS01A0000000000000000000"}, "is a Tap ID (chg_...)"},
		{map[string]string{"QPAY_SECRET_KEY": tapEnv["QPAY_SECRET_KEY"], "QPAY_BASE_URL": tapEnv["QPAY_BASE_URL"]},
			[]string{"get", "-provider", "tap", "pay_abcdefghijklmnopqrstuvwxyz"}, "but the provider is tap (-provider tap)"},
	} {
		r := qpayCmd(t, invocation{env: tc.env, args: tc.args})
		assert.Equal(t, exitUsage, r.code, r.stderr)
		assert.Contains(t, r.stderr, tc.want)
	}
	for _, p := range []string{qpaytest.ProviderTap, qpaytest.ProviderCheckout} {
		for _, op := range []string{qpaytest.OpGetPayment, qpaytest.OpListRefunds, qpaytest.OpRefund} {
			assert.Zero(t, s.Requests(p, op), "%s %s: nothing may be sent", p, op)
		}
	}
}

// endpoint is a merchant's webhook endpoint: qpay.WebhookHandler with the
// real adapter, recording the events it accepted.
type endpoint struct {
	mu     sync.Mutex
	events []*qpay.WebhookEvent
}

func newEndpoint(t *testing.T, p qpay.Provider) (*endpoint, string) {
	ep := &endpoint{}
	srv := httptest.NewServer(qpay.NewWebhookHandler(p, func(_ context.Context, ev *qpay.WebhookEvent) error {
		ep.mu.Lock()
		defer ep.mu.Unlock()
		ep.events = append(ep.events, ev)
		return nil
	}))
	t.Cleanup(srv.Close)
	return ep, srv.URL + "/qpay/webhook"
}

func (ep *endpoint) last(t *testing.T) *qpay.WebhookEvent {
	t.Helper()
	ep.mu.Lock()
	defer ep.mu.Unlock()
	require.NotEmpty(t, ep.events)
	return ep.events[len(ep.events)-1]
}

func TestTriggerSendsASignedWebhookOfEachKind(t *testing.T) {
	ctx := context.Background()
	s := newSimulator(t)
	for _, a := range accounts(s) {
		t.Run(a.provider, func(t *testing.T) {
			ep, url := newEndpoint(t, a.adapter(t, s))
			// The payment's state at the provider agrees with each kind, so
			// that a read-back confirms what the webhook says.
			payments := []struct {
				kind string
				to   status.Status
			}{{"captured", status.Captured}, {"failed", status.Failed}, {"canceled", status.Canceled}, {"expired", status.Expired}}
			for _, pc := range payments {
				p := createPayment(t, s, a, "ORD-TRG-"+pc.kind, pc.to)
				r := qpayCmd(t, invocation{env: a.env, args: []string{"trigger", "-kind", pc.kind, "-to", url, p.ID}})
				require.Equal(t, exitOK, r.code, "%s: %s", pc.kind, r.stderr)
				assert.Contains(t, r.stdout, "endpoint answered 200 OK: ok")
				ev := ep.last(t)
				require.Equal(t, qpay.EventPayment, ev.Type)
				assert.Equal(t, p.ID, ev.PaymentID)
				assert.Equal(t, pc.to, ev.Payment.Status, pc.kind)
				assert.True(t, ev.Payment.Amount.Equal(money.MustParse("79.10", "QAR")), "the amount was read back")
				assertNoSecret(t, r, simulatorSecrets()...)
			}

			// Refunds: real ones at the simulator, so that a read-back agrees.
			paid := createPayment(t, s, a, "ORD-TRG-RFD", status.Captured)
			adapter := a.adapter(t, s)
			for _, rc := range []struct {
				kind, amount string
				want         status.RefundStatus
			}{{"refund-succeeded", "10.00", status.RefundSucceeded}, {"refund-failed", "10.52", status.RefundFailed}} {
				ref, err := adapter.Refund(ctx, qpay.RefundRequest{PaymentID: paid.ID, Amount: money.MustParse(rc.amount, "QAR"), Reference: "RFD-" + rc.kind})
				require.NoError(t, err)
				require.Eventually(t, func() bool {
					v, err := s.Lookup(paid.ID)
					return err == nil && len(v.Refunds) > 0 && v.Refunds[len(v.Refunds)-1].Status.Terminal()
				}, 10*time.Second, 5*time.Millisecond, "the simulator settles its refunds right after answering")
				r := qpayCmd(t, invocation{env: a.env, args: []string{"trigger", "-kind", rc.kind, "-to", url,
					"-amount", rc.amount, "-reference", "RFD-" + rc.kind, "-refund-id", ref.ID, paid.ID}})
				require.Equal(t, exitOK, r.code, "%s: %s", rc.kind, r.stderr)
				ev := ep.last(t)
				require.Equal(t, qpay.EventRefund, ev.Type, rc.kind)
				assert.Equal(t, ref.ID, ev.Refund.ID)
				assert.Equal(t, rc.want, ev.Refund.Status, rc.kind)
			}
		})
	}
}

func TestTriggerFailures(t *testing.T) {
	s := newSimulator(t)
	a := accounts(s)[1]
	p := createPayment(t, s, a, "ORD-TRGF-1", status.Captured)
	// An endpoint configured with another webhook secret answers 401.
	other, err := qpaytest.NewServer(qpaytest.Options{CheckoutWebhookSecret: qpay.NewSecret("another-webhook-secret")})
	require.NoError(t, err)
	defer other.Close()
	_, wrongURL := newEndpoint(t, qpaytest.NewCheckout(t, other))

	live := map[string]string{}
	for k, v := range a.env {
		live[k] = v
	}
	live["QPAY_SECRET_KEY"] = "sk_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		code int
		want string
	}{
		"the endpoint refuses the signature": {a.env, []string{"trigger", "-kind", "captured", "-to", wrongURL, p.ID}, exitFailed,
			"the endpoint answered 401 Unauthorized"},
		"a live key":   {live, []string{"trigger", "-kind", "captured", "-to", wrongURL, p.ID}, exitUsage, "QPAY_SECRET_KEY is a live key"},
		"no kind":      {a.env, []string{"trigger", "-to", wrongURL, p.ID}, exitUsage, "-kind is required: one of captured, failed, canceled, expired, refund-succeeded, refund-failed"},
		"unknown kind": {a.env, []string{"trigger", "-kind", "paid", "-to", wrongURL, p.ID}, exitUsage, `-kind "paid" is not one of`},
		"no -to":       {a.env, []string{"trigger", "-kind", "captured", p.ID}, exitUsage, "-to is required"},
		"an unknown payment": {a.env, []string{"trigger", "-kind", "captured", "-to", wrongURL, "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa"}, exitFailed,
			"qpay trigger: reading payment pay_aaaaaaaaaaaaaaaaaaaaaaaaaa back for its amount and reference (or pass -amount and -reference): checkout get_payment: not_found"},
		"other provider": {a.env, []string{"trigger", "-kind", "captured", "-to", wrongURL, "chg_TS01A0000000000000000000"}, exitUsage, "is a Tap ID"},
	} {
		t.Run(name, func(t *testing.T) {
			r := qpayCmd(t, invocation{env: tc.env, args: tc.args})
			require.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assertOnePrefix(t, r.stderr)
			assertNoSecret(t, r, append(simulatorSecrets(), live["QPAY_SECRET_KEY"])...)
		})
	}
}
