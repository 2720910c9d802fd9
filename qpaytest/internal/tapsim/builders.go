package tapsim

import (
	"encoding/json"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// ChargeJSON returns a Tap charge object, as Tap posts it to post.url, with
// the given ID (a new chg_ ID when empty), raw status, amount and merchant
// reference (reference.transaction and .order); see qpaytest.TapChargeJSON.
func ChargeJSON(id, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, sim.ErrNoAmount
	}
	if id == "" {
		id = newID("chg")
	}
	now := time.Now()
	d := &charge{
		order: reference, expiryMinutes: 30,
		cust: customer{id: newID("cus"), firstName: "Test", lastName: "Shopper", email: "shopper@example.qa"},
	}
	p := &sim.Payment{ID: id, Created: now, Finished: now, Amount: amount, Reference: reference, Data: d}
	res, known := resultOf(rawStatus)
	p.Result = res
	p.State = res.State()
	if rawStatus != "INITIATED" {
		d.track, d.paymentRef, d.gatewayRef = newID("tck"), sim.NumericRef(19), "00"
		p.CardFirst6, p.CardLast4 = sim.TestCardNumber[:6], sim.TestCardNumber[len(sim.TestCardNumber)-4:]
	}
	// A charge built outside a server has no payment page to point to.
	c := tapChargeObject(p, "https://qpaytest.invalid/pay/", "POST", 1)
	if !known {
		code, msg := codeOf(rawStatus)
		c.Status, c.Response, c.Gateway = rawStatus, tapResponse{Code: code, Message: msg}, nil
		c.Transaction.URL = ""
		c.Redirect.Status = "SUCCESS"
	}
	return json.Marshal(c)
}

// resultOf maps the charge statuses the simulator produces to a result.
func resultOf(raw string) (sim.Result, bool) {
	switch raw {
	case "INITIATED":
		return sim.ResNone, true
	case "CAPTURED":
		return sim.ResCaptured, true
	case "DECLINED":
		return sim.ResInsufficientFunds, true
	case "FAILED":
		return sim.ResInvalidCard, true
	case "CANCELLED":
		return sim.ResCanceled, true
	case "ABANDONED":
		return sim.ResExpired, true
	}
	return sim.ResNone, false
}

// codeOf is Tap's documented response code for the statuses the simulator
// does not produce itself.
func codeOf(raw string) (code, message string) {
	switch raw {
	case "AUTHORIZED":
		return "001", "Authorized"
	case "IN_PROGRESS":
		return "200", "In Progress"
	case "VOID":
		return "601", "Void"
	case "RESTRICTED":
		return "701", "Restricted"
	case "TIMEDOUT":
		return "801", "Timed Out"
	case "UNKNOWN":
		return "901", "Unknown"
	}
	return "", raw
}

// RefundJSON returns a Tap refund object, as Tap posts it to the refund's
// post.url, with the given ID (a new re_ ID when empty), charge ID, raw
// status, amount and refund reference; see qpaytest.TapRefundJSON.
func RefundJSON(id, chargeID, rawStatus string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, sim.ErrNoAmount
	}
	if id == "" {
		id = newID("re")
	}
	now := time.Now()
	d := &refundData{reason: "requested_by_customer"}
	r := &sim.Refund{
		ID: id, Payment: &sim.Payment{ID: chargeID}, Created: now, Finished: now,
		Amount: amount, Reference: reference, State: status.RefundPending, Data: d,
	}
	switch rawStatus {
	case "REFUNDED":
		r.State, d.gatewayRef, d.paymentRef = status.RefundSucceeded, "00", sim.NumericRef(19)
	case "DECLINED":
		r.State = status.RefundFailed
	}
	out := tapRefundObject(r, 1)
	if out.Status != rawStatus {
		out.Status, out.Response = rawStatus, tapResponse{Code: "", Message: rawStatus}
	}
	return json.Marshal(out)
}
