package checkoutsim

import (
	"net/http"
	"strconv"

	"github.com/qpay-go/qpay/qpaytest/internal/sim"
)

// listPayments serves GET /payments?reference=&limit=&skip=, as Checkout
// documents it ("Get a list of payments"): reference required, limit 1 to
// 100 (default 10), newest first, with the total count.
func (rt *Route) listPayments(r *http.Request, _ []byte) sim.Reply {
	q := r.URL.Query()
	ref := q.Get("reference")
	limit, skip := 10, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			return ckoInvalid("limit_invalid")
		}
	}
	if v := q.Get("skip"); v != "" {
		if skip, err = strconv.Atoi(v); err != nil || skip < 0 {
			return ckoInvalid("skip_invalid")
		}
	}
	if ref == "" {
		return ckoInvalid("reference_required")
	}
	rt.c.Lock()
	var (
		matches []*sim.Payment
		out     []sim.Notice
	)
	all := rt.c.All()
	for i := len(all) - 1; i >= 0; i-- {
		// An unpaid hosted page has no payment yet; another merchant's
		// payments are not listed.
		if p := all[i]; p.Route == rt && p.Reference == ref && paid(p) && rt.mine(r, p) {
			matches = append(matches, p)
		}
	}
	data := []ckoPaymentJSON{}
	for i := skip; i < len(matches) && i < skip+limit; i++ {
		out = append(out, rt.c.ExpireIfDue(matches[i])...)
		data = append(data, rt.payment(matches[i]))
	}
	rt.c.Unlock()
	rt.c.Send(out)
	return sim.JSONReply(http.StatusOK, struct {
		Limit      int              `json:"limit"`
		Skip       int              `json:"skip"`
		TotalCount int              `json:"total_count"`
		Data       []ckoPaymentJSON `json:"data"`
	}{limit, skip, len(matches), data})
}
