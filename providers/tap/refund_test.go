package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/h2non/gock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/status"
)

// seedRefund is the merchant's side of the documented partial refund.
func seedRefund() qpay.RefundRequest {
	return qpay.RefundRequest{
		PaymentID:      seedChargeID,
		Amount:         qar("0.5"),
		Reference:      "rfd_ord_01_1",
		Metadata:       map[string]string{"udf1": "Metadata 1"},
		IdempotencyKey: "idem-rfd-1",
	}
}

// capturedSeed serves the documented captured charge, n times. The mock is
// returned so that a test can check all n reads were made.
func capturedSeed(t *testing.T, n int) gock.Mock {
	r := tapAPI().Get("^/v2/charges/" + seedChargeID + "$").Times(n)
	r.Reply(200).JSON(fixture(t, "charge-captured.json"))
	return r.Mock
}

func TestRefundSendsTapsRefundBody(t *testing.T) {
	// The caller's IdempotencyKey ("idem-rfd-1") is not what is sent: the
	// key derived from the charge and the reference is.
	derivedKey := driver.RefundKey("tap", "", "chg_TS07A0320241133g5RO1906000", "rfd_ord_01_1")
	tests := []struct {
		name     string
		edit     func(*qpay.RefundRequest)
		wantBody string
	}{
		{
			name: "default reason",
			wantBody: `{
				"charge_id": "chg_TS07A0320241133g5RO1906000",
				"amount": 0.50, "currency": "QAR",
				"reason": "requested_by_customer",
				"reference": {"merchant": "rfd_ord_01_1", "idempotent": "` + derivedKey + `"},
				"metadata": {"udf1": "Metadata 1"},
				"post": {"url": "http://your_website.com/post_url"}
			}`,
		},
		{
			name: "merchant's reason, no metadata",
			edit: func(r *qpay.RefundRequest) { r.Reason = "duplicate"; r.Metadata = nil },
			wantBody: `{
				"charge_id": "chg_TS07A0320241133g5RO1906000",
				"amount": 0.50, "currency": "QAR",
				"reason": "duplicate",
				"reference": {"merchant": "rfd_ord_01_1", "idempotent": "` + derivedKey + `"},
				"post": {"url": "http://your_website.com/post_url"}
			}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			// One charge read, one refund-list page (the refundable check and
			// the reference check share it), one refund.
			var lists, posts recorder
			tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false)).Map(lists.record)
			tapAPI().Post("^/v2/refunds$").
				MatchHeader("Authorization", "^Bearer "+testKey.Reveal()+"$").
				Reply(200).JSON(fixture(t, "refund-pending.json")).Map(posts.record)

			req := seedRefund()
			if tt.edit != nil {
				tt.edit(&req)
			}
			r, err := p.Refund(context.Background(), req)
			require.NoError(t, err)
			assert.True(t, gock.IsDone())

			require.Equal(t, 1, lists.count())
			require.Equal(t, 1, posts.count())
			sent := posts.body(t, 0)
			assert.Contains(t, string(sent), `"amount":0.50,`)
			assert.JSONEq(t, tt.wantBody, string(sent))

			// The refund list is read by period, from the charge's creation
			// to a day past now, 50 at a time, filtered by the charge
			// (UNCONFIRMED, lists.go).
			wantList := fmt.Sprintf(`{"period":{"date":{"from":1718796783000,"to":%d}},"charges":["chg_TS07A0320241133g5RO1906000"],"limit":50}`, testNow.UnixMilli()+86_400_000)
			assert.JSONEq(t, wantList, string(lists.body(t, 0)))

			assert.Equal(t, "tap", r.Provider)
			assert.Equal(t, "re_TS05A1120241150Xy7k1906512", r.ID)
			assert.Equal(t, seedChargeID, r.PaymentID)
			assert.Equal(t, status.RefundPending, r.Status)
			assert.Equal(t, "PENDING", r.RawStatus)
			assert.Equal(t, "QAR 0.50", r.Amount.String())
			assert.Equal(t, "rfd_ord_01_1", r.Reference)
			assert.Equal(t, int64(1718797854000), r.CreatedAt.UnixMilli())
			assert.Empty(t, r.FailureCode)
			assert.JSONEq(t, string(fixture(t, "refund-pending.json")), string(r.Raw))
		})
	}

	t.Run("matches Tap's documented request", func(t *testing.T) {
		p := newTestProvider(t)
		capturedSeed(t, 1)
		tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false))
		var posts recorder
		tapAPI().Post("^/v2/refunds$").Reply(200).JSON(fixture(t, "refund-pending.json")).Map(posts.record)
		_, err := p.Refund(context.Background(), seedRefund())
		require.NoError(t, err)
		assert.True(t, gock.IsDone())
		assert.False(t, gock.HasUnmatchedRequest())

		var sent, documented map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(posts.body(t, 0), &sent))
		require.NoError(t, json.Unmarshal(fixture(t, "refund-request.json"), &documented))
		for _, k := range []string{"charge_id", "currency", "reason", "metadata", "post"} {
			assert.JSONEq(t, string(documented[k]), string(sent[k]), k)
		}
		var ref struct{ Merchant string }
		require.NoError(t, json.Unmarshal(sent["reference"], &ref))
		assert.Equal(t, "rfd_ord_01_1", ref.Merchant)
	})
}

func TestRefundableAmountCountsTapsRefunds(t *testing.T) {
	other := func(id, amount string) []byte {
		return tapRefund(t, map[string]any{"id": id, "charge_id": "chg_other", "amount": json.Number(amount), "reference.merchant": "x-" + id})
	}
	ours := func(id, amount, st string) []byte {
		return tapRefund(t, map[string]any{"id": id, "amount": json.Number(amount), "status": st, "reference.merchant": "old-" + id})
	}
	tests := []struct {
		name     string
		existing [][]byte // the refund list, one page
		amount   string
		wantErr  string // "" means the refund is sent
	}{
		{name: "nothing refunded yet, all of it", amount: "1.00"},
		{name: "a pending refund counts", existing: [][]byte{ours("re_1", "0.50", "PENDING")}, amount: "0.60", wantErr: "exceeds the QAR 0.50 still refundable"},
		{name: "the rest after a pending refund", existing: [][]byte{ours("re_1", "0.50", "PENDING")}, amount: "0.50"},
		{name: "an unknown refund counts", existing: [][]byte{ours("re_1", "0.50", "TIMEDOUT")}, amount: "0.51", wantErr: "exceeds"},
		{name: "a declined refund gave nothing back", existing: [][]byte{ours("re_2", "0.50", "DECLINED"), ours("re_1", "0.30", "REFUNDED")}, amount: "0.70"},
		{name: "one fils too many", existing: [][]byte{ours("re_2", "0.50", "DECLINED"), ours("re_1", "0.30", "REFUNDED")}, amount: "0.71", wantErr: "exceeds"},
		{name: "fully refunded", existing: [][]byte{ours("re_2", "0.40", "REFUNDED"), ours("re_1", "0.60", "ACCEPTED")}, amount: "0.01", wantErr: "already fully refunded"},
		{name: "other charges' refunds are not ours", existing: [][]byte{other("re_9", "1.00")}, amount: "1.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false, tt.existing...))
			var posts recorder
			if tt.wantErr == "" {
				tapAPI().Post("^/v2/refunds$").Reply(200).
					JSON(tapRefund(t, map[string]any{"amount": json.Number(tt.amount), "reference.merchant": "RFD-NEW"})).Map(posts.record)
			}
			r, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: seedChargeID, Amount: qar(tt.amount), Reference: "RFD-NEW"})
			if tt.wantErr != "" {
				assert.ErrorIs(t, err, qpay.KindInvalidRequest)
				assert.ErrorContains(t, err, tt.wantErr)
				assert.False(t, gock.HasUnmatchedRequest(), "a refund request was sent")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, posts.count())
			assert.Equal(t, "QAR "+tt.amount, r.Amount.String())
			assert.True(t, gock.IsDone())
			assert.False(t, gock.HasUnmatchedRequest(), "the refund list is read once")
		})
	}

	t.Run("an uncaptured charge is refused without reading its refunds", func(t *testing.T) {
		p := newTestProvider(t)
		tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).JSON(fixture(t, "charge-initiated.json"))
		_, err := p.Refund(context.Background(), seedRefund())
		assert.ErrorIs(t, err, qpay.KindInvalidRequest)
		assert.ErrorContains(t, err, "only a captured payment can be refunded")
		assert.True(t, gock.IsDone())
		assert.False(t, gock.HasUnmatchedRequest())
	})

	t.Run("a refund in another currency is an integrity error", func(t *testing.T) {
		p := newTestProvider(t)
		capturedSeed(t, 1)
		tapAPI().Post("^/v2/refunds/list$").Reply(200).
			JSON(refundPage(t, false, tapRefund(t, map[string]any{"currency": "KWD", "amount": json.Number("0.500")})))
		_, err := p.Refund(context.Background(), seedRefund())
		assert.ErrorIs(t, err, qpay.KindIntegrity)
		assert.False(t, gock.HasUnmatchedRequest())
	})
}

func TestRefundListIsPagedByCursor(t *testing.T) {
	t.Run("every page is read, from the last ID of the one before", func(t *testing.T) {
		p := newTestProvider(t)
		capturedSeed(t, 1)
		var lists recorder
		page1 := refundPage(t, true,
			tapRefund(t, map[string]any{"id": "re_A", "charge_id": "chg_other"}),
			tapRefund(t, map[string]any{"id": "re_B", "amount": json.Number("0.2"), "reference.merchant": "r-B"}))
		page2 := refundPage(t, false, tapRefund(t, map[string]any{"id": "re_C", "amount": json.Number("0.3"), "reference.merchant": "r-C"}))
		tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(page1).Map(lists.record)
		tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(page2).Map(lists.record)

		_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: seedChargeID, Amount: qar("0.51"), Reference: "RFD-NEW"})
		assert.ErrorContains(t, err, "exceeds the QAR 0.50 still refundable", "both pages were counted")
		require.Equal(t, 2, lists.count())
		var second refundListRequest
		require.NoError(t, json.Unmarshal(lists.body(t, 1), &second))
		assert.Equal(t, "re_B", second.StartingAfter)
		assert.Equal(t, 50, second.Limit)
		assert.True(t, gock.IsDone())
	})

	t.Run("a cursor that does not move ends the listing", func(t *testing.T) {
		p := newTestProvider(t)
		capturedSeed(t, 1)
		var lists recorder
		tapAPI().Post("^/v2/refunds/list$").Persist().Reply(200).
			JSON(refundPage(t, true, tapRefund(t, map[string]any{"id": "re_A", "charge_id": "chg_other"}))).Map(lists.record)
		tapAPI().Post("^/v2/refunds$").Reply(200).JSON(fixture(t, "refund-pending.json"))
		_, err := p.Refund(context.Background(), seedRefund())
		require.NoError(t, err)
		assert.Equal(t, 2, lists.count(), "two pages, read once for both the refundable and the reference check")
		assert.False(t, gock.HasUnmatchedRequest())
	})

	t.Run("an endless list is cut and the refund refused", func(t *testing.T) {
		p := newTestProvider(t)
		charges := capturedSeed(t, 1)
		var n atomic.Int64
		tapAPI().Post("^/v2/refunds/list$").Persist().Reply(200).Map(func(res *http.Response) *http.Response {
			id := fmt.Sprintf("re_%d", n.Add(1))
			body := refundPage(t, true, tapRefund(t, map[string]any{"id": id, "charge_id": "chg_other"}))
			return jsonResponse(res, http.StatusOK, body)
		})
		posts := tapAPI().Post("^/v2/refunds$").Reply(200).JSON(fixture(t, "refund-pending.json"))
		_, err := p.Refund(context.Background(), seedRefund())
		assert.ErrorIs(t, err, qpay.KindUnsupported, "without every refund, neither the total nor the reference can be checked")
		assert.ErrorContains(t, err, "more refunds than 20 pages")
		assert.Equal(t, int64(maxRefundPages), n.Load(), "one read of the list, cut at maxRefundPages")
		assert.True(t, charges.Done())
		assert.False(t, posts.Done(), "a refund was posted")
	})
}

// A refund call proceeds as: the charge is read (GET /v2/charges/{id}), its
// refunds once (the refund list, here one page), then POST /v2/refunds. After
// an ambiguous failure (no answer, or a 5xx) the list is read again before
// any resend (the transport's reconciliation); and when the call still ends
// ambiguously, the portable layer reads the charge and its refunds once more
// and returns the refund if it is there.
func TestRefundIsNeverResentBlindly(t *testing.T) {
	made := tapRefund(t, nil) // the documented refund, with our reference
	tests := []struct {
		name        string
		attempts    int
		firstPost   func(*gock.Request)           // the answer to the first POST /v2/refunds
		listAfter   func(*gock.Request)           // the refund list once that POST failed
		secondPost  bool                          // a second POST is expected, and answered 200
		wantErr     qpay.Kind                     // KindUnknown: Refund succeeds
		wantPosts   int                           // POST /v2/refunds requests made
		wantCharges int                           // GET /v2/charges/{id} requests made
		wantLists   int                           // refund-list reads after the first POST
		checkResult func(*testing.T, *qpay.Error) // extra checks on the error
	}{
		{
			name:        "502, then the list shows the refund",
			firstPost:   func(r *gock.Request) { r.Reply(http.StatusBadGateway) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false, made)) },
			wantPosts:   1,
			wantCharges: 1,
			wantLists:   1,
		},
		{
			name:        "no answer, then the list shows the refund",
			firstPost:   func(r *gock.Request) { r.ReplyError(errors.New("connection reset by peer")) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false, made)) },
			wantPosts:   1,
			wantCharges: 1,
			wantLists:   1,
		},
		{
			name:        "502, the list does not show it: resent with the same key",
			firstPost:   func(r *gock.Request) { r.Reply(http.StatusBadGateway) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false)) },
			secondPost:  true,
			wantPosts:   2,
			wantCharges: 1,
			wantLists:   1,
		},
		{
			// The transport's read-back fails, so nothing is resent; the
			// portable layer's read-back fails too, so the refund's own
			// failure is what the caller gets.
			name:      "502, and the list cannot be read: not resent",
			firstPost: func(r *gock.Request) { r.Reply(http.StatusBadGateway) },
			listAfter: func(r *gock.Request) {
				r.Reply(401).JSON(`{"errors":[{"code":"2104","description":"Invalid API Key"}]}`)
			},
			wantErr:     qpay.KindUnavailable,
			wantPosts:   1,
			wantCharges: 2,
			wantLists:   2,
			checkResult: func(t *testing.T, e *qpay.Error) {
				assert.Equal(t, http.StatusBadGateway, e.HTTPStatus, "the refund's own failure is reported")
				assert.False(t, e.Retryable)
				assert.Contains(t, e.Message, "not resent")
			},
		},
		{
			name:        "the last attempt fails with 503, and the list shows the refund",
			attempts:    1,
			firstPost:   func(r *gock.Request) { r.Reply(http.StatusServiceUnavailable) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false, made)) },
			wantPosts:   1,
			wantCharges: 2,
			wantLists:   1,
		},
		{
			name:        "the last attempt fails with 503, and the list does not show it",
			attempts:    1,
			firstPost:   func(r *gock.Request) { r.Reply(http.StatusServiceUnavailable) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false)) },
			wantErr:     qpay.KindUnavailable,
			wantPosts:   1,
			wantCharges: 2,
			wantLists:   1,
			checkResult: func(t *testing.T, e *qpay.Error) {
				assert.Equal(t, http.StatusServiceUnavailable, e.HTTPStatus)
				assert.True(t, e.Retryable, "a retry with the same idempotency key is safe")
			},
		},
		{
			name:        "the last attempt gets no answer, and the list shows the refund",
			attempts:    1,
			firstPost:   func(r *gock.Request) { r.ReplyError(errors.New("connection reset by peer")) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false, made)) },
			wantPosts:   1,
			wantCharges: 2,
			wantLists:   1,
		},
		{
			name:        "the last attempt gets no answer, and the list does not show it",
			attempts:    1,
			firstPost:   func(r *gock.Request) { r.ReplyError(errors.New("connection reset by peer")) },
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false)) },
			wantErr:     qpay.KindNetwork,
			wantPosts:   1,
			wantCharges: 2,
			wantLists:   1,
			checkResult: func(t *testing.T, e *qpay.Error) {
				assert.True(t, e.Retryable, "a retry with the same idempotency key is safe")
			},
		},
		{
			// A refusal is an answer: nothing was made, nothing is read back.
			name: "a refusal is neither resent nor read back",
			firstPost: func(r *gock.Request) {
				r.Reply(400).JSON(`{"errors":[{"code":"1161","description":"Requested refund amount exceeds"}]}`)
			},
			listAfter:   func(r *gock.Request) { r.Reply(200).JSON(refundPage(t, false, made)) },
			wantErr:     qpay.KindDeclined,
			wantPosts:   1,
			wantCharges: 1,
			wantLists:   0,
			checkResult: func(t *testing.T, e *qpay.Error) {
				assert.Equal(t, "1161", e.Code)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t, func(c *Config) {
				if tt.attempts > 0 {
					c.HTTP.MaxAttempts = tt.attempts
				}
			})
			charges := capturedSeed(t, tt.wantCharges)
			// Before the refund: one read of the list, for the refundable
			// check and the reference check, finds nothing.
			tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false))
			var posts, lists recorder
			first := tapAPI().Post("^/v2/refunds$").Times(1)
			tt.firstPost(first)
			first.Response.Map(posts.record)
			if tt.secondPost {
				tapAPI().Post("^/v2/refunds$").Times(1).Reply(200).JSON(made).Map(posts.record)
			}
			after := tapAPI().Post("^/v2/refunds/list$").Persist()
			tt.listAfter(after)
			after.Response.Map(lists.record)

			r, err := p.Refund(context.Background(), seedRefund())
			// A mock answering with an error never reaches its mapper, so
			// the first POST is counted through gock itself.
			firstMade := 0
			if first.Mock.Done() {
				firstMade = 1
			}
			if tt.wantErr != qpay.KindUnknown {
				e := asError(t, err)
				assert.Equal(t, tt.wantErr, e.Kind, "%v", err)
				assert.Equal(t, qpay.OpRefund, e.Op)
				if tt.checkResult != nil {
					tt.checkResult(t, e)
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, "re_TS05A1120241150Xy7k1906512", r.ID)
				assert.Equal(t, "rfd_ord_01_1", r.Reference)
				assert.Equal(t, seedChargeID, r.PaymentID)
				assert.Equal(t, "QAR 0.50", r.Amount.String())
				assert.Equal(t, status.RefundPending, r.Status)
			}
			gotPosts := firstMade
			if tt.secondPost {
				gotPosts++
				require.Equal(t, 2, posts.count())
				assert.Equal(t, posts.body(t, 0), posts.body(t, 1), "the resend carries the same reference.idempotent")
			}
			assert.Equal(t, tt.wantPosts, gotPosts)
			assert.Equal(t, tt.wantLists, lists.count(), "refund-list reads after the first POST")
			// Every charge read mocked was made, and no more (no unmatched
			// request).
			assert.True(t, charges.Done(), "%d charge reads expected", tt.wantCharges)
			assert.False(t, gock.HasUnmatchedRequest())
		})
	}
}

// A retried refund finds its refund by reference in the one read of the
// charge's refunds that every refund makes, and nothing is posted.
func TestRefundFoundByReferenceIsNotMadeAgain(t *testing.T) {
	tests := []struct {
		name     string
		existing map[string]any // changes to the documented refund, which has our reference
		amount   string         // what the retry asks for
		wantErr  string         // "" means the existing refund is returned
		want     status.RefundStatus
	}{
		{name: "the same refund, still pending", amount: "0.50", want: status.RefundPending},
		{
			name:     "the same refund, on a charge it fully refunded",
			existing: map[string]any{"amount": json.Number("1.00"), "status": "REFUNDED"},
			amount:   "1.00",
			want:     status.RefundSucceeded,
		},
		{name: "the reference reused for another amount", amount: "0.40", wantErr: "a new refund needs a new reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			existing := tapRefund(t, tt.existing)
			var lists recorder
			tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false, existing)).Map(lists.record)
			req := seedRefund()
			req.Amount = qar(tt.amount)

			r, err := p.Refund(context.Background(), req)
			assert.Equal(t, 1, lists.count())
			assert.True(t, gock.IsDone())
			assert.False(t, gock.HasUnmatchedRequest(), "no refund was posted")
			if tt.wantErr != "" {
				e := asError(t, err)
				assert.Equal(t, qpay.KindInvalidRequest, e.Kind, "%v", err)
				assert.Equal(t, qpay.OpRefund, e.Op)
				assert.Equal(t, "tap", e.Provider)
				assert.Contains(t, e.Message, tt.wantErr)
				assert.Contains(t, e.Message, "re_TS05A1120241150Xy7k1906512", "the error names the refund that has the reference")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "tap", r.Provider)
			assert.Equal(t, "re_TS05A1120241150Xy7k1906512", r.ID)
			assert.Equal(t, seedChargeID, r.PaymentID)
			assert.Equal(t, "rfd_ord_01_1", r.Reference)
			assert.Equal(t, "QAR "+tt.amount, r.Amount.String())
			assert.Equal(t, tt.want, r.Status)
			assert.JSONEq(t, string(existing), string(r.Raw))
		})
	}
}

func TestRefundOfAnUnknownCharge(t *testing.T) {
	p := newTestProvider(t)
	tapAPI().Get("/v2/charges/chg_nope").Reply(404).JSON(fixture(t, "error-charge-not-found.json"))
	_, err := p.Refund(context.Background(), qpay.RefundRequest{PaymentID: "chg_nope", Amount: qar("1"), Reference: "R"})
	e := asError(t, err)
	assert.Equal(t, qpay.KindNotFound, e.Kind)
	assert.Equal(t, qpay.OpRefund, e.Op)
	assert.Equal(t, "1144", e.Code)
	assert.True(t, gock.IsDone())
}

func TestRefundListThatCannotBeRead(t *testing.T) {
	tests := map[string][]byte{
		"not JSON":                 []byte(`<html>list unavailable</html>`),
		"a refund that is no JSON": []byte(`{"object":"list","has_more":false,"refunds":["re_1"]}`),
		"our refund unreadable":    refundPage(t, false, tapRefund(t, map[string]any{"amount": json.Number("0.505")})),
	}
	for name, page := range tests {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			tapAPI().Post("^/v2/refunds/list$").Reply(200).JSON(page)
			_, err := p.Refund(context.Background(), seedRefund())
			e := asError(t, err)
			assert.Equal(t, qpay.KindProtocol, e.Kind, "%v", err)
			assert.Equal(t, qpay.OpRefund, e.Op)
			assert.False(t, gock.HasUnmatchedRequest(), "no refund is sent on a list qpay cannot read")
		})
	}
}

// A list too long to tell whether the refund was made stops the resend;
// the portable layer's last read-back cannot tell either, so the refund's
// own failure is reported.
func TestAnEndlessRefundListStopsTheResend(t *testing.T) {
	p := newTestProvider(t)
	charges := capturedSeed(t, 2) // before the refund, and for the portable layer's read-back
	tapAPI().Post("^/v2/refunds/list$").Times(1).Reply(200).JSON(refundPage(t, false))
	first := tapAPI().Post("^/v2/refunds$").Times(1)
	first.Reply(http.StatusBadGateway)
	var n atomic.Int64
	tapAPI().Post("^/v2/refunds/list$").Persist().Reply(200).Map(func(res *http.Response) *http.Response {
		id := fmt.Sprintf("re_%d", n.Add(1))
		return jsonResponse(res, http.StatusOK, refundPage(t, true, tapRefund(t, map[string]any{"id": id, "charge_id": "chg_other"})))
	})

	_, err := p.Refund(context.Background(), seedRefund())
	e := asError(t, err)
	assert.Equal(t, qpay.KindUnavailable, e.Kind)
	assert.Equal(t, http.StatusBadGateway, e.HTTPStatus)
	assert.Contains(t, e.Message, "cannot tell whether refund")
	assert.False(t, e.Retryable)
	assert.True(t, first.Mock.Done())
	assert.Equal(t, int64(2*maxRefundPages), n.Load(), "the transport's read-back and the portable layer's, each cut at maxRefundPages")
	assert.True(t, charges.Done())
	assert.False(t, gock.HasUnmatchedRequest(), "the refund was not resent")
}

// The refund list is UNCONFIRMED: an answer of another shape, or a 404,
// must stop the refund rather than read as "nothing refunded yet".
func TestAnUnexpectedRefundListStopsTheRefund(t *testing.T) {
	for name, reply := range map[string]func(*gock.Request){
		"another shape": func(r *gock.Request) { r.Reply(200).JSON(map[string]any{"object": "list", "data": []any{}}) },
		"another object": func(r *gock.Request) {
			r.Reply(200).JSON(map[string]any{"object": "refund", "refunds": []any{}})
		},
		"404": func(r *gock.Request) {
			r.Reply(404).JSON(map[string]any{"errors": []any{map[string]any{"code": "1144", "description": "Not found"}}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t)
			capturedSeed(t, 1)
			reply(tapAPI().Post("^/v2/refunds/list$"))
			posts := tapAPI().Post("^/v2/refunds$").Reply(200).JSON(fixture(t, "refund-pending.json"))
			_, err := p.Refund(context.Background(), seedRefund())
			assert.ErrorIs(t, err, qpay.KindProtocol)
			assert.False(t, posts.Done(), "a refund was posted")
		})
	}
}
