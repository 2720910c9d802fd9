package qpaytest

import (
	"encoding/json"
	"time"

	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// payment is one Tap charge or Checkout payment, in one shape for both so
// that the page, the controls and expiry are written once. Fields are
// guarded by Server.mu.
type payment struct {
	provider    string
	id          string // chg_... or pay_...
	token       string // the payment page's
	created     time.Time
	expires     time.Time
	amount      money.Money
	reference   string // Tap's reference.transaction, Checkout's reference
	order       string // Tap's reference.order
	description string
	metadata    json.RawMessage
	returnURL   string // Tap's redirect.url, Checkout's success_url
	failureURL  string // Checkout's failure_url
	postURL     string // Tap's post.url
	idemKey     string
	cust        customer

	state        status.Status // Pending, then Captured, Failed, Canceled or Expired
	result       result        // why, once not Pending
	finished     time.Time
	cardFirst6   string
	cardLast4    string
	forceDecline bool
	refunds      []*refund

	// Tap only.
	merchantID    string
	expiryMinutes int
	track         string
	paymentRef    string
	gatewayRef    string
	receiptEmail  bool
	receiptSMS    bool

	// Checkout only.
	sessionID      string
	sessionIssued  time.Time // zero until the shopper is sent back
	pun            string
	sourceDesc     string
	captureAction  string // act_ ID of the capture
	confirmationID string
}

type customer struct {
	id        string
	firstName string
	lastName  string
	name      string
	email     string
	phoneCC   string
	phoneNum  string
}

// refund is one Tap refund or Checkout refund action.
type refund struct {
	id          string // re_... or act_...
	payment     *payment
	created     time.Time
	amount      money.Money
	reference   string
	reason      string
	description string
	metadata    json.RawMessage
	postURL     string
	idemKey     string
	state       status.RefundStatus
	decline     bool // decided when requested (magic amount), applied on completion
	finished    time.Time
	gatewayRef  string
	paymentRef  string
}

// result is why a payment left Pending.
type result uint8

const (
	resNone result = iota
	resCaptured
	resInsufficientFunds
	resIssuerDeclined
	resAuthenticationFailed
	resInvalidCard
	resExpiredCard
	resCanceled
	resExpired
)

// outcome is how each provider reports a result. The Tap codes are Tap's
// documented response codes; the Checkout qpay_status values, status
// messages and response codes are illustrative (Checkout documents the
// fields, not QPay's values), in the style of its examples.
type outcome struct {
	state      status.Status
	tapStatus  string
	tapCode    string
	tapMessage string
	ckoStatus  string
	ckoEvent   string
	qpayStatus string
	qpayText   string
	ckoCode    string
	ckoSummary string
	shopper    string // what the payment page tells the shopper
}

func (r result) outcome() outcome {
	switch r {
	case resCaptured:
		return outcome{status.Captured, "CAPTURED", "000", "Captured", "Captured", "payment_captured",
			"0000", "Payment processed successfully", "10000", "Approved", "Payment successful."}
	case resInsufficientFunds:
		return outcome{status.Failed, "DECLINED", "505", "Declined, Insufficient Funds", "Declined", "payment_declined",
			"0051", "Insufficient funds", "20051", "Insufficient Funds", "Payment declined: insufficient funds."}
	case resIssuerDeclined:
		return outcome{status.Failed, "DECLINED", "507", "Declined, Card Issuer", "Declined", "payment_declined",
			"0001", "Transaction declined by issuer", "20005", "Declined - Do Not Honour", "Payment declined by the card issuer."}
	case resAuthenticationFailed:
		return outcome{status.Failed, "DECLINED", "516", "Declined, Authentication Failed", "Declined", "payment_declined",
			"0055", "Authentication failed", "20151", "Cardholder failed 3DS authentication", "Payment declined: authentication failed."}
	case resInvalidCard:
		return outcome{status.Failed, "FAILED", "405", "Failed, Invalid Card No", "Declined", "payment_declined",
			"0014", "Invalid card number", "20014", "Invalid Card Number", "Payment failed: unknown card."}
	case resExpiredCard:
		return outcome{status.Failed, "FAILED", "407", "Failed, Expired Card", "Declined", "payment_declined",
			"0054", "Expired card", "20054", "Expired Card", "Payment failed: the card has expired."}
	case resCanceled:
		return outcome{status.Canceled, "CANCELLED", "302", "Canceled", "Canceled", "payment_canceled",
			"", "Transaction cancelled by the customer", "", "", "Payment canceled."}
	case resExpired:
		// Tap: an unfinished INITIATED charge becomes ABANDONED; its
		// response code for a lapsed page is 304 Expired.
		return outcome{status.Expired, "ABANDONED", "304", "Expired", "Expired", "payment_expired",
			"", "Payment expired", "", "", "This payment has expired."}
	}
	return outcome{status.Pending, "INITIATED", "100", "Initiated", "Pending", "payment_pending",
		"", "", "", "", ""}
}

// refundOutcome is how each provider reports a refund's state.
type refundOutcome struct {
	tapStatus  string
	tapCode    string
	tapMessage string
	approved   *bool
	ckoCode    string
	ckoSummary string
	ckoEvent   string
}

func (r *refund) outcome() refundOutcome {
	yes, no := true, false
	switch r.state {
	case status.RefundSucceeded:
		return refundOutcome{"REFUNDED", "000", "Refunded", &yes, "10000", "Approved", "payment_refunded"}
	case status.RefundFailed:
		return refundOutcome{"DECLINED", "501", "Declined", &no, "20005", "Declined - Do Not Honour", "payment_refund_declined"}
	}
	return refundOutcome{"PENDING", "100", "Pending", nil, "", "", "payment_refund_pending"}
}

// view is the payment's state as the simulator sees it, refunds included
// (Tap's charge itself keeps saying CAPTURED).
func (p *payment) view() status.Status {
	if p.state != status.Captured {
		return p.state
	}
	done := p.refunded(false)
	switch {
	case done.IsZero():
		return status.Captured
	case done.Equal(p.amount):
		return status.Refunded
	}
	return status.PartiallyRefunded
}

// refunded sums the succeeded refunds, and the pending ones too when
// withPending is set (what may no longer be refunded).
func (p *payment) refunded(withPending bool) money.Money {
	sum, _ := money.FromMinor(0, p.amount.Currency())
	for _, r := range p.refunds {
		if r.state == status.RefundSucceeded || withPending && r.state == status.RefundPending {
			sum, _ = sum.Add(r.amount) // same currency, checked when the refund was made
		}
	}
	return sum
}

// refundable is what may still be refunded.
func (p *payment) refundable() money.Money {
	left, err := p.amount.Sub(p.refunded(true))
	if err != nil {
		left, _ = money.FromMinor(0, p.amount.Currency())
	}
	return left
}

// rawStatus is the status word the payment's provider reports.
func (p *payment) rawStatus() string {
	o := p.result.outcome()
	if p.provider == ProviderTap {
		return o.tapStatus // Tap's charge reports no refunds
	}
	switch p.view() {
	case status.PartiallyRefunded:
		return "Partially Refunded"
	case status.Refunded:
		return "Refunded"
	}
	return o.ckoStatus
}

// finish moves a pending payment to res and returns the webhooks to send
// once the lock is released.
func (s *Server) finish(p *payment, res result) []outbound {
	if p.state != status.Pending {
		return nil
	}
	now := s.now()
	p.result = res
	p.state = res.outcome().state
	p.finished = now
	if res != resExpired && res != resCanceled {
		// A card reached the gateway: the references Tap's hashstring uses.
		p.track = tapID("tck")
		p.paymentRef = numericRef(19)
		p.gatewayRef = "00"
	}
	if res == resCaptured && p.provider == ProviderCheckout {
		p.captureAction = checkoutID("act")
		p.confirmationID = numericRef(12)
	}
	if p.provider == ProviderCheckout && p.sessionIssued.IsZero() {
		p.sessionIssued = now
	}
	return s.paymentWebhooks(p)
}

// expireIfDue applies expiry lazily: every access to a payment first
// checks whether its page has lapsed.
func (s *Server) expireIfDue(p *payment) []outbound {
	if p.state == status.Pending && !s.now().Before(p.expires) {
		return s.finish(p, resExpired)
	}
	return nil
}

// completeRefund settles a pending refund and returns its webhooks.
func (s *Server) completeRefund(r *refund) []outbound {
	if r.state != status.RefundPending {
		return nil
	}
	r.finished = s.now()
	if r.decline {
		r.state = status.RefundFailed
	} else {
		r.state = status.RefundSucceeded
		r.gatewayRef = "00"
		r.paymentRef = numericRef(19)
	}
	return s.refundWebhooks(r)
}

// magicDecline is the decline an amount asks for, by its fils (the two
// decimals): .51 insufficient funds, .05 declined by the issuer.
func magicDecline(m money.Money) result {
	minor, err := m.Minor()
	if err != nil {
		return resNone
	}
	switch minor % 100 {
	case 51:
		return resInsufficientFunds
	case 5:
		return resIssuerDeclined
	}
	return resNone
}

// magicRefundDecline reports whether a refund amount asks to be declined:
// fils .52.
func magicRefundDecline(m money.Money) bool {
	minor, err := m.Minor()
	return err == nil && minor%100 == 52
}

func epochMillis(t time.Time) int64 { return t.UnixMilli() }
