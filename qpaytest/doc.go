// Package qpaytest is how a merchant tests QPay code without a provider
// sandbox (Checkout's sandbox answers payee_not_onboarded for QPay, and Tap
// enables QPay only through an account manager). It has three parts:
//
//   - Server, an offline simulator on loopback that speaks Tap's,
//     Checkout.com's and the Mastercard Gateway's wire formats, so the
//     real adapters run unchanged against it, and hosts a QPay-like
//     payment page for every payment;
//   - Fake, an in-memory qpay.Provider for unit tests, with no socket;
//   - builders of correctly signed Tap and Checkout webhooks
//     (TapWebhook, CheckoutWebhook, TapChargeJSON, CheckoutEventJSON...).
//
// # The simulator
//
// NewServer starts it; Close stops it and waits for everything it started.
// Give the adapters TapBaseURL, CheckoutBaseURL and MPGSHost, or use
// NewTap, NewCheckout and NewMPGS. It serves, with the checks, answers, status words and error
// bodies that the providers document:
//
//	Tap, under /tap:          POST /v2/charges, GET /v2/charges/{id},
//	                          POST /v2/refunds, GET /v2/refunds/{id},
//	                          POST /v2/refunds/list (by period and, unless
//	                          Options.TapChargesFilter says otherwise, by
//	                          "charges"), POST /v2/charges/list (by period and
//	                          "reference")
//	Checkout, under /checkout: POST /payments, GET /payments/{id} (pay_ or sid_),
//	                          GET /payments/{id}/actions,
//	                          POST /payments/{id}/refunds,
//	                          GET /payments?reference=&limit=&skip=,
//	                          POST /hosted-payments, GET /hosted-payments/{id}
//	Mastercard Gateway, under /mpgs/api/rest/version/100/merchant/{merchant}:
//	                          PUT /order/{o}/transaction/qpay-pay (INITIATE_BROWSER_PAYMENT),
//	                          PUT /order/{o}/transaction/{t} (REFUND),
//	                          GET /order/{o}, GET /order/{o}/transaction/{t}
//	The payment page:         GET and POST /pay/{token}
//
// Tap wants "Authorization: Bearer <TapSecretKey>" (otherwise 401 with
// Tap's error body: 2107 without a key, 2106 for a publishable key, 2104
// for a wrong one); Checkout takes its key bare or as a Bearer credential
// (otherwise 401 with no body). Idempotency works as documented: Tap's
// reference.idempotent returns the charge or refund it first made, for 24
// hours; Checkout's Cko-Idempotency-Key replays the status and body of a
// 2xx for 24 hours. Both answer 409 while a request with the same key is
// still being processed (for Tap the likely answer, UNCONFIRMED). The
// Mastercard Gateway wants Basic merchant.<MPGSMerchantID>:<MPGSAPIPassword>
// (otherwise 401, cause INVALID_REQUEST); its order and transaction IDs are
// the merchant's, so a second PUT of an existing one is refused (400
// INVALID_REQUEST, the gateway's own answer being UNCONFIRMED) and never
// makes a second order or refund; its notifications carry
// MPGSWebhookSecret as is, with X-Notification-Id and
// X-Notification-Attempt, and go to the order's notificationUrl or
// Options.MPGSWebhookURL. It serves the browser payment on the transaction
// ID qpay uses, "qpay-pay" (see internal/mpgssim).
//
// A payment stays pending until the shopper acts on its page (transaction.url
// at Tap, _links.redirect.href at Checkout), a test calls Settle or Expire,
// or its expiry passes (Options.Expiry, default 30 minutes, or Tap's
// transaction.expiry). Expiry is applied lazily, on the next access of any
// kind, against Options.Now, so an injected clock drives it.
//
// # Hosted pages
//
// Besides the direct QPay page (Tap source src_qa.qpay, Checkout POST
// /payments with a qpay source), each route has the provider's hosted
// page, where the shopper picks how to pay: Tap's src_all (QPay or a card)
// and src_card (cards only); Checkout's Hosted Payments Page (QPay or a
// card, or what allow_payment_methods lists, "qpay" and "card" being the
// simulated account's methods). The page then shows a QPay form
// (form#qpay-form, as on the direct page) and a card form (form#card-form:
// #card-number, #card-expiry, #card-cvc, button #pay-card), with
// p#choose when there are both. Pay fills in the QPay form, PayHostedCard the
// card form (TestHostedCard(), 4242424242424242, is captured and reported as a
// Visa card; DeclineCardNumber is declined; the magic amounts and
// ForceDecline apply as on the QPay form), and SettleHosted settles by
// either method without a page.
//
// A Checkout hosted page creates its payment (pay_...) only when the
// shopper pays, as Checkout documents: until then GET /payments/{pay_...}
// is a 404, GET /hosted-payments/{hpp_...} says "Payment Pending" with no
// payment_id, and no event is sent. A shopper who cancels is sent to
// cancel_url without a session, and no payment exists. The page's
// metadata becomes the payment's (UNCONFIRMED at Checkout).
//
// Tap's destinations (marketplace splits) are checked (an ID, a positive
// amount in the charge's currency, at most the amount in all) and echoed
// on the charge object, and a refund's destinations (each one of the
// charge's, at most its share) on the refund object; Tap shows no echo in
// its examples, so the simulator's is the request's own object. Checkout's
// amount_allocations are refused (amount_allocations_invalid): the
// simulated account is no Platforms account.
//
// # The payment page
//
// The page a shopper (or a tester showing the flow) sees says TEST ·
// SIMULATOR in a banner, the merchant's name (Options.MerchantName, else
// "Test merchant") and the provider, the amount, the order reference, and
// when the page expires (in Doha time, with a live countdown where
// JavaScript runs), and lists the test cards and OTPs below the form. Its
// labels are tied to their inputs with hints (aria-describedby), and a
// refused form comes back with every problem at once: a summary that takes
// the focus (role="alert"), and each field's error next to it
// (aria-invalid, aria-describedby), keeping what was typed but the PIN
// and the security code.
//
// It is in English or Arabic (lang="ar" dir="rtl", all its words
// translated). The language is, first match wins: the page URL's
// ?lang=en or ?lang=ar; the language of the request where the provider
// has one (Checkout's source.language, PaymentRequest.Language); the
// browser's Accept-Language; English. Tap's charge and the Mastercard
// Gateway's browser payment carry no language, so for them an Arabic page
// is RedirectURL+"?lang=ar", or a browser that prefers Arabic.
//
// # Payment outcomes
//
// The page asks for a card number, an expiry (MM/YY), a 4-digit PIN and an
// OTP. A malformed entry shows the form again with every problem and
// changes nothing. The first matching row decides:
//
//	What                                         Tap                                    Checkout (source.qpay_status, status_message)
//	ForceDecline(id) or DeclineNext()            DECLINED 507 Declined, Card Issuer     Declined 0001 Transaction declined by issuer
//	card 4000000000000002 (DeclineCard)          DECLINED 505 Declined, Insufficient    Declined 0051 Insufficient funds
//	                                                     Funds
//	any other card than 4215375500883243         FAILED 405 Failed, Invalid Card No     Declined 0014 Invalid card number
//	an expiry month that is over                 FAILED 407 Failed, Expired Card        Declined 0054 Expired card
//	OTP 000000                                   DECLINED 516 Declined, Authentication  Declined 0055 Authentication failed
//	                                                     Failed
//	amount ending in .51 (e.g. QAR 10.51)        DECLINED 505 Declined, Insufficient    Declined 0051 Insufficient funds
//	                                                     Funds
//	amount ending in .05 (e.g. QAR 10.05)        DECLINED 507 Declined, Card Issuer     Declined 0001 Transaction declined by issuer
//	TestCard 4215375500883243, any future        CAPTURED 000 Captured                  Captured (approved, a Capture action)
//	expiry, any PIN, any other OTP
//	the Cancel button                            CANCELLED 302 Canceled                 Canceled
//	the page left past its expiry                ABANDONED 304 Expired (no webhook)     Expired (payment_expired event)
//
//	Refunds                                      Tap                                    Checkout
//	amount ending in .52                         DECLINED 501 Declined                  Refund action approved:false
//	                                                                                    (payment_refund_declined)
//	any other amount                             PENDING, then REFUNDED 000 Refunded    202, then a Refund action approved:true
//	                                                                                    (payment_refunded)
//
// The Tap codes are Tap's documented response codes; Checkout's
// qpay_status values and its response_code/response_summary pairs (10000
// Approved, 20051 Insufficient Funds, ...) are illustrative, as Checkout
// documents the fields but not QPay's values.
//
// After Pay or Cancel the page sends the webhooks first and only then the
// shopper back, with a 303 See Other: Tap to redirect.url with tap_id=<chg
// ID> added, Checkout to success_url (captured) or failure_url (any other
// outcome) with cko-session-id=<sid> added. GET /payments/sid_... answers
// the payment for SessionLifetime (15 minutes) after that.
//
// A refund is answered PENDING (Tap) or 202 (Checkout) and completes right
// after that answer is written, in the same request, with its webhook; or
// after Options.RefundDelay on a timer. Tap's charge keeps saying CAPTURED
// after refunds (Tap's charge object reports none); Checkout's payment
// becomes Partially Refunded or Refunded, with balances.
//
// # Webhooks
//
// Every change sends a correctly signed webhook synchronously, so a test
// knows it arrived when the call that caused it returns. Tap posts the
// charge object to its post.url for final states only (CAPTURED and the
// failures, never INITIATED or ABANDONED) and the refund object to the
// refund's post.url, signed with tap.Hashstring under the hashstring
// header. Checkout posts an event envelope to Options.CheckoutWebhookURL
// (payment_pending on create, then payment_captured, payment_declined,
// payment_canceled, payment_expired, payment_refunded,
// payment_refund_declined), signed with checkout.Signature under
// Cko-Signature; with Options.CheckoutMerchants, each Checkout merchant's
// events go to its own WebhookURL, signed with its own secret.
// Options.ForwardWebhooksTo sends every webhook of both providers to one
// URL instead ('qpay sandbox --forward-to'). A delivery that does not get
// a 2xx is retried twice (Tap's rule), Options.WebhookRetryWait apart.
// Deliveries lists them all; Webhook builds the delivery of any payment's
// or refund's current state without sending it.
//
// # Test controls
//
// Settle, Expire, ForceDecline and DeclineNext steer outcomes; Inject makes
// the next requests of an operation fail (a status such as 500 or 429 with
// Retry-After, a slow answer, a connection reset before the request is read
// or after the operation was performed, or an answer that contradicts the
// request); Requests and Calls count and show what the adapters sent;
// Lookup and Payments show the simulator's state. Pay and Cancel play the
// shopper over real HTTP, like a browser.
//
// The simulator is written from the providers' documentation, not from
// the adapters, and shares only the two signing recipes with them
// (tap.Hashstring and checkout.Signature). Where the documentation is
// silent, the choice is marked UNCONFIRMED in the code.
//
// # Layout, and where a new route goes
//
// This package is a thin public layer over internal packages, the way
// providers/ sits over providers/internal/driver:
//
//	internal/sim          the route-neutral core: payments and refunds
//	                      through the status state machine, the payment page
//	                      and the shopper, webhook delivery and retries,
//	                      faults, recorded calls, the controls; and the Route
//	                      interface a front end implements
//	internal/tapsim       Tap's front end: /tap endpoints, wire JSON,
//	                      reference.idempotent, chg_/re_ IDs, hashstring
//	internal/checkoutsim  Checkout's front end: /checkout endpoints, wire
//	                      JSON, Cko-Idempotency-Key, pay_/act_/sid_ IDs,
//	                      sessions, Cko-Signature events
//	internal/mpgssim      the Mastercard Gateway's front end: /mpgs REST
//	                      version 100, order and transaction PUTs, Retrieve
//	                      Order, merchant-chosen IDs, Basic merchant.<id>,
//	                      notifications with X-Notification-Secret
//
// The front ends import the core; the core imports no front end. A new
// route to QPay (as the acquiring bank's Mastercard Gateway was) is a new folder
// internal/<name>sim implementing sim.Route (see package sim's
// documentation), one registration in newServer (server.go), and its
// public accessors here (a base URL, its keys, a Config case, a
// New<Route> helper); nothing in the core or in the other front ends
// changes. View, RefundView, Call, Delivery and Fault are the core's own
// types under their public names.
package qpaytest
