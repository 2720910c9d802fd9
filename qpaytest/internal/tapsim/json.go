package tapsim

import (
	"encoding/json"
	"strconv"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest/internal/sim"
	"github.com/qpay-go/qpay/status"
)

// Tap's charge and refund objects, in the shape of Tap's QPay examples
// (shared/reference/tap/charge-*.json, refund-*.json).

type tapChargeJSON struct {
	ID                string               `json:"id"`
	Object            string               `json:"object"`
	LiveMode          bool                 `json:"live_mode"`
	CustomerInitiated bool                 `json:"customer_initiated"`
	APIVersion        string               `json:"api_version"`
	Method            string               `json:"method"`
	Status            string               `json:"status"`
	Amount            json.Number          `json:"amount"`
	Currency          string               `json:"currency"`
	ThreeDSecure      bool                 `json:"threeDSecure"`
	CardThreeDSecure  bool                 `json:"card_threeDSecure"`
	SaveCard          bool                 `json:"save_card"`
	MerchantID        string               `json:"merchant_id,omitempty"`
	Product           string               `json:"product"`
	Description       string               `json:"description,omitempty"`
	Metadata          json.RawMessage      `json:"metadata,omitempty"`
	Transaction       tapTransaction       `json:"transaction"`
	Reference         tapReference         `json:"reference"`
	Response          tapResponse          `json:"response"`
	Gateway           *tapGateway          `json:"gateway,omitempty"`
	Card              *tapCard             `json:"card,omitempty"`
	Receipt           tapReceipt           `json:"receipt"`
	Customer          tapCustomer          `json:"customer"`
	Merchant          tapMerchant          `json:"merchant"`
	Source            tapSource            `json:"source"`
	Redirect          tapDelivery          `json:"redirect"`
	Post              *tapDelivery         `json:"post,omitempty"`
	Activities        []tapActivity        `json:"activities"`
	AutoReversed      bool                 `json:"auto_reversed"`
	Destinations      *tapDestinationsJSON `json:"destinations,omitempty"`
}

type tapTransaction struct {
	Timezone     string      `json:"timezone"`
	Created      string      `json:"created"` // epoch ms, as a string
	URL          string      `json:"url,omitempty"`
	Expiry       tapExpiry   `json:"expiry"`
	Asynchronous bool        `json:"asynchronous"`
	Amount       json.Number `json:"amount"`
	Currency     string      `json:"currency"`
}

type tapExpiry struct {
	Period int    `json:"period"`
	Type   string `json:"type"`
}

type tapReference struct {
	Track       string `json:"track,omitempty"`
	Payment     string `json:"payment,omitempty"`
	Transaction string `json:"transaction,omitempty"`
	Order       string `json:"order,omitempty"`
	Gateway     string `json:"gateway,omitempty"`
}

type tapResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type tapGateway struct {
	Response tapResponse `json:"response"`
}

type tapCard struct {
	Object   string `json:"object"`
	FirstSix string `json:"first_six"`
	Scheme   string `json:"scheme"`
	Brand    string `json:"brand"`
	Type     string `json:"type"`
	LastFour string `json:"last_four"`
}

type tapReceipt struct {
	Email bool `json:"email"`
	SMS   bool `json:"sms"`
}

type tapCustomer struct {
	ID        string    `json:"id"`
	FirstName string    `json:"first_name,omitempty"`
	LastName  string    `json:"last_name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Phone     *tapPhone `json:"phone,omitempty"`
}

type tapPhone struct {
	CountryCode string `json:"country_code"`
	Number      string `json:"number"`
}

type tapMerchant struct {
	Country  string `json:"country"`
	Currency string `json:"currency"`
	ID       string `json:"id"`
}

type tapSource struct {
	Object        string `json:"object"`
	Type          string `json:"type,omitempty"`
	PaymentType   string `json:"payment_type,omitempty"`
	Channel       string `json:"channel,omitempty"`
	ID            string `json:"id"`
	OnFile        bool   `json:"on_file"`
	PaymentMethod string `json:"payment_method,omitempty"`
}

// tapDelivery is redirect{status,url} and post{attempt,status,url}: status
// reports the redirect or the webhook, not the payment.
type tapDelivery struct {
	Attempt int    `json:"attempt,omitempty"`
	Status  string `json:"status"`
	URL     string `json:"url"`
}

type tapActivity struct {
	ID       string      `json:"id"`
	Object   string      `json:"object"`
	Created  int64       `json:"created"` // a number here, unlike transaction.created
	Status   string      `json:"status"`
	Currency string      `json:"currency"`
	Amount   json.Number `json:"amount"`
	Remarks  string      `json:"remarks"`
	TxnID    string      `json:"txn_id"`
}

// tapNumber writes an amount the way Tap's examples do: a JSON number in its
// shortest form (1, 79.1), which adapters must read as an exact decimal.
func tapNumber(m money.Money) json.Number { return json.Number(m.Amount().String()) }

// defaultTapMerchant is the merchant ID reported when the request names none.
const defaultTapMerchant = "599424"

// charge renders p as Tap's charge object. The caller holds the lock.
func (rt *Route) charge(p *sim.Payment, method string, attempt int) tapChargeJSON {
	return tapChargeObject(p, rt.c.PageURL(p), method, attempt)
}

// tapChargeObject renders p as Tap's charge object. method is what Tap
// reports in "method" (CREATE, GET, or POST in a webhook); attempt, when
// positive, is the webhook delivery attempt reported in post.attempt.
func tapChargeObject(p *sim.Payment, pageURL, method string, attempt int) tapChargeJSON {
	o := outcomeOf(p.Result)
	d := p.Data.(*charge)
	pending := p.State == status.Pending
	merchant := d.merchantID
	if merchant == "" {
		merchant = defaultTapMerchant
	}
	c := tapChargeJSON{
		ID:                p.ID,
		Object:            "charge",
		CustomerInitiated: true,
		APIVersion:        "V2",
		Method:            method,
		Status:            o.status,
		Amount:            tapNumber(p.Amount),
		Currency:          p.Amount.Currency(),
		ThreeDSecure:      true,
		MerchantID:        d.merchantID,
		Product:           "GOSELL",
		Description:       p.Description,
		Metadata:          p.Metadata,
		Transaction: tapTransaction{
			Timezone: "UTC+03:00",
			Created:  strconv.FormatInt(epochMillis(p.Created), 10),
			Expiry:   tapExpiry{Period: d.expiryMinutes, Type: "MINUTE"},
			Amount:   tapNumber(p.Amount),
			Currency: p.Amount.Currency(),
		},
		Reference: tapReference{
			Track:       d.track,
			Payment:     d.paymentRef,
			Transaction: p.Reference,
			Order:       d.order,
			Gateway:     d.gatewayRef,
		},
		Response: tapResponse{Code: o.code, Message: o.message},
		Receipt:  tapReceipt{Email: d.receiptEmail, SMS: d.receiptSMS},
		Customer: tapCustomer{ID: d.cust.id, FirstName: d.cust.firstName, LastName: d.cust.lastName, Email: d.cust.email},
		Merchant: tapMerchant{Country: "QA", Currency: "QAR", ID: merchant},
		Source:   tapSource{Object: "source", ID: d.source},
		Redirect: tapDelivery{Status: "PENDING", URL: p.ReturnURL},
		Activities: []tapActivity{{
			ID: "activity_" + p.ID[len("chg_"):], Object: "activity", Created: epochMillis(p.Created),
			Status: "INITIATED", Currency: p.Amount.Currency(), Amount: tapNumber(p.Amount),
			Remarks: "charge - created", TxnID: p.ID,
		}},
	}
	if pending {
		c.Transaction.URL = pageURL
	} else {
		c.Redirect.Status = "SUCCESS"
		c.Activities = append(c.Activities, tapActivity{
			ID: "activity_" + p.ID[len("chg_"):] + "F", Object: "activity", Created: epochMillis(p.Finished),
			Status: o.status, Currency: p.Amount.Currency(), Amount: tapNumber(p.Amount),
			Remarks: "charge - " + o.message, TxnID: p.ID,
		})
	}
	if d.cust.phoneNum != "" {
		c.Customer.Phone = &tapPhone{CountryCode: d.cust.phoneCC, Number: d.cust.phoneNum}
	}
	c.Destinations = echo(d.destinations)
	if p.CardLast4 != "" && p.Method == sim.MethodCard {
		c.Source, c.Card = cardSource(p)
	} else if p.CardLast4 != "" {
		c.Card = &tapCard{Object: "card", FirstSix: p.CardFirst6, Scheme: "NAPS", Brand: "NAPS", Type: "DEBIT", LastFour: p.CardLast4}
		c.Source.Type, c.Source.PaymentType, c.Source.Channel, c.Source.PaymentMethod = "CARD_NOT_PRESENT", "DEBIT", "INTERNET", "QPAY"
	}
	if p.State == status.Captured {
		c.Gateway = &tapGateway{Response: tapResponse{Code: "0000", Message: "Payment Processed Successfully"}}
	}
	if d.postURL != "" {
		c.Post = &tapDelivery{Attempt: attempt, Status: "PENDING", URL: d.postURL}
	}
	return c
}

type tapRefundJSON struct {
	ID           string               `json:"id"`
	Object       string               `json:"object"`
	APIVersion   string               `json:"api_version"`
	LiveMode     bool                 `json:"live_mode"`
	Amount       json.Number          `json:"amount"`
	ChargeID     string               `json:"charge_id"`
	Created      string               `json:"created"` // epoch ms, as a string
	Currency     string               `json:"currency"`
	Status       string               `json:"status"`
	Reference    tapRefundReference   `json:"reference"`
	Response     tapResponse          `json:"response"`
	Metadata     json.RawMessage      `json:"metadata,omitempty"`
	Description  string               `json:"description,omitempty"`
	Reason       string               `json:"reason"`
	Post         *tapDelivery         `json:"post,omitempty"`
	Destinations *tapDestinationsJSON `json:"destinations,omitempty"`
}

type tapRefundReference struct {
	Merchant string `json:"merchant,omitempty"`
	Gateway  string `json:"gateway,omitempty"`
	Payment  string `json:"payment,omitempty"`
}

// refund renders r as Tap's refund object. The caller holds the lock.
func (rt *Route) refund(r *sim.Refund, attempt int) tapRefundJSON { return tapRefundObject(r, attempt) }

// tapRefundObject renders r as Tap's refund object; attempt as in
// tapChargeObject.
func tapRefundObject(r *sim.Refund, attempt int) tapRefundJSON {
	o := refundOutcomeOf(r.State)
	d := r.Data.(*refundData)
	out := tapRefundJSON{
		ID:           r.ID,
		Object:       "refund",
		APIVersion:   "V1.2",
		Amount:       tapNumber(r.Amount),
		ChargeID:     r.Payment.ID,
		Created:      strconv.FormatInt(epochMillis(r.Created), 10),
		Currency:     r.Amount.Currency(),
		Status:       o.status,
		Reference:    tapRefundReference{Merchant: r.Reference},
		Response:     tapResponse{Code: o.code, Message: o.message},
		Metadata:     r.Metadata,
		Description:  d.description,
		Reason:       d.reason,
		Destinations: echo(d.destinations),
	}
	if r.State == status.RefundSucceeded {
		out.Reference.Gateway, out.Reference.Payment = d.gatewayRef, d.paymentRef
	}
	if d.postURL != "" {
		out.Post = &tapDelivery{Attempt: attempt, Status: "PENDING", URL: d.postURL}
	}
	return out
}
