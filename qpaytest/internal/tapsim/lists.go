package tapsim

import (
	"net/http"

	"github.com/qpay-go/qpay/qpaytest/internal/sim"
)

// ChargesFilter is a behaviour of Tap's refund list toward its
// undocumented "charges" filter (UNCONFIRMED at Tap), which an adapter
// must survive in every form.
type ChargesFilter uint8

// The behaviours.
const (
	ChargesFilterHonoured ChargesFilter = iota // only the named charges' refunds are listed
	ChargesFilterIgnored                       // the field is accepted and every refund is listed
	ChargesFilterRefused                       // 400, an unknown field
)

// SetChargesFilter sets what the refund list does with a "charges"
// filter; call it before the route is mounted.
func (rt *Route) SetChargesFilter(f ChargesFilter) { rt.chargesFilter = f }

type tapChargeListRequest struct {
	tapListRequest
	// Reference filters by the charge's references (UNCONFIRMED at Tap:
	// its reference lists the filter, not how it matches). The simulator
	// keeps a charge whose transaction or order reference equals the one
	// given.
	Reference *struct {
		Transaction string `json:"transaction"`
		Order       string `json:"order"`
	} `json:"reference"`
}

// listCharges serves POST /v2/charges/list: the account's charges newest
// first, by period, paged by limit and starting_after, and by reference.
// The answer's shape, {"object":"list","has_more","charges"}, is that of
// the refund list (UNCONFIRMED).
func (rt *Route) listCharges(_ *http.Request, body []byte) sim.Reply {
	req := tapChargeListRequest{}
	if len(body) > 0 {
		if rep, ok := decodeTap(body, &req); !ok {
			return rep
		}
	}
	limit, from, to, bad := req.page()
	if bad != "" {
		return tapErrors(http.StatusBadRequest, tapError{"1103", "Invalid inputs: " + bad})
	}
	rt.c.Lock()
	var (
		newestFirst []*sim.Payment
		out         []sim.Notice
	)
	all := rt.c.All()
	for i := len(all) - 1; i >= 0; i-- {
		p := all[i]
		if p.Route != rt {
			continue
		}
		if ref := req.Reference; ref != nil && p.Reference != ref.Transaction && p.Data.(*charge).order != ref.Order {
			continue
		}
		if ms := epochMillis(p.Created); ms < from || ms > to {
			continue
		}
		newestFirst = append(newestFirst, p)
	}
	if req.StartingAfter != "" {
		i := 0
		for i < len(newestFirst) && newestFirst[i].ID != req.StartingAfter {
			i++
		}
		if i == len(newestFirst) {
			rt.c.Unlock()
			return tapErrors(http.StatusBadRequest, tapError{"1143", "Charge id is invalid"})
		}
		newestFirst = newestFirst[i+1:]
	}
	page := []tapChargeJSON{}
	hasMore := len(newestFirst) > limit
	for _, p := range newestFirst[:min(limit, len(newestFirst))] {
		out = append(out, rt.c.ExpireIfDue(p)...)
		page = append(page, rt.charge(p, "GET", 0))
	}
	rt.c.Unlock()
	rt.c.Send(out)
	return sim.JSONReply(http.StatusOK, struct {
		Object  string          `json:"object"`
		HasMore bool            `json:"has_more"`
		Charges []tapChargeJSON `json:"charges"`
	}{"list", hasMore, page})
}
