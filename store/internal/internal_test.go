package internal

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/status"
)

func TestCheckDueQuery(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name                  string
		now                   time.Time
		limit                 int
		lease, pAfter, rAfter time.Duration
		owner                 string
		ok                    bool
	}{
		{"complete", now, 1, time.Minute, 0, 0, "replica-1", true},
		{"no now", time.Time{}, 1, time.Minute, 0, 0, "replica-1", false},
		{"no limit", now, 0, time.Minute, 0, 0, "replica-1", false},
		{"no lease", now, 1, 0, 0, 0, "replica-1", false},
		{"negative payment bound", now, 1, time.Minute, -1, 0, "replica-1", false},
		{"negative refund bound", now, 1, time.Minute, 0, -1, "replica-1", false},
		{"no owner", now, 1, time.Minute, 0, 0, "", false},
		{"hidden owner", now, 1, time.Minute, 0, 0, "replica\u200b1", false},
		{"long owner", now, 1, time.Minute, 0, 0, strings.Repeat("r", MaxKeyLen+1), false},
	}
	for _, tt := range tests {
		err := CheckDueQuery("op", tt.now, tt.limit, tt.lease, tt.pAfter, tt.rAfter, tt.owner)
		if tt.ok {
			assert.NoError(t, err, tt.name)
			continue
		}
		assert.ErrorIs(t, err, qpay.KindInvalidRequest, tt.name)
		var e *qpay.Error
		if assert.ErrorAs(t, err, &e, tt.name) {
			assert.Equal(t, "op", e.Op, tt.name)
		}
	}
}

func TestNeedsUncounted(t *testing.T) {
	for _, s := range status.All() {
		assert.True(t, NeedsUncounted(false, s), "nothing stored, whatever the zero status")
		assert.Equal(t, !s.Succeeded(), NeedsUncounted(true, s), "%v stored", s)
	}
}
