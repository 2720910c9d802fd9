package tapsim

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// This file is Tap's side of the wire, written from Tap's documentation
// (shared/reference/tap-api.md), not from the adapter: it must catch the
// adapter's mistakes, not share them.

const tapQPaySource = "src_qa.qpay"

type tapError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// tapErrors is Tap's error body: {"errors":[{"code":"1144","description":"..."}]}.
func tapErrors(status int, errs ...tapError) sim.Reply {
	return sim.JSONReply(status, struct {
		Errors []tapError `json:"errors"`
	}{errs})
}

// flexText decodes a JSON string or number as its text: Tap's own request
// examples send phone numbers as numbers, its responses as strings.
type flexText string

// UnmarshalJSON accepts a string, a number or null.
func (t *flexText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = flexText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*t = flexText(n.String())
	return nil
}

type tapURL struct {
	URL string `json:"url"`
}

type tapChargeRequest struct {
	Amount            json.RawMessage `json:"amount"`
	Currency          string          `json:"currency"`
	CustomerInitiated *bool           `json:"customer_initiated"`
	ThreeDSecure      *bool           `json:"threeDSecure"`
	SaveCard          *bool           `json:"save_card"`
	Description       string          `json:"description"`
	Metadata          json.RawMessage `json:"metadata"`
	Reference         struct {
		Transaction string `json:"transaction"`
		Order       string `json:"order"`
		Idempotent  string `json:"idempotent"`
	} `json:"reference"`
	Receipt struct {
		Email bool `json:"email"`
		SMS   bool `json:"sms"`
	} `json:"receipt"`
	Customer *struct {
		ID         string `json:"id"`
		FirstName  string `json:"first_name"`
		MiddleName string `json:"middle_name"`
		LastName   string `json:"last_name"`
		Email      string `json:"email"`
		Phone      *struct {
			CountryCode flexText `json:"country_code"`
			Number      flexText `json:"number"`
		} `json:"phone"`
	} `json:"customer"`
	Source *struct {
		ID string `json:"id"`
	} `json:"source"`
	Redirect    *tapURL `json:"redirect"`
	Post        *tapURL `json:"post"`
	Transaction *struct {
		Expiry *struct {
			Period json.RawMessage `json:"period"`
			Type   string          `json:"type"`
		} `json:"expiry"`
	} `json:"transaction"`
	Merchant *struct {
		ID string `json:"id"`
	} `json:"merchant"`
	Destinations *tapDestinations `json:"destinations"`
}

// tapIdem remembers a reference.idempotent key.
type tapIdem struct {
	payment *sim.Payment
	refund  *sim.Refund
	at      time.Time
}

// decodeTap reads a Tap request body, answering 2100 for broken JSON and
// 1103 for a field of the wrong type.
func decodeTap(body []byte, v any) (sim.Reply, bool) {
	err := json.Unmarshal(body, v)
	if err == nil {
		return sim.Reply{}, true
	}
	var syn *json.SyntaxError
	if len(body) == 0 || errors.As(err, &syn) {
		return tapErrors(http.StatusBadRequest, tapError{"2100", "Invalid JSON request"}), false
	}
	return tapErrors(http.StatusBadRequest, tapError{"1103", "Invalid inputs: " + err.Error()}), false
}

// tapAmount reads an amount that must be a JSON number (1, 1.0, 79.10)
// with at most the currency's decimals, above zero.
func tapAmount(raw json.RawMessage, currency string) (money.Money, bool) {
	if len(raw) == 0 || !(raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return money.Money{}, false // a string or anything else is not a number
	}
	d, err := money.ParseNumber(string(raw)) // bounded: the request is untrusted
	if err != nil {
		return money.Money{}, false
	}
	if !money.Known(currency) {
		currency = "QAR" // the currency has its own error; check the decimals as QAR's
	}
	m, err := money.New(d, currency)
	if err != nil || !m.IsPositive() {
		return money.Money{}, false
	}
	return m, true
}

// tapMetadata checks Tap's limits: keys below 250 characters (1127),
// string values below 1000 (1128).
func tapMetadata(raw json.RawMessage) []tapError {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return []tapError{{"1103", "Invalid inputs: metadata must be an object"}}
	}
	var errs []tapError
	for k, v := range m {
		if utf8.RuneCountInString(k) >= 250 {
			errs = append(errs, tapError{"1127", "Metadata key length should be less than 250"})
		}
		var s string
		if json.Unmarshal(v, &s) == nil && utf8.RuneCountInString(s) >= 1000 {
			errs = append(errs, tapError{"1128", "Metadata value length should be less than 1000"})
		}
	}
	return errs
}

func (rt *Route) createCharge(_ *http.Request, body []byte) sim.Reply {
	var req tapChargeRequest
	if rep, ok := decodeTap(body, &req); !ok {
		return rep
	}
	rt.c.Lock()
	defer rt.c.Unlock()
	now := rt.c.Now()
	if e, ok := rt.idem["charge\x00"+req.Reference.Idempotent]; ok && req.Reference.Idempotent != "" && now.Sub(e.at) < sim.IdempotencyWindow {
		// Tap returns "the original response" for a repeated key; whether
		// that is a snapshot or the charge as it is now is UNCONFIRMED. The
		// charge as it is now is what an adapter must cope with anyway.
		// (Expiring a Tap charge sends no webhook: nothing to deliver.)
		_ = rt.c.ExpireIfDue(e.payment)
		return sim.JSONReply(http.StatusOK, rt.charge(e.payment, "CREATE", 0))
	}

	var errs []tapError
	switch cur := req.Currency; {
	case cur == "" || !money.Known(cur):
		errs = append(errs, tapError{"1118", "Currency code is invalid"})
	case cur != "QAR":
		errs = append(errs, tapError{"1119", "Currency is not supported"})
	}
	amount, ok := tapAmount(req.Amount, req.Currency)
	if !ok {
		errs = append(errs, tapError{"1117", "Amount is invalid"})
	}
	if req.ThreeDSecure != nil && !*req.ThreeDSecure {
		errs = append(errs, tapError{"1109", "Non-3D secure transactions are not allowed"})
	}
	if utf8.RuneCountInString(req.Description) >= 1000 {
		errs = append(errs, tapError{"1121", "Description length should be less than 1000"})
	}
	errs = append(errs, tapMetadata(req.Metadata)...)
	if utf8.RuneCountInString(req.Reference.Order) >= 100 {
		errs = append(errs, tapError{"1122", "Order reference length should be less than 100"})
	}
	if utf8.RuneCountInString(req.Reference.Transaction) >= 100 {
		errs = append(errs, tapError{"1123", "Transaction reference length should be less than 100"})
	}
	var cust customer
	switch c := req.Customer; {
	case c == nil || c.ID == "" && c.FirstName == "" && c.LastName == "" && c.Email == "" && c.Phone == nil:
		errs = append(errs, tapError{"1129", "Customer id or customer info is required"})
	default:
		cust = customer{id: c.ID, firstName: c.FirstName, lastName: c.LastName, email: c.Email}
		if c.Phone != nil {
			cust.phoneCC, cust.phoneNum = string(c.Phone.CountryCode), string(c.Phone.Number)
		}
		if c.ID == "" && strings.TrimSpace(c.FirstName) == "" {
			errs = append(errs, tapError{"1130", "Customer first name is required"})
		}
		if c.ID == "" && c.Email == "" && cust.phoneNum == "" {
			errs = append(errs, tapError{"1139", "Customer phone or email is required"})
		}
	}
	switch {
	case req.Source == nil || req.Source.ID == "":
		errs = append(errs, tapError{"1124", "Source id is missing"})
	default:
		if _, ok := methodsOf(req.Source.ID); !ok {
			// QPay and cards, directly or on Tap's hosted page, are what
			// the simulated account has.
			errs = append(errs, tapError{"1125", "Source id is invalid"})
		}
	}
	var shares []share
	if ok {
		var derrs []tapError
		shares, derrs = readDestinations(req.Destinations, amount)
		errs = append(errs, derrs...)
	}
	switch {
	case req.Redirect == nil || req.Redirect.URL == "":
		errs = append(errs, tapError{"1110", "Redirect URL is missing"})
	case !sim.AbsoluteHTTPURL(req.Redirect.URL):
		errs = append(errs, tapError{"1111", "Redirect URL is invalid"})
	}
	expiry := rt.c.Expiry()
	if t := req.Transaction; t != nil && t.Expiry != nil {
		// Tap documents the range (5 to 60 minutes), not the error code for
		// leaving it: 1103 is UNCONFIRMED.
		period, err := strconv.Atoi(string(t.Expiry.Period))
		if err != nil || period < 5 || period > 60 || !strings.EqualFold(t.Expiry.Type, "MINUTE") {
			errs = append(errs, tapError{"1103", "Invalid inputs: transaction.expiry must be 5 to 60 MINUTE"})
		}
		expiry = time.Duration(period) * time.Minute
	}
	if len(errs) > 0 {
		return tapErrors(http.StatusBadRequest, errs...)
	}

	p := &sim.Payment{
		Route:          rt,
		ID:             newID("chg"),
		Created:        now,
		Expires:        now.Add(expiry),
		Amount:         amount,
		Reference:      req.Reference.Transaction,
		Description:    req.Description,
		Metadata:       sim.CompactJSON(req.Metadata),
		ReturnURL:      req.Redirect.URL,
		IdempotencyKey: req.Reference.Idempotent,
		State:          status.Pending,
	}
	d := &charge{
		order:         req.Reference.Order,
		cust:          cust,
		receiptEmail:  req.Receipt.Email,
		receiptSMS:    req.Receipt.SMS,
		expiryMinutes: max(int((expiry+time.Minute-1)/time.Minute), 1),
		source:        req.Source.ID,
		destinations:  shares,
	}
	p.Methods, _ = methodsOf(req.Source.ID)
	p.Data = d
	if req.Post != nil {
		d.postURL = req.Post.URL
	}
	if req.Merchant != nil {
		d.merchantID = req.Merchant.ID
	}
	if d.cust.id == "" {
		d.cust.id = newID("cus")
	}
	rt.c.Add(p)
	if p.IdempotencyKey != "" {
		rt.idem["charge\x00"+p.IdempotencyKey] = tapIdem{payment: p, at: now}
	}
	return sim.JSONReply(http.StatusOK, rt.charge(p, "CREATE", 0))
}

func (rt *Route) getCharge(r *http.Request, _ []byte) sim.Reply {
	return rt.c.WithPayment(func() *sim.Payment { return rt.c.Own(rt, r.PathValue("id")) },
		tapErrors(http.StatusNotFound, tapError{"1144", "Charge not found"}),
		func(p *sim.Payment) sim.Reply { return sim.JSONReply(http.StatusOK, rt.charge(p, "GET", 0)) })
}

type tapRefundRequest struct {
	ChargeID    string          `json:"charge_id"`
	Amount      json.RawMessage `json:"amount"`
	Currency    string          `json:"currency"`
	Reason      string          `json:"reason"`
	Description string          `json:"description"`
	Reference   struct {
		Merchant   string `json:"merchant"`
		Idempotent string `json:"idempotent"`
	} `json:"reference"`
	Metadata     json.RawMessage  `json:"metadata"`
	Post         *tapURL          `json:"post"`
	Destinations *tapDestinations `json:"destinations"`
}

func (rt *Route) createRefund(_ *http.Request, body []byte) sim.Reply {
	var req tapRefundRequest
	if rep, ok := decodeTap(body, &req); !ok {
		return rep
	}
	rt.c.Lock()
	defer rt.c.Unlock()
	now := rt.c.Now()
	if key := req.Reference.Idempotent; key != "" {
		if e, ok := rt.idem["refund\x00"+key]; ok && now.Sub(e.at) < sim.IdempotencyWindow {
			return sim.JSONReply(http.StatusOK, rt.refund(e.refund, 0))
		}
	}
	if req.ChargeID == "" {
		return tapErrors(http.StatusBadRequest, tapError{"1142", "Charge id is missing"})
	}
	p := rt.c.Own(rt, req.ChargeID)
	if p == nil {
		return tapErrors(http.StatusNotFound, tapError{"1144", "Charge not found"})
	}
	var errs []tapError
	amount, ok := tapAmount(req.Amount, p.Amount.Currency())
	if !ok {
		errs = append(errs, tapError{"1117", "Amount is invalid"})
	}
	if req.Currency != p.Amount.Currency() {
		errs = append(errs, tapError{"1149", "Currency code is not matching with existing currency code"})
	}
	switch n := utf8.RuneCountInString(req.Reason); {
	case strings.TrimSpace(req.Reason) == "":
		errs = append(errs, tapError{"1156", "Refund reason is required"})
	case n >= 250:
		errs = append(errs, tapError{"1157", "Refund reason length should be less than 250"})
	}
	errs = append(errs, tapMetadata(req.Metadata)...)
	var shares []share
	if ok {
		var derrs []tapError
		shares, derrs = readDestinations(req.Destinations, amount)
		errs = append(errs, derrs...)
		errs = append(errs, destinationsOfCharge(shares, p.Data.(*charge).destinations)...)
	}
	if len(errs) > 0 {
		return tapErrors(http.StatusBadRequest, errs...)
	}
	// Expiry is lazy; an ABANDONED charge sends no webhook, so nothing is
	// left to deliver here.
	_ = rt.c.ExpireIfDue(p)
	if p.State != status.Captured {
		// Tap documents no code for refunding an uncaptured charge: 1103 is
		// UNCONFIRMED.
		return tapErrors(http.StatusBadRequest, tapError{"1103", "Invalid inputs: only a CAPTURED charge can be refunded, this one is " + rawStatus(p)})
	}
	if c, _ := amount.Cmp(p.Refundable()); c > 0 {
		return tapErrors(http.StatusBadRequest, tapError{"1161", "Requested refund amount exceeds"})
	}
	r := &sim.Refund{
		ID:             newID("re"),
		Payment:        p,
		Created:        now,
		Amount:         amount,
		Reference:      req.Reference.Merchant,
		Metadata:       sim.CompactJSON(req.Metadata),
		IdempotencyKey: req.Reference.Idempotent,
		State:          status.RefundPending,
		Decline:        sim.MagicRefundDecline(amount),
	}
	// Tap's gateway and payment references of a refund are reported once
	// it has succeeded.
	d := &refundData{reason: req.Reason, description: req.Description, gatewayRef: "00", paymentRef: sim.NumericRef(19), destinations: shares}
	r.Data = d
	if req.Post != nil {
		d.postURL = req.Post.URL
	}
	rt.c.AddRefund(r)
	if r.IdempotencyKey != "" {
		rt.idem["refund\x00"+r.IdempotencyKey] = tapIdem{refund: r, at: now}
	}
	rep := sim.JSONReply(http.StatusOK, rt.refund(r, 0))
	rep.After = func() { rt.c.SettleRefund(r) }
	return rep
}

func (rt *Route) getRefund(r *http.Request, _ []byte) sim.Reply {
	rt.c.Lock()
	defer rt.c.Unlock()
	rf := rt.c.Refund(r.PathValue("id"))
	if rf == nil || rf.Payment.Route != rt {
		return tapErrors(http.StatusNotFound, tapError{"1160", "Refund not found"})
	}
	return sim.JSONReply(http.StatusOK, rt.refund(rf, 0))
}

type tapListRequest struct {
	Period *struct {
		Date *struct {
			From flexText `json:"from"`
			To   flexText `json:"to"`
		} `json:"date"`
	} `json:"period"`
	Limit         *int   `json:"limit"`
	StartingAfter string `json:"starting_after"`
	// Charges filters the refund list by charge ID: UNCONFIRMED, seen in
	// community code, not in Tap's documentation. The route's
	// ChargesFilter says what the simulator does with it.
	Charges []string `json:"charges"`
}

// page reads what both of Tap's lists page and filter by: limit (1 to
// 50, 25 when absent) and period.date from and to (epoch milliseconds,
// open when absent). bad is the reason the request is refused, "" if
// none.
func (req *tapListRequest) page() (limit int, from, to int64, bad string) {
	limit, from, to = 25, 0, 1<<62
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 1 || limit > 50 {
		return 0, 0, 0, "limit must be 1 to 50"
	}
	if req.Period == nil || req.Period.Date == nil {
		return limit, from, to, ""
	}
	var err error
	if d := req.Period.Date; d.From != "" {
		if from, err = strconv.ParseInt(string(d.From), 10, 64); err != nil {
			return 0, 0, 0, "period.date.from must be epoch milliseconds"
		}
	}
	if d := req.Period.Date; d.To != "" {
		if to, err = strconv.ParseInt(string(d.To), 10, 64); err != nil {
			return 0, 0, 0, "period.date.to must be epoch milliseconds"
		}
	}
	return limit, from, to, ""
}

// listRefunds serves POST /v2/refunds/list. The endpoint is UNCONFIRMED
// (Tap's PHP SDK uses it; a third-party list says GET /v2/refunds). It
// lists the account's refunds newest first, filtered by creation time and,
// unless the route's ChargesFilter says otherwise, by the charges a
// "charges" array names (UNCONFIRMED as well).
func (rt *Route) listRefunds(_ *http.Request, body []byte) sim.Reply {
	req := tapListRequest{}
	if len(body) > 0 {
		if rep, ok := decodeTap(body, &req); !ok {
			return rep
		}
	}
	var charges map[string]bool
	if req.Charges != nil {
		switch rt.chargesFilter {
		case ChargesFilterRefused:
			return tapErrors(http.StatusBadRequest, tapError{"1103", "Invalid inputs: unknown field charges"})
		case ChargesFilterHonoured:
			charges = map[string]bool{}
			for _, id := range req.Charges {
				charges[id] = true
			}
		}
	}
	limit, from, to, bad := req.page()
	if bad != "" {
		return tapErrors(http.StatusBadRequest, tapError{"1103", "Invalid inputs: " + bad})
	}

	rt.c.Lock()
	defer rt.c.Unlock()
	var newestFirst []*sim.Refund
	all := rt.c.Refunds()
	for i := len(all) - 1; i >= 0; i-- {
		if r := all[i]; r.Payment.Route == rt {
			newestFirst = append(newestFirst, r)
		}
	}
	if req.StartingAfter != "" {
		i := 0
		for i < len(newestFirst) && newestFirst[i].ID != req.StartingAfter {
			i++
		}
		if i == len(newestFirst) {
			return tapErrors(http.StatusBadRequest, tapError{"1159", "Refund id is invalid"})
		}
		newestFirst = newestFirst[i+1:]
	}
	page := []tapRefundJSON{}
	hasMore := false
	for _, r := range newestFirst {
		if ms := epochMillis(r.Created); ms < from || ms > to {
			continue
		}
		if charges != nil && !charges[r.Payment.ID] {
			continue
		}
		if len(page) == limit {
			hasMore = true
			break
		}
		page = append(page, rt.refund(r, 0))
	}
	return sim.JSONReply(http.StatusOK, struct {
		Object  string          `json:"object"`
		HasMore bool            `json:"has_more"`
		Refunds []tapRefundJSON `json:"refunds"`
	}{"list", hasMore, page})
}
