package providers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// witness gathers everything a test run printed or logged: error messages
// in every verb, slog output in both formats, and the printed forms of
// configurations and providers. At the end, none of it may contain a
// secret.
type witness struct {
	mu      sync.Mutex
	outputs []witnessed
	errs    int
	logs    int
}

type witnessed struct{ source, text string }

func (w *witness) add(source, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.outputs = append(w.outputs, witnessed{source, text})
}

// error records err as a merchant's code would print it.
func (w *witness) error(source string, err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	w.errs++
	w.mu.Unlock()
	w.add(source+": Error()", err.Error())
	for _, text := range printedForms(err) {
		w.add(source+": fmt", text)
	}
	var e *qpay.Error
	if errors.As(err, &e) {
		w.add(source+": Body", string(e.Body))
		w.add(source+": Message", e.Message)
	}
}

// printed records the printed forms of a configuration or a provider.
func (w *witness) printed(source string, v any) {
	for _, text := range printedForms(v) {
		w.add(source, text)
	}
}

// logged records what a logSink received.
func (w *witness) logged(source string, s *logSink) {
	w.mu.Lock()
	w.logs += s.lines()
	w.mu.Unlock()
	w.add(source, s.String())
}

// assertNoSecrets fails for every output that contains one of the keys, and
// when nothing was gathered (a check over nothing proves nothing).
func (w *witness) assertNoSecrets(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.outputs, "the witness saw nothing")
	leaks := 0
	for _, o := range w.outputs {
		for _, s := range allSecrets {
			if strings.Contains(o.text, s.Reveal()) {
				leaks++
				t.Errorf("%s contains a secret (%.12s...): %.300s", o.source, s.Reveal(), o.text)
			}
		}
	}
	t.Logf("secrets: checked %d outputs (%d errors in every verb, %d log records in JSON and text); %d leaks",
		len(w.outputs), w.errs, w.logs, leaks)
}

// TestSecretsStayOutOfEchoedErrorBodies is the worst case for the secrets
// check: a provider (or a proxy in front of it) that echoes the request's
// Authorization header and the account's other secrets in its error body, on
// retryable and final errors alike. The body must still reach the merchant
// (the error keeps it, redacted), and none of the account's secrets may
// reach any output.
func TestSecretsStayOutOfEchoedErrorBodies(t *testing.T) {
	// What each account holds, and so what its provider could echo.
	own := map[string][]qpay.Secret{
		providers.Tap:      {secretTapKey},
		providers.Checkout: {secretCheckoutKey, secretWebhookKey, secretWebhookAuthKey},
		providers.MPGS:     {secretMPGSPassword, secretMPGSHook},
	}
	echo := func(provider string) string {
		var all []string
		for _, s := range own[provider] {
			all = append(all, s.Reveal())
		}
		return fmt.Sprintf(`{"errors":[{"code":"9999","description":"rejected: Authorization: Bearer %s"}],"debug":%q}`,
			strings.Join(all, " "), strings.Join(all, ","))
	}
	w := &witness{}
	for _, provider := range allRoutes {
		for _, code := range []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests} {
			t.Run(fmt.Sprintf("%s/%d", provider, code), func(t *testing.T) {
				logs := &logSink{}
				sim := newSimulator(t, logs.logger("simulator"))
				cfg := simulatorConfig(sim, provider, func(c *providers.Config) {
					c.Logger = logs.logger("adapter")
					c.MaxRetryAfter = providers.Duration(time.Millisecond)
				})
				p := openProvider(t, cfg)
				pay := capturedPayment(t, sim, p, "ORD-echo")
				// Refunds read the payment back with a GET: its faults come last.
				for _, op := range []string{opCreate, opRefund, opGet} {
					require.NoError(t, sim.Inject(qpaytest.Fault{Provider: provider, Op: op, Status: code, Body: echo(provider), Times: 4}))
					_, err := call(context.Background(), p, op, pay.ID, "ECHO-"+op)
					var e *qpay.Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, code, e.HTTPStatus)
					assert.Contains(t, string(e.Body), "[REDACTED]", "the echoed body is kept, with the keys masked")
					assert.Contains(t, fmt.Sprintf("%+v", err), "rejected: Authorization", "%+v prints the body")
					w.error(provider+" "+op, err)
				}
				w.printed("config", cfg)
				w.printed("provider", p)
				w.logged("logs", logs)
			})
		}
	}
	w.assertNoSecrets(t)
}

// call makes one logical call of op: CreatePayment of a new payment whose
// reference is ref, GetPayment of id, or a refund of id whose reference is
// ref. It returns the ID of what it created or read.
func call(ctx context.Context, p qpay.Provider, op, id, ref string) (string, error) {
	switch op {
	case opCreate:
		pay, err := p.CreatePayment(ctx, paymentRequest(ref))
		if err != nil {
			return "", err
		}
		return pay.ID, nil
	case opGet:
		pay, err := p.GetPayment(ctx, id)
		if err != nil {
			return "", err
		}
		return pay.ID, nil
	default:
		r, err := p.Refund(ctx, refundRequest(id, ref))
		if err != nil {
			return "", err
		}
		return r.ID, nil
	}
}
