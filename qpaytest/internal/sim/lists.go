package sim

// OpListPayments is the search of payments by merchant reference (Tap's
// charge list, Checkout's GET /payments?reference=).
const OpListPayments = "list_payments"

// All is every payment, oldest first. The caller holds the lock and does
// not change the slice.
func (c *Core) All() []*Payment { return c.all }
