package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/store"
)

func TestDBErrorKinds(t *testing.T) {
	pg := func(code string) error {
		return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "from the server"}
	}
	cases := []struct {
		name      string
		err       error
		kind      qpay.Kind
		retryable bool
		hint      string
	}{
		{"context canceled", context.Canceled, qpay.KindCanceled, false, ""},
		{"deadline exceeded, wrapped", fmt.Errorf("query: %w", context.DeadlineExceeded), qpay.KindCanceled, false, ""},
		{"connection reset", io.ErrUnexpectedEOF, qpay.KindNetwork, true, ""},
		{"serialization failure", pg("40001"), qpay.KindConflict, true, ""},
		{"deadlock", pg("40P01"), qpay.KindConflict, true, ""},
		{"lock not available", pg("55P03"), qpay.KindConflict, true, ""},
		{"statement timeout", pg("57014"), qpay.KindCanceled, false, ""},
		{"terminated by an administrator", pg("57P01"), qpay.KindUnavailable, true, ""},
		{"server starting up", pg("57P03"), qpay.KindUnavailable, true, ""},
		{"connection failure", pg("08006"), qpay.KindUnavailable, true, ""},
		{"too many connections", pg("53300"), qpay.KindUnavailable, true, ""},
		{"read-only standby", pg("25006"), qpay.KindUnavailable, true, ""},
		{"missing table", pg("42P01"), qpay.KindUnknown, false, "call Migrate first"},
		{"wrong password", pg("28P01"), qpay.KindAuthentication, false, ""},
		{"no privilege", pg("42501"), qpay.KindPermission, false, ""},
		{"unique violation", pg("23505"), qpay.KindUnknown, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := dbError(store.OpProcess, "recording the event", c.err)
			var qe *qpay.Error
			require.ErrorAs(t, err, &qe)
			assert.Equal(t, c.kind, qe.Kind)
			assert.Equal(t, c.retryable, qe.Retryable)
			assert.Equal(t, store.OpProcess, qe.Op)
			assert.ErrorIs(t, err, c.err, "the cause stays reachable")
			assert.Contains(t, qe.Message, "recording the event")
			if c.hint != "" {
				assert.Contains(t, qe.Message, c.hint)
			}
		})
	}
}

func TestDBErrorKeepsQpayErrors(t *testing.T) {
	inner := &qpay.Error{Kind: qpay.KindProtocol, Message: "stored payment chg_1 cannot be read back"}
	err := dbError(store.OpPayment, "reading the payment", fmt.Errorf("scan: %w", inner))
	assert.ErrorIs(t, err, qpay.KindProtocol)
	assert.Equal(t, store.OpPayment, inner.Op)
	assert.False(t, errors.Is(err, qpay.KindUnknown))
}
