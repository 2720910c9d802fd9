package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/checkout"
)

// Checkout's test credentials. The webhook secret signs the reference
// event at start-up.
var (
	ckoKey           = qpay.NewSecret("sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e")
	ckoWebhookSecret = qpay.NewSecret("whsec_bench_4f0c2a7e9b1d")
)

// ckoPaymentID is the payment of every Checkout fixture.
const ckoPaymentID = "pay_7eil5osdlcdehe62et5aihec4q"

func checkoutBackend(tb testing.TB) *backend {
	tb.Helper()
	event := fixture(tb, "checkout/webhook-payment-captured.json")
	return &backend{
		name: "checkout",
		routes: map[string]reply{
			"POST /payments":                              {http.StatusAccepted, fixture(tb, "checkout/payment-pending-202.json")},
			"GET /payments/" + ckoPaymentID:               {http.StatusOK, fixture(tb, "checkout/payment-captured.json")},
			"GET /payments/" + ckoPaymentID + "/actions":  {http.StatusOK, fixture(tb, "checkout/payment-actions.json")},
			"POST /payments/" + ckoPaymentID + "/refunds": {http.StatusAccepted, fixture(tb, "checkout/refund-accepted-202.json")},
		},
		open: func(baseURL string, o qpay.HTTPOptions) (qpay.Provider, error) {
			return checkout.New(checkout.Config{SecretKey: ckoKey, WebhookSecret: ckoWebhookSecret, BaseURL: baseURL, HTTP: o})
		},
		floor: func(baseURL string, hc *http.Client) floorClient {
			return &ckoFloor{c: jsonClient{hc: hc, base: baseURL, auth: "Bearer " + ckoKey.Reveal()}}
		},
		// The 202 echoes reference "ord_01"; the payment read back is 1 QAR.
		create: qpay.PaymentRequest{
			Amount:      qar("1.00"),
			Reference:   "ord_01",
			Description: "Order ord_01",
			Customer:    qpay.Customer{Name: "Shopper Name", Email: "shopper@example.qa"},
			ReturnURL:   "https://shop.example/qpay/success",
			FailureURL:  "https://shop.example/qpay/failure",
			Metadata:    map[string]string{"order_id": "ord_01"},
			NationalID:  "070AYY010BU234M",
			Language:    "en",
		},
		paymentID: ckoPaymentID,
		refund: qpay.RefundRequest{
			PaymentID: ckoPaymentID,
			Amount:    qar("0.50"),
			Reference: "rfd_ord_01_1",
			Reason:    "requested_by_customer",
		},
		refundTrips:   "GET /payments/{id}, GET /payments/{id}/actions, POST /payments/{id}/refunds, GET /payments/{id}/actions",
		webhookHeader: http.Header{checkout.SignatureHeader: {checkout.Signature(ckoWebhookSecret, event)}},
		webhookBody:   event,
	}
}

// The floor's view of Checkout's wire format.
type (
	ckoPaymentRequest struct {
		Amount      int64             `json:"amount"`
		Currency    string            `json:"currency"`
		Reference   string            `json:"reference"`
		Description string            `json:"description,omitempty"`
		Customer    *ckoCustomer      `json:"customer,omitempty"`
		SuccessURL  string            `json:"success_url"`
		FailureURL  string            `json:"failure_url"`
		Metadata    map[string]string `json:"metadata,omitempty"`
		Source      ckoSource         `json:"source"`
	}
	ckoCustomer struct {
		Email string `json:"email,omitempty"`
		Name  string `json:"name,omitempty"`
	}
	ckoSource struct {
		Type        string `json:"type"`
		Description string `json:"description"`
		Quantity    int    `json:"quantity"`
		Language    string `json:"language"`
		NationalID  string `json:"national_id,omitempty"`
	}
	ckoPayment struct {
		ID          string `json:"id"`
		RequestedOn string `json:"requested_on"`
		Source      *struct {
			Type          string `json:"type"`
			Description   string `json:"description"`
			QPayStatus    string `json:"qpay_status"`
			StatusMessage string `json:"status_message"`
		} `json:"source"`
		Amount          *int64            `json:"amount"`
		Currency        string            `json:"currency"`
		Reference       string            `json:"reference"`
		Status          string            `json:"status"`
		Approved        *bool             `json:"approved"`
		ResponseCode    string            `json:"response_code"`
		ResponseSummary string            `json:"response_summary"`
		Metadata        map[string]string `json:"metadata"`
		Balances        *struct {
			TotalRefunded *int64 `json:"total_refunded"`
		} `json:"balances"`
		Links struct {
			Redirect *struct {
				Href string `json:"href"`
			} `json:"redirect"`
		} `json:"_links"`
	}
	ckoAction struct {
		ID              string `json:"id"`
		Type            string `json:"type"`
		Amount          int64  `json:"amount"`
		Approved        *bool  `json:"approved"`
		ProcessedOn     string `json:"processed_on"`
		Reference       string `json:"reference"`
		ResponseCode    string `json:"response_code"`
		ResponseSummary string `json:"response_summary"`
	}
	ckoRefundRequest struct {
		Amount    int64             `json:"amount"`
		Reference string            `json:"reference"`
		Metadata  map[string]string `json:"metadata,omitempty"`
	}
	ckoRefundAccepted struct {
		ActionID  string `json:"action_id"`
		Reference string `json:"reference"`
	}
	ckoEvent struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			ID              string `json:"id"`
			ActionID        string `json:"action_id"`
			Amount          *int64 `json:"amount"`
			Currency        string `json:"currency"`
			Reference       string `json:"reference"`
			Status          string `json:"status"`
			ResponseCode    string `json:"response_code"`
			ResponseSummary string `json:"response_summary"`
			ProcessedOn     string `json:"processed_on"`
			Source          *struct {
				Type string `json:"type"`
			} `json:"source"`
			Metadata map[string]string `json:"metadata"`
			Balances *struct {
				TotalRefunded *int64 `json:"total_refunded"`
			} `json:"balances"`
		} `json:"data"`
	}
)

// ckoFloor is Checkout through net/http and encoding/json alone.
type ckoFloor struct {
	c jsonClient
}

var (
	ckoFloorMetadata       = map[string]string{"order_id": "ord_01"}
	ckoFloorRefundMetadata = map[string]string{"reason": "requested_by_customer"}
)

const ckoIdempotencyHeader = "Cko-Idempotency-Key"

func (f *ckoFloor) CreatePayment(ctx context.Context) (seen, error) {
	in := ckoPaymentRequest{
		Amount:      100,
		Currency:    "QAR",
		Reference:   "ord_01",
		Description: "Order ord_01",
		Customer:    &ckoCustomer{Email: "shopper@example.qa", Name: "Shopper Name"},
		SuccessURL:  "https://shop.example/qpay/success",
		FailureURL:  "https://shop.example/qpay/failure",
		Metadata:    ckoFloorMetadata,
		Source: ckoSource{Type: "qpay", Description: "Order ord_01", Quantity: 1, Language: "en",
			NationalID: "070AYY010BU234M"},
	}
	var out ckoPayment
	err := f.c.do(ctx, http.MethodPost, "/payments", &in, &out, ckoIdempotencyHeader)
	return seen{id: out.ID, status: out.Status, reference: out.Reference}, err
}

func (f *ckoFloor) GetPayment(ctx context.Context) (seen, error) {
	var out ckoPayment
	err := f.c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(ckoPaymentID), nil, &out, "")
	return seen{id: out.ID, status: out.Status, reference: out.Reference}, err
}

func (f *ckoFloor) Refund(ctx context.Context) (seen, error) {
	if _, err := f.GetPayment(ctx); err != nil {
		return seen{}, err
	}
	var acts []ckoAction
	if err := f.c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(ckoPaymentID)+"/actions", nil, &acts, ""); err != nil {
		return seen{}, err
	}
	got, err := f.RefundPost(ctx)
	if err != nil {
		return seen{}, err
	}
	// qpay reads the new refund's action back for its amount, which the 202
	// does not carry.
	if err := f.c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(ckoPaymentID)+"/actions", nil, &acts, ""); err != nil {
		return seen{}, err
	}
	return got, nil
}

func (f *ckoFloor) RefundPost(ctx context.Context) (seen, error) {
	in := ckoRefundRequest{Amount: 50, Reference: "rfd_ord_01_1", Metadata: ckoFloorRefundMetadata}
	var out ckoRefundAccepted
	err := f.c.do(ctx, http.MethodPost, "/payments/"+url.PathEscape(ckoPaymentID)+"/refunds", &in, &out, ckoIdempotencyHeader)
	return seen{id: out.ActionID, status: "Pending", reference: out.Reference}, err
}

// ParseWebhook checks the Cko-Signature, an HMAC-SHA256 of the raw body,
// and decodes the event.
func (f *ckoFloor) ParseWebhook(header http.Header, body []byte) (seen, error) {
	if err := verifyHex(header.Get(checkout.SignatureHeader), hmacSHA256([]byte(ckoWebhookSecret.Reveal()), body)); err != nil {
		return seen{}, err
	}
	var ev ckoEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return seen{}, err
	}
	// What qpay's Payment says: data.status, or the event type without it.
	st := ev.Data.Status
	if st == "" {
		st = ev.Type
	}
	return seen{id: ev.Data.ID, status: st, reference: ev.Data.Reference}, nil
}
