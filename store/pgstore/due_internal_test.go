package pgstore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay/status"
)

// TestDueStatusListsMatchStatus keeps the status lists written out in the
// lease statements and in the schema's partial indexes equal to the
// Undecided states of package status.
func TestDueStatusListsMatchStatus(t *testing.T) {
	var payments, refunds []string
	for _, s := range status.All() {
		if s.Undecided() {
			payments = append(payments, s.String())
		}
	}
	for _, s := range status.AllRefund() {
		if s.Undecided() {
			refunds = append(refunds, s.String())
		}
	}
	in := func(names []string) string { return "status IN ('" + strings.Join(names, "', '") + "')" }
	assert.Contains(t, leasePayments, in(payments))
	assert.Contains(t, leaseRefunds, in(refunds))
	all := strings.Join(schema, "\n")
	assert.Contains(t, all, "ON qpay_payments (updated_at)\n\t\tWHERE "+in(payments))
	assert.Contains(t, all, "ON qpay_refunds (updated_at)\n\t\tWHERE "+in(refunds))
}
