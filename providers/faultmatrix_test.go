package providers_test

import (
	"context"
	"encoding/json"
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

// The transport settings of the matrix: real retry rules with short waits.
// An attempt times out after matrixAttemptTimeout, so a provider that
// answers after matrixSlowDelay is "slower than the attempt timeout".
const (
	matrixAttempts       = 4
	matrixAttemptTimeout = 200 * time.Millisecond
	matrixSlowDelay      = 300 * time.Millisecond
	matrixRetryAfterCap  = 30 * time.Millisecond // Retry-After: 1 is obeyed, capped to this
)

// matrixFault is one column of the matrix: what the provider does to the
// request of the operation under test.
type matrixFault struct {
	name  string
	fault qpaytest.Fault // Provider, Op and Times are set per cell
}

var matrixFaults = []matrixFault{
	{"none", qpaytest.Fault{}},
	{"reset-before", qpaytest.Fault{ResetBeforeRead: true}},
	{"reset-after", qpaytest.Fault{ResetAfterAction: true}},
	{"500", qpaytest.Fault{Status: http.StatusInternalServerError}},
	{"502", qpaytest.Fault{Status: http.StatusBadGateway}},
	{"503", qpaytest.Fault{Status: http.StatusServiceUnavailable}},
	{"429+RA", qpaytest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}},
	{"slow", qpaytest.Fault{Delay: matrixSlowDelay}},
}

func (f matrixFault) isNone() bool { return f.name == "none" }

func (f matrixFault) isSlow() bool { return f.fault.Delay > 0 }

// matrixCell is what happened in one cell: the outcome of the logical call,
// and what the provider really did.
type matrixCell struct {
	provider, op, fault string
	every               bool
	err                 error
	elapsed             time.Duration
	attempts            int // requests of the operation the provider received during the call
	inFlight            int // of those, the ones answered 409: the key still in flight
	readBacks           int // refund read-backs (Tap's refund list, Checkout's actions, the gateway's Retrieve Order) during the call
	effects             int // charges with the reference (create, get) or refunds with the reference (refund)
	afterRetry          int // effects after the merchant's retry; -1 when there was none
}

// outcome is "ok" or the error's kind, marked R when the error says a retry
// may succeed.
func (c matrixCell) outcome() string {
	if c.err == nil {
		return "ok"
	}
	var e *qpay.Error
	if !errors.As(c.err, &e) {
		return "UNTYPED"
	}
	s := e.Kind.String()
	if e.Retryable {
		s += "(R)"
	}
	return s
}

func (c matrixCell) String() string {
	effect := "c"
	if c.op == opRefund {
		effect = "r"
	}
	s := fmt.Sprintf("%s a%d", c.outcome(), c.attempts)
	if c.inFlight > 0 {
		s += fmt.Sprintf("(409x%d)", c.inFlight)
	}
	if c.op == opRefund {
		s += fmt.Sprintf(" l%d", c.readBacks)
	}
	s += fmt.Sprintf(" %s%d", effect, c.effects)
	if c.afterRetry >= 0 && c.op != opGet {
		s += fmt.Sprintf("/%d", c.afterRetry)
	}
	return s
}

// TestFaultMatrix runs CreatePayment, GetPayment and Refund of every adapter
// against a provider that fails in each way a real one does, first on the
// first attempt only, then on every attempt, and counts what the provider
// really did (after it has finished with the attempts the client gave up
// on). In every cell:
//
//   - the call makes at most one charge (create) or refund (refund), and
//     exactly one when it reports success; a GetPayment makes none;
//   - the call succeeds or returns an *qpay.Error that says a retry may
//     succeed, after spending its attempts; a single fault is absorbed by
//     the retries, a slow answer included (the 409s of a provider still
//     busy with the first attempt are waited out with the same key);
//   - the merchant's own retry of the same logical call afterwards (same
//     idempotency key, same refund reference), once the provider is well,
//     succeeds, returns what the first call made, and leaves exactly one
//     charge or refund: a logical CreatePayment or Refund moves money once.
//
// Everything the cells print or log goes to the secrets check at the end.
func TestFaultMatrix(t *testing.T) {
	var (
		mu    sync.Mutex
		cells []matrixCell
	)
	w := &witness{}
	t.Run("cells", func(t *testing.T) {
		for _, every := range []bool{false, true} {
			for _, provider := range allRoutes {
				for _, op := range allOps {
					for _, mf := range matrixFaults {
						if every && mf.isNone() {
							continue
						}
						name := fmt.Sprintf("%s/%s/%s/%s", mode(every), provider, op, mf.name)
						t.Run(name, func(t *testing.T) {
							t.Parallel()
							c := runMatrixCell(t, w, provider, op, mf, every)
							mu.Lock()
							cells = append(cells, c)
							mu.Unlock()
						})
					}
				}
			}
		}
	})
	if t.Failed() {
		t.Log("some cells failed; the table shows what was measured")
	}
	for _, every := range []bool{false, true} {
		t.Log("\n" + matrixTable(cells, every))
	}
	w.assertNoSecrets(t)
}

func mode(every bool) string {
	if every {
		return "every"
	}
	return "once"
}

// runMatrixCell runs one cell on a simulator of its own and checks it.
func runMatrixCell(t *testing.T, w *witness, provider, op string, mf matrixFault, every bool) matrixCell {
	ctx := context.Background()
	logs := &logSink{}
	sim := newSimulator(t, logs.logger("simulator"))
	cfg := simulatorConfig(sim, provider, func(c *providers.Config) {
		c.AttemptTimeout = providers.Duration(matrixAttemptTimeout)
		c.CallTimeout = providers.Duration(10 * time.Second)
		c.MaxAttempts = matrixAttempts
		c.MaxRetryAfter = providers.Duration(matrixRetryAfterCap)
		c.Logger = logs.logger("adapter")
	})
	p := openProvider(t, cfg)
	w.printed("providers.Config", cfg)
	w.printed("qpay.Provider", p)

	// ref names what the logical call creates: the payment (create) or the
	// refund (refund); id is the payment that get and refund work on.
	ref := fmt.Sprintf("M-%s-%s-%s-%s", mode(every), provider, strings.TrimSuffix(op, "_payment"), mf.name)
	var id string
	if op != opCreate {
		id = capturedPayment(t, sim, p, "ORD-"+ref).ID
	}

	if !mf.isNone() {
		f := mf.fault
		f.Provider, f.Op, f.Times = provider, op, 1
		switch {
		case every && op == opGet:
			// net/http itself resends a GET, once, when a kept-alive
			// connection drops before answering: more faults than
			// attempts keep every request failing.
			f.Times = 10 * matrixAttempts
		case every:
			// A POST goes out exactly once per attempt, so this is every
			// attempt, and none is left over for the merchant's retry.
			f.Times = matrixAttempts
		}
		require.NoError(t, sim.Inject(f))
	}
	c := matrixCell{provider: provider, op: op, fault: mf.name, every: every, afterRetry: -1}
	before, beforeLists := sim.Requests(provider, op), sim.Requests(provider, readBackOp(provider))
	start := time.Now()
	got, err := call(ctx, p, op, id, ref)
	c.elapsed = time.Since(start)
	c.err = err
	c.attempts = sim.Requests(provider, op) - before
	// The 409s the client read, as its own log lines say: one the
	// simulator answered after the attempt's timeout was never read
	// (unless a loaded machine fired the timeout late).
	c.inFlight = readConflicts(logs.String(), op)
	c.readBacks = sim.Requests(provider, readBackOp(provider)) - beforeLists
	w.error(c.String(), err)
	if mf.isSlow() {
		// The provider is still working on the attempts the client gave up
		// on; what it does then counts too.
		waitAnswered(t, sim, provider, op)
	}
	c.effects = sideEffects(t, sim, provider, op, id, ref)
	t.Logf("%s in %v", c, c.elapsed.Round(time.Millisecond))

	checkMatrixCell(t, c, mf)

	// The merchant retries the same logical call, as it must after an
	// error, once the provider is well again. (A GET makes nothing to
	// repeat, and its faults outnumber what one call consumes.)
	if !(every && op == opGet) {
		again, err := call(ctx, p, op, id, ref)
		w.error(c.String()+" retry", err)
		if assert.NoError(t, err, "the merchant's retry of the same call") && c.err == nil {
			assert.Equal(t, got, again, "the retry returns what the first call made")
		}
		c.afterRetry = sideEffects(t, sim, provider, op, id, ref)
		assert.Equal(t, 1, c.afterRetry, "after the merchant's retry")
	}
	w.logged("logs", logs)
	assert.Positive(t, logs.lines(), "the adapter and the simulator logged")
	return c
}

// checkMatrixCell asserts the cell's invariants.
func checkMatrixCell(t *testing.T, c matrixCell, mf matrixFault) {
	t.Helper()
	switch c.op {
	case opGet:
		assert.Equal(t, 1, c.effects, "charges of the provider: the one set up, none more")
	default:
		// A call that failed may have made nothing (the provider never
		// acted) or its one charge or refund (it acted, the answer was
		// lost); the merchant's retry then makes or finds exactly one.
		assert.LessOrEqual(t, c.effects, 1, "charges or refunds made by one call")
		if c.err == nil {
			assert.Equal(t, 1, c.effects, "a successful call made its charge or refund")
		}
	}

	var e *qpay.Error
	if c.err != nil {
		require.ErrorAs(t, c.err, &e, "every failure is a *qpay.Error")
		assert.True(t, e.Retryable, "the error says a retry may succeed: %v", c.err)
		assert.Contains(t, []qpay.Kind{qpay.KindNetwork, qpay.KindUnavailable, qpay.KindRateLimited, qpay.KindConflict}, e.Kind, "%v", c.err)
		assert.Equal(t, c.provider, e.Provider)
		assert.Equal(t, c.op, e.Op)
		switch {
		case c.op == opGet:
			// Every attempt, and perhaps net/http's own resend of a GET.
			assert.GreaterOrEqual(t, c.attempts, matrixAttempts, "attempts before giving up: %v", c.err)
		default:
			// A retryable error is reported only once the attempts are
			// spent.
			assert.Equal(t, matrixAttempts, c.attempts-c.inFlight, "attempts before giving up: %v", c.err)
		}
	}

	switch {
	case mf.isNone():
		require.NoError(t, c.err)
		assert.Equal(t, 1, c.attempts)
	case !c.every:
		assert.NoError(t, c.err, "a single transient fault is absorbed by the retries")
		// Two attempts, or one when reading back found what the first did,
		// besides the resends that met the key in flight.
		assert.Contains(t, []int{1, 2}, c.attempts-c.inFlight)
	case mf.fault.Status != 0:
		// Nothing was done on any attempt, so nothing can be found by
		// reconciliation: the last answer is the outcome.
		require.Error(t, c.err)
		assert.Equal(t, mf.fault.Status, e.HTTPStatus)
		want := qpay.KindUnavailable
		if mf.fault.Status == http.StatusTooManyRequests {
			want = qpay.KindRateLimited
		}
		assert.Equal(t, want, e.Kind)
	case c.err != nil:
		assert.Contains(t, []qpay.Kind{qpay.KindNetwork, qpay.KindConflict}, e.Kind, "a lost answer is a network failure: %v", c.err)
	}

	if c.op == opRefund && !mf.isNone() && mf.fault.Status != http.StatusTooManyRequests {
		// After a failure that may hide a refund (no answer, a 5xx), the
		// refunds are read back before anything is resent or reported:
		// one read for the refundable check, one before each resend, and
		// one before an error that could invite a second refund.
		// A resend after a 409 follows no ambiguous failure, and is safe
		// under the same key: no read-back before it.
		want := c.attempts - c.inFlight
		if errors.Is(c.err, qpay.KindNetwork) || errors.Is(c.err, qpay.KindUnavailable) {
			want++
		}
		assert.GreaterOrEqual(t, c.readBacks, want, "refunds read back before each resend and before reporting")
	}
	if mf.fault.Status == http.StatusTooManyRequests {
		// Retry-After (1s, capped) is the wait, not the 1-5ms backoff.
		floor := time.Duration(c.attempts-1) * matrixRetryAfterCap
		assert.GreaterOrEqual(t, c.elapsed, floor, "each retry after a 429 waited for Retry-After")
	}
}

// sideEffects counts what the provider holds for the cell: charges with
// the reference (create), charges of the provider (get: the one set up),
// or refunds of the payment with the reference (refund).
func sideEffects(t *testing.T, sim *qpaytest.Server, provider, op, id, ref string) int {
	t.Helper()
	if op == opRefund {
		v, err := sim.Lookup(id)
		require.NoError(t, err)
		n := 0
		for _, r := range v.Refunds {
			if r.Reference == ref {
				n++
			}
		}
		return n
	}
	n := 0
	for _, v := range sim.Payments() {
		if v.Provider != provider {
			continue
		}
		if op == opGet {
			assert.Empty(t, v.Refunds, "a GetPayment made a refund")
			n++
		} else if v.Reference == ref {
			n++
		}
	}
	return n
}

// readConflicts counts the adapter's JSON log lines of attempts of op
// answered 409.
func readConflicts(logs, op string) int {
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var l struct {
			Msg    string `json:"msg"`
			Source string `json:"source"`
			Op     string `json:"op"`
			Status int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "qpay: attempt" && l.Source == "adapter" && l.Op == op && l.Status == http.StatusConflict {
			n++
		}
	}
	return n
}

// waitAnswered waits until the simulator has answered every request of op
// it received, including those whose client has gone.
func waitAnswered(t *testing.T, sim *qpaytest.Server, provider, op string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, c := range sim.Calls(provider, op) {
			if c.Status == 0 {
				return false
			}
		}
		return true
	}, 5*time.Second, 5*time.Millisecond, "the simulator still holds requests of %s %s", provider, op)
}

// matrixTable renders the cells of one mode as an aligned text table:
// rows are provider and operation, columns are faults.
func matrixTable(cells []matrixCell, every bool) string {
	byKey := map[string]matrixCell{}
	for _, c := range cells {
		if c.every == every {
			byKey[c.provider+"/"+c.op+"/"+c.fault] = c
		}
	}
	var cols []string
	for _, mf := range matrixFaults {
		if !(every && mf.isNone()) {
			cols = append(cols, mf.name)
		}
	}
	rows := [][]string{append([]string{"provider/op"}, cols...)}
	for _, provider := range allRoutes {
		for _, op := range allOps {
			row := []string{provider + " " + strings.TrimSuffix(op, "_payment")}
			for _, col := range cols {
				if c, ok := byKey[provider+"/"+op+"/"+col]; ok {
					row = append(row, c.String())
				} else {
					row = append(row, "-")
				}
			}
			rows = append(rows, row)
		}
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	title := "fault on the first attempt only"
	if every {
		title = fmt.Sprintf("fault on every attempt (%d attempts)", matrixAttempts)
	}
	fmt.Fprintf(&b, "%s\n", title)
	b.WriteString("cell: outcome (R: a retryable *qpay.Error), aN: requests of the operation the provider received\n")
	b.WriteString("(a5: net/http resent a GET itself once), lN: refund read-backs, cN/M and rN/M: charges or refunds\n")
	b.WriteString("with the reference after the call / after the merchant's retry of the same call (get: charges in all)\n")
	for i, row := range rows {
		for j, cell := range row {
			fmt.Fprintf(&b, "%-*s", widths[j]+2, cell)
		}
		b.WriteString("\n")
		if i == 0 {
			b.WriteString(strings.Repeat("-", sum(widths)+2*len(widths)) + "\n")
		}
	}
	return b.String()
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
