package qpaytest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fault that resets after acting hits every request it is injected for,
// the ones Checkout answers from its idempotency cache included: otherwise
// "the answer is lost on every attempt" would quietly become "on the first
// one", and a test of the adapter's retries would pass for the wrong
// reason.
func TestResetAfterActionAlsoLosesAReplayedAnswer(t *testing.T) {
	s := startServer(t, Options{})
	require.NoError(t, s.Inject(Fault{Provider: ProviderCheckout, Op: OpCreatePayment, ResetAfterAction: true, Times: 2}))
	h := ckoAuth(s)
	h.Set("Cko-Idempotency-Key", "k-reset-twice")
	h.Set("Content-Type", "application/json")
	client := &http.Client{Transport: newTransport()}
	defer client.CloseIdleConnections()
	post := func() error {
		req, err := http.NewRequest(http.MethodPost, s.CheckoutBaseURL()+"/payments",
			strings.NewReader(`{"amount":100,"currency":"QAR","source":{"type":"qpay","description":"x"}}`))
		require.NoError(t, err)
		req.Header = h.Clone()
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	assert.Error(t, post(), "the first answer is lost")
	assert.Error(t, post(), "and so is the replay of it")
	require.NoError(t, post(), "the fault is spent: the replay arrives")
	assert.Len(t, s.Payments(), 1, "one payment all along")
	calls := s.Calls(ProviderCheckout, OpCreatePayment)
	require.Len(t, calls, 3)
	assert.Equal(t, []int{0, 0, http.StatusAccepted}, []int{calls[0].Status, calls[1].Status, calls[2].Status})
}
