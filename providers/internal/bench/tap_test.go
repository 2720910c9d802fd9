package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/tap"
)

// tapKey is Tap's public sandbox key, the one the reference webhook's
// hashstring was computed with.
var tapKey = qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")

// tapChargeID is the charge of every Tap fixture.
const tapChargeID = "chg_TS07A0320241133g5RO1906000"

func tapBackend(tb testing.TB) *backend {
	tb.Helper()
	var wh struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(fixture(tb, "tap/webhook-charge-captured.json"), &wh); err != nil {
		tb.Fatal(err)
	}
	return &backend{
		name: "tap",
		routes: map[string]reply{
			"POST /v2/charges":               {http.StatusOK, fixture(tb, "tap/charge-initiated.json")},
			"GET /v2/charges/" + tapChargeID: {http.StatusOK, fixture(tb, "tap/charge-captured.json")},
			"POST /v2/refunds/list":          {http.StatusOK, fixture(tb, "tap/refund-list.json")},
			"POST /v2/refunds":               {http.StatusOK, fixture(tb, "tap/refund-pending.json")},
		},
		open: func(baseURL string, o qpay.HTTPOptions) (qpay.Provider, error) {
			return tap.New(tap.Config{SecretKey: tapKey, BaseURL: baseURL, HTTP: o})
		},
		floor: func(baseURL string, hc *http.Client) floorClient {
			return &tapFloor{c: jsonClient{hc: hc, base: baseURL, auth: "Bearer " + tapKey.Reveal()}}
		},
		// The answers echo reference "txn_01" and amount 1 QAR; qpay checks
		// both against the request.
		create: qpay.PaymentRequest{
			Amount:      qar("1.00"),
			Reference:   "txn_01",
			Description: "Test Description",
			Customer: qpay.Customer{Name: "test test", Email: "test@test.com",
				Phone: qpay.Phone{CountryCode: "974", Number: "55123456"}},
			ReturnURL:  "https://shop.example/qpay/return",
			WebhookURL: "https://shop.example/qpay/webhook",
			Metadata:   map[string]string{"udf1": "Metadata 1"},
			Expiry:     30 * time.Minute,
		},
		paymentID: tapChargeID,
		refund: qpay.RefundRequest{
			PaymentID: tapChargeID,
			Amount:    qar("0.50"),
			Reference: "rfd_ord_01_1",
			Reason:    "requested_by_customer",
		},
		refundTrips:   "GET /v2/charges/{id}, POST /v2/refunds/list, POST /v2/refunds",
		webhookHeader: http.Header{http.CanonicalHeaderKey(tap.SignatureHeader): {wh.Headers[tap.SignatureHeader]}},
		webhookBody:   wh.Body,
	}
}

// The floor's view of Tap's wire format: the same JSON as the adapter's,
// declared afresh with encoding/json's plain types.
type (
	tapChargeRequest struct {
		Amount            json.Number        `json:"amount"`
		Currency          string             `json:"currency"`
		CustomerInitiated bool               `json:"customer_initiated"`
		ThreeDSecure      bool               `json:"threeDSecure"`
		SaveCard          bool               `json:"save_card"`
		Description       string             `json:"description,omitempty"`
		Metadata          map[string]string  `json:"metadata,omitempty"`
		Reference         tapChargeReference `json:"reference"`
		Customer          tapCustomer        `json:"customer"`
		Source            tapID              `json:"source"`
		Redirect          tapLink            `json:"redirect"`
		Post              *tapLink           `json:"post,omitempty"`
		Transaction       *tapTransaction    `json:"transaction,omitempty"`
	}
	tapChargeReference struct {
		Transaction string `json:"transaction"`
		Order       string `json:"order"`
		Idempotent  string `json:"idempotent,omitempty"`
	}
	tapCustomer struct {
		FirstName string    `json:"first_name"`
		LastName  string    `json:"last_name,omitempty"`
		Email     string    `json:"email,omitempty"`
		Phone     *tapPhone `json:"phone,omitempty"`
	}
	tapPhone struct {
		CountryCode string `json:"country_code,omitempty"`
		Number      string `json:"number"`
	}
	tapID struct {
		ID string `json:"id"`
	}
	tapLink struct {
		URL string `json:"url"`
	}
	tapTransaction struct {
		Expiry struct {
			Period int    `json:"period"`
			Type   string `json:"type"`
		} `json:"expiry"`
	}
	tapCharge struct {
		ID          string            `json:"id"`
		Object      string            `json:"object"`
		Status      string            `json:"status"`
		Amount      json.Number       `json:"amount"`
		Currency    string            `json:"currency"`
		Metadata    map[string]string `json:"metadata"`
		Transaction struct {
			URL     string `json:"url"`
			Created string `json:"created"`
		} `json:"transaction"`
		Reference struct {
			Transaction string `json:"transaction"`
			Order       string `json:"order"`
			Gateway     string `json:"gateway"`
			Payment     string `json:"payment"`
			Track       string `json:"track"`
		} `json:"reference"`
		Response struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"response"`
		Post     tapLink `json:"post"`
		Redirect tapLink `json:"redirect"`
	}
	tapRefundRequest struct {
		ChargeID  string             `json:"charge_id"`
		Amount    json.Number        `json:"amount"`
		Currency  string             `json:"currency"`
		Reason    string             `json:"reason"`
		Reference tapRefundReference `json:"reference"`
		Post      *tapLink           `json:"post,omitempty"`
	}
	tapRefundReference struct {
		Merchant   string `json:"merchant"`
		Idempotent string `json:"idempotent,omitempty"`
	}
	tapRefund struct {
		ID        string      `json:"id"`
		Object    string      `json:"object"`
		ChargeID  string      `json:"charge_id"`
		Status    string      `json:"status"`
		Amount    json.Number `json:"amount"`
		Currency  string      `json:"currency"`
		Created   string      `json:"created"`
		Reference struct {
			Merchant string `json:"merchant"`
		} `json:"reference"`
		Response struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"response"`
	}
	tapRefundListRequest struct {
		Period struct {
			Date struct {
				From int64 `json:"from"`
				To   int64 `json:"to"`
			} `json:"date"`
		} `json:"period"`
		Charges []string `json:"charges"` // the undocumented filter by charge qpay sends (providers/tap/lists.go)
		Limit   int      `json:"limit"`
	}
	tapRefundList struct {
		Object  string      `json:"object"`
		HasMore bool        `json:"has_more"`
		Refunds []tapRefund `json:"refunds"`
	}
)

// tapFloor is Tap through net/http and encoding/json alone.
type tapFloor struct {
	c jsonClient
}

var tapFloorMetadata = map[string]string{"udf1": "Metadata 1"}

func (f *tapFloor) CreatePayment(ctx context.Context) (seen, error) {
	in := tapChargeRequest{
		Amount:            "1.00",
		Currency:          "QAR",
		CustomerInitiated: true,
		ThreeDSecure:      true,
		Description:       "Test Description",
		Metadata:          tapFloorMetadata,
		Reference:         tapChargeReference{Transaction: "txn_01", Order: "txn_01", Idempotent: "floor-key"},
		Customer: tapCustomer{FirstName: "test", LastName: "test", Email: "test@test.com",
			Phone: &tapPhone{CountryCode: "974", Number: "55123456"}},
		Source:   tapID{ID: "src_qa.qpay"},
		Redirect: tapLink{URL: "https://shop.example/qpay/return"},
		Post:     &tapLink{URL: "https://shop.example/qpay/webhook"},
	}
	in.Transaction = &tapTransaction{}
	in.Transaction.Expiry.Period, in.Transaction.Expiry.Type = 30, "MINUTE"
	var out tapCharge
	err := f.c.do(ctx, http.MethodPost, "/v2/charges", &in, &out, "")
	return seen{id: out.ID, status: out.Status, reference: out.Reference.Transaction}, err
}

func (f *tapFloor) GetPayment(ctx context.Context) (seen, error) {
	c, err := f.charge(ctx)
	return seen{id: c.ID, status: c.Status, reference: c.Reference.Transaction}, err
}

func (f *tapFloor) charge(ctx context.Context) (*tapCharge, error) {
	var out tapCharge
	err := f.c.do(ctx, http.MethodGet, "/v2/charges/"+url.PathEscape(tapChargeID), nil, &out, "")
	return &out, err
}

func (f *tapFloor) Refund(ctx context.Context) (seen, error) {
	c, err := f.charge(ctx)
	if err != nil {
		return seen{}, err
	}
	var list tapRefundListRequest
	list.Period.Date.From, _ = strconv.ParseInt(c.Transaction.Created, 10, 64)
	list.Period.Date.To = time.Now().Add(24 * time.Hour).UnixMilli()
	list.Charges = []string{c.ID}
	list.Limit = 50
	var page tapRefundList
	if err := f.c.do(ctx, http.MethodPost, "/v2/refunds/list", &list, &page, ""); err != nil {
		return seen{}, err
	}
	return f.post(ctx, c.Post.URL)
}

func (f *tapFloor) RefundPost(ctx context.Context) (seen, error) {
	return f.post(ctx, "http://your_website.com/post_url")
}

func (f *tapFloor) post(ctx context.Context, postURL string) (seen, error) {
	in := tapRefundRequest{
		ChargeID:  tapChargeID,
		Amount:    "0.50",
		Currency:  "QAR",
		Reason:    "requested_by_customer",
		Reference: tapRefundReference{Merchant: "rfd_ord_01_1", Idempotent: "floor-key"},
		Post:      &tapLink{URL: postURL},
	}
	var out tapRefund
	err := f.c.do(ctx, http.MethodPost, "/v2/refunds", &in, &out, "")
	return seen{id: out.ID, status: out.Status, reference: out.Reference.Merchant}, err
}

// ParseWebhook decodes the charge once and checks Tap's hashstring, an
// HMAC-SHA256 over seven of its fields.
func (f *tapFloor) ParseWebhook(header http.Header, body []byte) (seen, error) {
	var c tapCharge
	if err := json.Unmarshal(body, &c); err != nil {
		return seen{}, err
	}
	signed := "x_id" + c.ID + "x_amount" + fixed2(string(c.Amount)) + "x_currency" + c.Currency +
		"x_gateway_reference" + c.Reference.Gateway + "x_payment_reference" + c.Reference.Payment +
		"x_status" + c.Status + "x_created" + c.Transaction.Created
	if err := verifyHex(header.Get(tap.SignatureHeader), hmacSHA256([]byte(tapKey.Reveal()), []byte(signed))); err != nil {
		return seen{}, err
	}
	// The reference is not signed: read the charge back, as qpay does,
	// and check the signed fields against it.
	back, err := f.charge(context.Background())
	if err != nil {
		return seen{}, err
	}
	if back.ID != c.ID || back.Status != c.Status || fixed2(string(back.Amount)) != fixed2(string(c.Amount)) || back.Currency != c.Currency {
		return seen{}, fmt.Errorf("charge %s read back does not match its webhook", c.ID)
	}
	return seen{id: back.ID, status: back.Status, reference: back.Reference.Transaction}, nil
}
