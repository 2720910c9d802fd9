// Package sim is the route-neutral core of the qpaytest simulator: payment
// and refund state through the status state machine, the hosted payment
// page and the shopper's actions, webhook delivery (signed by the routes,
// sent and retried here), faults, recorded calls and the controls tests
// use. It knows no provider.
//
// Each route to QPay is a front end in a package of its own next to this
// one (../tapsim, ../checkoutsim): its endpoints, wire JSON, idempotency
// rules, IDs and webhook signing. A front end implements Route and is
// passed to New; nothing here imports one.
//
// # Adding a route
//
// A new route (the acquiring bank's Mastercard Gateway, say) is one new
// folder, qpaytest/internal/<name>sim, with a type implementing Route.
// Mount returns its endpoints (patterns under its own path prefix, each
// naming its operation); the Core wraps them with counting, faults,
// authentication (Wire.Authenticate) and idempotency keys
// (Wire.IdempotencyKey: a key in flight is a 409, and a header key's 2xx is
// replayed). Its handlers keep their own state under the
// Core's lock (Core.Lock), create payments with Core.Add and refunds with
// Core.AddRefund, apply expiry with Core.ExpireIfDue, and answer with a
// Reply whose After calls Core.SettleRefund for a refund. Its Lifecycle
// methods render the provider's status words (a table from Result) and
// build its signed webhooks (Notice). Then one registration in package
// qpaytest (newServer in server.go, next to the routes' public
// accessors) passes it to New. Nothing in this package or in the other
// routes changes.
package sim
