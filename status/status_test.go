package status_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

func TestStatusNames(t *testing.T) {
	want := []string{"unknown", "pending", "processing", "captured", "partially_refunded",
		"refunded", "failed", "canceled", "expired"}
	all := status.All()
	require.Len(t, all, len(want))
	for i, s := range all {
		assert.Equal(t, status.Status(i), s, "declaration order")
		assert.Equal(t, want[i], s.String())
		assert.True(t, s.Valid())
	}
	assert.Equal(t, status.Unknown, status.Status(0), "the zero value is Unknown")
	assert.Equal(t, "status(42)", status.Status(42).String())
	assert.False(t, status.Status(42).Valid())
}

func TestStatusPredicates(t *testing.T) {
	// status             terminal succeeded failure undecided
	tests := []struct {
		s                                       status.Status
		terminal, succeeded, failure, undecided bool
	}{
		{status.Unknown, false, false, false, true},
		{status.Pending, false, false, false, true},
		{status.Processing, false, false, false, true},
		{status.Captured, false, true, false, false},
		{status.PartiallyRefunded, false, true, false, false},
		{status.Refunded, true, true, false, false},
		{status.Failed, true, false, true, false},
		{status.Canceled, true, false, true, false},
		{status.Expired, true, false, true, false},
		{status.Status(42), false, false, false, false},
	}
	require.Len(t, tests, len(status.All())+1, "every state, and one out of range")
	for _, tt := range tests {
		assert.Equal(t, tt.terminal, tt.s.Terminal(), "%v.Terminal", tt.s)
		assert.Equal(t, tt.succeeded, tt.s.Succeeded(), "%v.Succeeded", tt.s)
		assert.Equal(t, tt.failure, tt.s.Failure(), "%v.Failure", tt.s)
		assert.Equal(t, tt.undecided, tt.s.Undecided(), "%v.Undecided", tt.s)
	}
}

func TestStatusRoundTrip(t *testing.T) {
	for _, s := range status.All() {
		got, err := status.Parse(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)

		text, err := s.MarshalText()
		require.NoError(t, err)
		var back status.Status
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, s, back)
	}
}

func TestStatusJSON(t *testing.T) {
	type payment struct {
		Status status.Status `json:"status"`
	}
	b, err := json.Marshal(payment{status.PartiallyRefunded})
	require.NoError(t, err)
	assert.JSONEq(t, `{"status":"partially_refunded"}`, string(b))

	var p payment
	require.NoError(t, json.Unmarshal(b, &p))
	assert.Equal(t, status.PartiallyRefunded, p.Status)

	assert.ErrorIs(t, json.Unmarshal([]byte(`{"status":"CAPTURED"}`), &p), status.ErrInvalid)
	_, err = json.Marshal(payment{status.Status(42)})
	assert.ErrorIs(t, err, status.ErrInvalid)
}

// Names are this package's own and exact; provider spellings are the
// adapters' business.
func TestStatusBadInput(t *testing.T) {
	for _, in := range []string{"", "CAPTURED", "Captured", " captured", "42", "status(42)", "succeeded"} {
		_, err := status.Parse(in)
		assert.ErrorIs(t, err, status.ErrInvalid, "%q", in)

		s := status.Captured
		assert.ErrorIs(t, s.UnmarshalText([]byte(in)), status.ErrInvalid, "%q", in)
		assert.Equal(t, status.Captured, s, "a failed unmarshal leaves the value alone")
	}
	_, err := status.Status(42).MarshalText()
	assert.ErrorIs(t, err, status.ErrInvalid)
}

func TestRefundStatus(t *testing.T) {
	tests := []struct {
		s                              status.RefundStatus
		name                           string
		terminal, succeeded, undecided bool
	}{
		{status.RefundUnknown, "unknown", false, false, true},
		{status.RefundPending, "pending", false, false, true},
		{status.RefundSucceeded, "succeeded", true, true, false},
		{status.RefundFailed, "failed", true, false, false},
	}
	require.Equal(t, len(tests), len(status.AllRefund()))
	for i, tt := range tests {
		assert.Equal(t, tt.s, status.AllRefund()[i], "declaration order")
		assert.Equal(t, tt.name, tt.s.String())
		assert.True(t, tt.s.Valid())
		assert.Equal(t, tt.terminal, tt.s.Terminal(), "%v.Terminal", tt.s)
		assert.Equal(t, tt.succeeded, tt.s.Succeeded(), "%v.Succeeded", tt.s)
		assert.Equal(t, tt.undecided, tt.s.Undecided(), "%v.Undecided", tt.s)

		got, err := status.ParseRefund(tt.name)
		require.NoError(t, err)
		assert.Equal(t, tt.s, got)
		text, err := tt.s.MarshalText()
		require.NoError(t, err)
		var back status.RefundStatus
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, tt.s, back)
	}
	assert.Equal(t, status.RefundUnknown, status.RefundStatus(0), "the zero value is RefundUnknown")

	bad := status.RefundStatus(42)
	assert.False(t, bad.Valid())
	assert.Equal(t, "refund_status(42)", bad.String())
	assert.False(t, bad.Terminal())
	assert.False(t, bad.Succeeded())
	assert.False(t, bad.Undecided())
	_, err := bad.MarshalText()
	assert.ErrorIs(t, err, status.ErrInvalid)
	for _, in := range []string{"", "SUCCEEDED", "42", "captured"} {
		_, err := status.ParseRefund(in)
		assert.ErrorIs(t, err, status.ErrInvalid, "%q", in)
		r := status.RefundPending
		assert.ErrorIs(t, r.UnmarshalText([]byte(in)), status.ErrInvalid)
		assert.Equal(t, status.RefundPending, r)
	}
}
