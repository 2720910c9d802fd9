package qpaytest

import "github.com/qpay-go/qpay/qpaytest/internal/sim"

// OpListPayments is the search of payments by reference: Tap's
// POST /v2/charges/list, Checkout's GET /payments?reference=.
const OpListPayments = sim.OpListPayments
