package pgstore

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay/store"
)

// TestDueStatusListsMatchStore keeps the status lists written out in the
// lease statements and in the schema's partial indexes equal to
// store.Unsettled and store.UnsettledRefund.
func TestDueStatusListsMatchStore(t *testing.T) {
	payments, refunds := store.UnsettledNames()
	in := func(names []string) string { return "status IN ('" + strings.Join(names, "', '") + "')" }
	assert.Contains(t, leasePayments, in(payments))
	assert.Contains(t, leaseRefunds, in(refunds))
	all := strings.Join(schema, "\n")
	assert.Contains(t, all, "ON qpay_payments (updated_at)\n\t\tWHERE "+in(payments))
	assert.Contains(t, all, "ON qpay_refunds (updated_at)\n\t\tWHERE "+in(refunds))
}
