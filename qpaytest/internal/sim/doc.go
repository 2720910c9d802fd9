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
// # The payment page
//
// One template, stylesheet and script (page.html, page.css, page.js,
// embedded) for every route, in English and Arabic (words.go; Arabic is
// lang="ar" dir="rtl", digits Western, the amount "79.10 ر.ق"). A route
// gives only data through Lifecycle.Page: the provider's name, the
// reference, the return URL, the merchant's name if it knows one, and
// the language its request asked for. The page's language is, first
// match wins: the page URL's ?lang=en|ar (kept through the form's POST),
// the route's Page.Language (Checkout's source.language), the browser's
// Accept-Language, English. Tap and the Mastercard Gateway send no
// language, so their Arabic page is reached with ?lang=ar or the browser's
// preference. A refused form comes back (422) with every problem at once,
// the values typed kept (but never the PIN or CVC), escaped by
// html/template; a Content-Security-Policy admits the page's own style and
// script only, by hash.
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
