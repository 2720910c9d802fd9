package tap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

// chargeCases is the charge status table as the specification states it:
// every status Tap documents, its response code, and what qpay reports.
var chargeCases = []struct {
	raw         string
	code, msg   string
	want        status.Status
	wantFailure bool // Payment.FailureCode/Message are set
}{
	{"INITIATED", "100", "Initiated", status.Pending, false},
	{"IN_PROGRESS", "200", "In Progress", status.Processing, false},
	{"AUTHORIZED", "001", "Authorized", status.Processing, false},
	{"CAPTURED", "000", "Captured", status.Captured, false},
	{"ABANDONED", "304", "Expired", status.Expired, true},
	{"CANCELLED", "302", "Canceled", status.Canceled, true},
	{"VOID", "601", "Void", status.Canceled, true},
	{"FAILED", "401", "Failed", status.Failed, true},
	{"DECLINED", "505", "Declined, Insufficient Funds", status.Failed, true},
	{"RESTRICTED", "701", "Restricted", status.Failed, true},
	{"TIMEDOUT", "801", "Timed Out", status.Unknown, true},
	{"UNKNOWN", "901", "Unknown", status.Unknown, true},
}

var refundCases = []struct {
	raw  string
	want status.RefundStatus
}{
	{"PENDING", status.RefundPending},
	{"IN_PROGRESS", status.RefundPending},
	{"ACCEPTED", status.RefundPending},
	{"REFUNDED", status.RefundSucceeded},
	{"CANCELLED", status.RefundFailed},
	{"FAILED", status.RefundFailed},
	{"DECLINED", status.RefundFailed},
	{"RESTRICTED", status.RefundFailed},
	{"REJECTED", status.RefundFailed},
	{"TIMEDOUT", status.RefundUnknown},
	{"TIMED_OUT", status.RefundUnknown},
	{"UNKNOWN", status.RefundUnknown},
}

func TestStatusTablesAreExactlyTheSpecification(t *testing.T) {
	assert.Len(t, chargeStatuses, len(chargeCases), "every charge status in the table has a case here")
	assert.Len(t, refundStatuses, len(refundCases), "every refund status in the table has a case here")
	for _, c := range chargeCases {
		assert.Equal(t, c.want, chargeStatus(c.raw), c.raw)
	}
	for _, c := range refundCases {
		assert.Equal(t, c.want, refundStatus(c.raw), c.raw)
	}
}

func TestUnlistedStatusesAreNeverASuccess(t *testing.T) {
	for _, raw := range []string{"", "captured", "Captured", " CAPTURED", "REFUNDED", "PARTIALLY_REFUNDED", "SETTLED", "AUTHORISED", "PAID"} {
		assert.Equal(t, status.Unknown, chargeStatus(raw), "charge %q", raw)
	}
	for _, raw := range []string{"", "refunded", "SUCCESS", "CAPTURED", "COMPLETED", "PROCESSED"} {
		assert.Equal(t, status.RefundUnknown, refundStatus(raw), "refund %q", raw)
	}
}

func TestGetPaymentReportsEveryChargeStatus(t *testing.T) {
	for _, c := range chargeCases {
		t.Run(c.raw, func(t *testing.T) {
			p := newTestProvider(t)
			body := patch(t, fixture(t, "charge-captured.json"), map[string]any{
				"status": c.raw, "response.code": c.code, "response.message": c.msg,
			})
			tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).JSON(body)

			got, err := p.GetPayment(context.Background(), seedChargeID)
			require.NoError(t, err)
			assert.Equal(t, c.want, got.Status)
			assert.Equal(t, c.raw, got.RawStatus)
			if c.wantFailure {
				assert.Equal(t, c.code, got.FailureCode)
				assert.Equal(t, c.msg, got.FailureMessage)
			} else {
				assert.Empty(t, got.FailureCode)
				assert.Empty(t, got.FailureMessage)
			}
		})
	}
}

func TestRefundWebhookReportsEveryRefundStatus(t *testing.T) {
	p := newTestProvider(t)
	for _, c := range refundCases {
		t.Run(c.raw, func(t *testing.T) {
			body := patch(t, fixture(t, "refund-refunded.json"), map[string]any{
				"status": c.raw, "response.code": "777", "response.message": "why",
			})
			readBack(t, body, 1)
			ev, err := p.ParseWebhook(context.Background(), signedHeader(t, testKey, body), body)
			require.NoError(t, err)
			assert.Equal(t, c.want, ev.Refund.Status)
			assert.Equal(t, c.raw, ev.Refund.RawStatus)
			assert.Equal(t, "tap:re_TS05A1120241150Xy7k1906512:"+c.raw, ev.ID)
			failed := c.want == status.RefundFailed || c.want == status.RefundUnknown
			assert.Equal(t, failed, ev.Refund.FailureCode == "777", "the reason is kept for a failed or unknown refund only")
		})
	}
}
