package status_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

// The payment state machine, as a specification. Rows are the current state,
// columns the incoming report:
//
//	A  applied           (Apply returns incoming, true; Check returns nil)
//	=  already there     (ErrUnchanged)
//	S  stale, old news   (ErrStale)
//	X  contradiction     (ErrIllegal)
const paymentGrid = `
                    unk  pen  pro  cap  par  ref  fai  can  exp
unknown              =    A    A    A    A    A    A    A    A
pending              S    =    A    A    A    A    A    A    A
processing           S    S    =    A    A    A    A    A    A
captured             S    S    S    =    A    A    X    X    X
partially_refunded   S    S    S    S    =    A    X    X    X
refunded             S    S    S    S    S    =    X    X    X
failed               S    S    S    X    X    X    =    X    X
canceled             S    S    S    X    X    X    X    =    X
expired              S    S    S    X    X    X    X    X    =
`

const refundGrid = `
             unk  pen  suc  fai
unknown       =    A    A    A
pending       S    =    A    A
succeeded     S    S    =    X
failed        S    S    X    =
`

// cell is one expected outcome of the grid.
type cell[T fmt.Stringer] struct {
	from, to T
	want     error // nil means applied
}

// parseGrid reads a grid; each column header must abbreviate the name of the
// value in that position of all, so a misordered grid fails loudly.
func parseGrid[T fmt.Stringer](t *testing.T, grid string, all []T, parse func(string) (T, error)) []cell[T] {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(grid), "\n")
	header := strings.Fields(lines[0])
	require.Len(t, header, len(all), "grid header")
	for i, h := range header {
		require.True(t, strings.HasPrefix(all[i].String(), h), "column %d is %q, want %v", i, h, all[i])
	}
	require.Len(t, lines[1:], len(all), "grid rows")

	outcome := map[string]error{"A": nil, "=": status.ErrUnchanged, "S": status.ErrStale, "X": status.ErrIllegal}
	var cells []cell[T]
	for r, line := range lines[1:] {
		f := strings.Fields(line)
		require.Len(t, f, len(all)+1, "row %q", line)
		from, err := parse(f[0])
		require.NoError(t, err)
		require.Equal(t, all[r], from, "rows must be in declaration order")
		for c, sym := range f[1:] {
			want, ok := outcome[sym]
			require.True(t, ok, "unknown symbol %q in row %q", sym, f[0])
			cells = append(cells, cell[T]{from, all[c], want})
		}
	}
	return cells
}

func TestPaymentMatrix(t *testing.T) {
	cells := parseGrid(t, paymentGrid, status.All(), status.Parse)
	require.Len(t, cells, 81)
	for _, c := range cells {
		t.Run(c.from.String()+"->"+c.to.String(), func(t *testing.T) {
			next, applied := status.Apply(c.from, c.to)
			err := status.Check(c.from, c.to)
			assert.Equal(t, c.want == nil, status.CanMove(c.from, c.to), "CanMove")
			if c.want == nil {
				assert.NoError(t, err)
				assert.True(t, applied)
				assert.Equal(t, c.to, next)
				return
			}
			assert.ErrorIs(t, err, c.want)
			assert.ErrorContains(t, err, fmt.Sprintf("from %s to %s", c.from, c.to))
			assert.False(t, applied)
			assert.Equal(t, c.from, next, "an ignored report keeps the current state")
		})
	}
}

func TestRefundMatrix(t *testing.T) {
	cells := parseGrid(t, refundGrid, status.AllRefund(), status.ParseRefund)
	require.Len(t, cells, 16)
	for _, c := range cells {
		t.Run(c.from.String()+"->"+c.to.String(), func(t *testing.T) {
			next, applied := status.ApplyRefund(c.from, c.to)
			err := status.CheckRefund(c.from, c.to)
			if c.want == nil {
				assert.NoError(t, err)
				assert.True(t, applied)
				assert.Equal(t, c.to, next)
				return
			}
			assert.ErrorIs(t, err, c.want)
			assert.ErrorContains(t, err, fmt.Sprintf("from %s to %s", c.from, c.to))
			assert.False(t, applied)
			assert.Equal(t, c.from, next)
		})
	}
}

// Terminal must agree with the table: a terminal state has no way out, every
// other state has one.
func TestTerminalMeansNoWayOut(t *testing.T) {
	for _, from := range status.All() {
		out := false
		for _, to := range status.All() {
			out = out || status.CanMove(from, to)
		}
		assert.Equal(t, !from.Terminal(), out, "%v", from)
	}
	for _, from := range status.AllRefund() {
		out := false
		for _, to := range status.AllRefund() {
			_, applied := status.ApplyRefund(from, to)
			out = out || applied
		}
		assert.Equal(t, !from.Terminal(), out, "%v", from)
	}
}

func TestOutOfRangeIsNeverApplied(t *testing.T) {
	bad := status.Status(42)
	for _, s := range status.All() {
		for _, pair := range [][2]status.Status{{s, bad}, {bad, s}} {
			next, applied := status.Apply(pair[0], pair[1])
			assert.False(t, applied)
			assert.Equal(t, pair[0], next)
			assert.ErrorIs(t, status.Check(pair[0], pair[1]), status.ErrInvalid)
		}
	}
	badRefund := status.RefundStatus(42)
	next, applied := status.ApplyRefund(status.RefundPending, badRefund)
	assert.False(t, applied)
	assert.Equal(t, status.RefundPending, next)
	assert.ErrorIs(t, status.CheckRefund(badRefund, status.RefundPending), status.ErrInvalid)
}

// Webhooks of a successful flow arrive in any order and any subset (some are
// lost): folding them with Apply always ends in the most advanced one.
func TestSuccessFlowInAnyOrder(t *testing.T) {
	flow := []status.Status{status.Pending, status.Processing, status.Captured, status.PartiallyRefunded, status.Refunded}

	runs := 0
	for mask := 1; mask < 1<<len(flow); mask++ {
		var events []status.Status
		mostAdvanced := status.Unknown
		for i, s := range flow {
			if mask&(1<<i) != 0 {
				events = append(events, s)
				mostAdvanced = s // flow is in order
			}
		}
		permute(events, func(order []status.Status) {
			runs++
			assert.Equal(t, mostAdvanced, fold(order), "events %v", order)
		})
	}
	assert.Equal(t, 325, runs, "every order of every non-empty subset")
}

// The whole flow, in every order and each webhook delivered twice, ends
// refunded.
func TestFullFlowWithDuplicatesEndsRefunded(t *testing.T) {
	flow := []status.Status{status.Pending, status.Processing, status.Captured, status.PartiallyRefunded, status.Refunded}
	permute(flow, func(order []status.Status) {
		assert.Equal(t, status.Refunded, fold(append(order, order...)), "events %v twice", order)
	})
}

// A failed flow in any order ends in the first final outcome seen, and a
// status.Unknown report (Tap TIMEDOUT) never erases anything.
func TestFailureFlowFirstOutcomeWins(t *testing.T) {
	events := []status.Status{status.Unknown, status.Pending, status.Processing, status.Failed, status.Expired}
	permute(events, func(order []status.Status) {
		var first status.Status
		for _, s := range order {
			if s.Failure() {
				first = s
				break
			}
		}
		assert.Equal(t, first, fold(order), "events %v", order)
	})
}

func fold(events []status.Status) status.Status {
	s := status.Unknown
	for _, e := range events {
		s, _ = status.Apply(s, e)
	}
	return s
}

// permute calls f with a fresh copy of every ordering of s (Heap's algorithm).
func permute[T any](s []T, f func([]T)) {
	s = append([]T(nil), s...)
	var gen func(k int)
	gen = func(k int) {
		if k <= 1 {
			f(append([]T(nil), s...))
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				s[i], s[k-1] = s[k-1], s[i]
			} else {
				s[0], s[k-1] = s[k-1], s[0]
			}
		}
	}
	gen(len(s))
}

// errors.Is must see through the wrapping callers log.
func TestCheckErrorsWrap(t *testing.T) {
	err := fmt.Errorf("webhook evt_1: %w", status.Check(status.Captured, status.Pending))
	assert.True(t, errors.Is(err, status.ErrStale))
	assert.False(t, errors.Is(err, status.ErrIllegal))
	assert.EqualError(t, status.Check(status.Captured, status.Failed),
		"status: illegal transition: from captured to failed")
}
