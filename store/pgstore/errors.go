package pgstore

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qpay-go/qpay"
)

// dbError makes a database failure an *qpay.Error whose Kind tells the
// caller what to do (see the package documentation); doing says which step
// failed. An *qpay.Error passes through with its Op filled in.
func dbError(op, doing string, err error) error {
	var qe *qpay.Error
	if errors.As(err, &qe) {
		if qe.Op == "" {
			qe.Op = op
		}
		return err
	}
	kind, hint := classify(err)
	msg := "postgres: " + doing
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return &qpay.Error{Op: op, Kind: kind, Retryable: kind.Retryable(), Message: msg, Err: err}
}

// classify maps an error from pgx to a Kind, with a hint for the cases a
// person has to fix.
func classify(err error) (qpay.Kind, string) {
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return qpay.KindCanceled, ""
	case errors.As(err, &pe):
		return classifyState(pe.Code)
	case pgconn.Timeout(err):
		return qpay.KindCanceled, ""
	}
	// Anything else pgx returns is the connection failing: refused, reset,
	// closed under a statement. The server may or may not have acted.
	return qpay.KindNetwork, ""
}

// classifyState maps a SQLSTATE (PostgreSQL's error codes, appendix A).
func classifyState(code string) (qpay.Kind, string) {
	switch {
	case code == "40001", code == "40P01", code == "55P03":
		// serialization_failure, deadlock_detected, lock_not_available
		return qpay.KindConflict, ""
	case code == "57014":
		// query_canceled: statement_timeout or a cancel request
		return qpay.KindCanceled, ""
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),                     // insufficient resources (too many connections, disk full)
		code == "57P01", code == "57P02", code == "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
		code == "25006": // read_only_sql_transaction: a standby answered
		return qpay.KindUnavailable, ""
	case code == "42P01":
		return qpay.KindUnknown, "a table is missing: call Migrate first, with the same search_path"
	case code == "28P01", code == "28000":
		return qpay.KindAuthentication, ""
	case code == "42501":
		return qpay.KindPermission, ""
	}
	return qpay.KindUnknown, ""
}
