package checkoutsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
)

// EventJSON builds a Checkout.com event of eventType for payment paymentID
// (and, for a refund event, refund actionID); see qpaytest.CheckoutEventJSON.
func EventJSON(eventType, paymentID, actionID string, amount money.Money, reference string) ([]byte, error) {
	if amount.Currency() == "" {
		return nil, sim.ErrNoAmount
	}
	if eventType == "" || paymentID == "" {
		return nil, errors.New("qpaytest: an event needs a type and a payment ID")
	}
	if _, err := amount.Minor(); err != nil {
		return nil, fmt.Errorf("qpaytest: a Checkout event's amount is sent in minor units: %w", err)
	}
	now := time.Now()
	yes, no := true, false
	d := ckoEventData{
		ID: paymentID, ActionID: actionID, Amount: minor(amount), Currency: amount.Currency(),
		Reference: reference, ProcessedOn: ckoTime(now),
	}
	switch eventType {
	case "payment_captured", "payment_paid":
		d.ActionID = derivedID("act", paymentID, "capture")
		d.Status, d.Approved, d.ResponseCode, d.ResponseSummary = "Captured", &yes, "10000", "Approved"
	case "payment_declined":
		o := outcomeOf(sim.ResInsufficientFunds)
		d.Status, d.Approved, d.ResponseCode, d.ResponseSummary = o.status, &no, o.code, o.summary
	case "payment_refunded":
		d.Approved, d.ResponseCode, d.ResponseSummary = &yes, "10000", "Approved"
	case "payment_refund_declined":
		d.Approved, d.ResponseCode, d.ResponseSummary = &no, "20005", "Declined - Do Not Honour"
	case "payment_canceled":
		d.Status = "Canceled"
	case "payment_expired":
		d.Status = "Expired"
	case "payment_pending":
		d.Status = "Pending"
	}
	if actionID == "" {
		d.Source = &ckoSource{Type: "qpay", Description: "Order " + reference}
	}
	id := derivedID("evt", paymentID, eventType, d.ActionID)
	ev := Event{
		ID: id, Type: eventType, Version: "2.0", CreatedOn: ckoTime(now), Data: d,
		Links: ckoEventLinks{
			Self:    ckoLink{checkout.SandboxBaseURL + "/events/" + id},
			Payment: ckoLink{checkout.SandboxBaseURL + "/payments/" + paymentID},
		},
	}
	return json.Marshal(ev)
}
