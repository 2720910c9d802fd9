// Package checkout is the Checkout.com adapter of qpay: QPay payments
// through Checkout's payments API (POST /payments with a "qpay" source),
// behind the provider-neutral qpay.Provider.
//
// Build one with New (or with providers.Open). It only translates; the
// request validation, idempotency keys, refundable-amount check, integrity
// checks and error shaping that every provider shares live in the portable
// layer it is wrapped in.
//
// # What is mapped
//
//   - CreatePayment: POST /payments with the amount in exact minor units
//     (QAR 79.10 is 7910), currency, reference, description, customer
//     (email, name), success_url (ReturnURL), failure_url (FailureURL,
//     defaulting to ReturnURL), metadata, processing_channel_id when
//     configured, and the QPay source {type "qpay", description (the
//     payment's, or "Order <reference>"), quantity 1, language "en" or "ar",
//     national_id}. Checkout answers 202 Pending with the shopper's
//     redirect in _links.redirect.href. The 202 carries no amount, so the
//     returned Payment reports the requested amount; the reference it
//     echoes is checked. PaymentRequest.WebhookURL and Expiry have no
//     Checkout equivalent: webhooks are configured on the account, and the
//     QPay session's lifetime is Checkout's.
//   - GetPayment: GET /payments/{id}, where id may also be the sid_ session
//     ID Checkout appends to the return URL (cko-session-id); the answer is
//     the payment under its pay_ ID. Every documented status is mapped in
//     one table (status.go) and kept raw; card-only states and unknown
//     strings are status.Unknown, never a success. A declined payment's
//     reason is the QPay gateway's qpay_status and status_message.
//   - Refund: POST /payments/{id}/refunds with the amount and reference (the
//     reason travels in the metadata). The payment's actions are read
//     first: a refund action that already carries the refund's reference is
//     returned instead of refunding again. What is already refunded comes
//     from the payment's balances (current platform) or, failing those,
//     from the refund actions, pending refunds included.
//   - PaymentsByReference (qpay.PaymentFinder): GET
//     /payments?reference=&limit=100&skip=, Checkout's "Get a list of
//     payments" (documented on its site, absent from its bundled OpenAPI
//     document), paged by skip up to 10 pages; an answer without data and
//     total_count is an error, never "none found".
//   - ParseWebhook: the Cko-Signature (lower-case hex HMAC-SHA256 of the raw
//     body, keyed with the webhook secret) is verified in constant time
//     before anything else, then the optional Authorization header; the
//     event ID is Checkout's evt_ ID. An event about another payment method
//     (data.source.type other than "qpay") is qpay.KindUnsupported. Event types are mapped in one table
//     (status.go); any other type is an error of kind qpay.KindUnsupported,
//     never a status change. The signature covers the whole body, so no
//     event is read back (WebhookEvent.Verification says signed_body).
//   - GetRefund (qpay.RefundGetter): Checkout has no endpoint for one
//     refund; GET /payments/{id} (for the currency) and then GET
//     /payments/{id}/actions, where the refund is the action of that ID.
//
// # Hosted Payments Page
//
// With PaymentRequest.Page set to PageHosted or PageHostedCards,
// CreatePayment posts POST /hosted-payments: amount (minor units),
// currency, reference, description, customer, billing (Checkout requires
// it; qpay sends the address country "QA"), success_url (ReturnURL),
// failure_url and cancel_url (FailureURL, else ReturnURL), metadata,
// processing_channel_id, and allow_payment_methods: ["qpay"] with
// RequireQPay, ["card"] for PageHostedCards, absent (every method enabled
// on the account) otherwise. Checkout answers 201 with the page's hpp_ ID
// and _links.redirect.href; the Payment is then the page: its ID is the
// hpp_ ID, pending, with the requested amount. The payment itself (pay_...)
// is created when the shopper pays on the page. GetPayment, Refund and the
// Registry take the hpp_ ID: GET /hosted-payments/{id} gives payment_id,
// then GET /payments/{payment_id} the payment, under its own pay_ ID; until
// the shopper has paid, the page's own status is reported ("Payment
// Pending" pending, "Expired" expired); Payment.PageID keeps the hpp_ ID
// either way. A store keyed by payment ID therefore sees the page under
// its hpp_ ID and the payment's events under pay_: do not Track the page
// (store.Track of the hpp_ Payment CreatePayment returns), but the payment
// GetPayment (or PaymentFromReturn) returns once the shopper has paid, or
// let its first webhook record it. A tracked page is refused by the
// reconciler once paid (its read-back is another object, the pay_
// payment: KindIntegrity), and an abandoned page is seen only by
// GetPayment of its hpp_ ID (Expired). This is a known gap of hosted pages
// at Checkout: linking a page row to its payment in the store is not
// built.
// The shopper comes back to
// success_url or failure_url with cko-session-id=sid_..., which
// PaymentFromReturn reads as for the direct page. Payment.Method is the
// payment's source.type ("qpay", or "card" with its scheme). Events of a
// hosted page's payment are ordinary payment events, verified the same
// way; an event for a card payment is applied when its (signed) metadata
// carries qpay's qpay_page key, and is KindUnsupported otherwise (another
// card payment of the account).
//
// The hosted page has no field for the QPay national ID, and Checkout's
// documented page locales include no Arabic: a hosted-page request with
// NationalID or Language "ar" is KindUnsupported before any request
// (PaymentRequest.Expiry is ignored as for the direct page).
//
// # Marketplace splits
//
// Not supported: PaymentRequest.Splits is KindUnsupported before any
// request, on every page. Checkout's splits are Platforms'
// amount_allocations, whose documented payment methods do not include
// QPay and which Checkout offers to UK, EEA and US entities only, while
// QPay is Qatari; a hosted page can end in a QPay payment, so splits are
// refused there too rather than sent on a bet. A refund of a payment that
// reports splits (qpay's record in its metadata) is refused the same way,
// since a refund without amount_allocations would take all of it from the
// merchant.
//
// # Idempotency
//
// Every payment and refund request carries one Cko-Idempotency-Key, sent
// unchanged on every retry. A payment's is the caller's
// PaymentRequest.IdempotencyKey or one made before the first attempt; a
// refund's is always derived from the account, the payment and the
// RefundRequest.Reference, so that replicas refunding the same reference
// at once send the same key and Checkout makes one refund. Checkout
// replays the original answer for a repeated key for 24 hours when that
// answer was a success, and answers 409 while a request with the same key
// is still being processed: the transport waits that out, resending with
// the same key until the answer is replayed (within CallTimeout; only
// then is it a KindConflict). A refund's 202 carries no amount and may be
// the replay of another request's 202 for the same reference, so the new
// refund's action is read back and its amount compared with the request's
// (a fourth round trip). A refund is also never resent blindly after
// an ambiguous failure: the payment's actions are read first, and a refund
// action carrying the refund's reference is returned instead of sending
// another.
//
// # Refunds are accepted, not settled
//
// Checkout answers a refund with 202 and an action ID. The Refund comes
// back as that action reads just after (usually RefundPending; the amount
// is the action's), or, when the action is not listed yet, RefundPending
// with the requested amount. Its outcome arrives as a payment_refunded or
// payment_refund_declined webhook (whose Refund.ID is the same action ID),
// or can be read from the payment's actions.
//
// # Authentication
//
// Previous-platform secret keys (sk_test_<uuid>, sk_<uuid>) are sent bare in
// the Authorization header, every other key as "Bearer <key>", as
// checkout-sdk-go does. sk_sbox_ and sk_test_ keys are sandbox keys: the
// provider is then in qpay.TestMode and talks to SandboxBaseURL unless
// Config.BaseURL says otherwise.
//
// # Errors
//
// Failed answers become *qpay.Error with the HTTP status, Checkout's
// error_codes (joined with ",") as Code, error_type as Message, the
// Cko-Request-Id (or the body's request_id) as RequestID, and the body
// kept whatever it is (empty, HTML from a proxy, truncated JSON).
// payee_not_onboarded, which Checkout's sandbox answers for every QPay
// payment, is KindPermission: QPay is not enabled for the account.
//
// # UNCONFIRMED
//
// Checkout's documentation leaves these open; the adapter codes the most
// likely behaviour and keeps each in one place:
//   - the body of a 409 idempotency conflict (errors.go reads it like any
//     other error body and classifies it by status);
//   - which webhook events QPay emits, in particular payment_expired versus
//     payment_canceled on abandonment and whether payment_approved precedes
//     payment_captured (status.go maps them all);
//   - which action types a QPay payment records (only "Refund" actions are
//     read) and whether balances.total_refunded counts refunds still
//     pending (Checkout refuses an over-refund itself in any case);
//   - whether a refund event's data.reference is the refund's or the
//     payment's (webhook.go reports it; refunds are matched on action ID);
//   - how the 255-character limit of the QPay source description is
//     measured (wire.go truncates by the strictest reading);
//   - whether the language code is case-sensitive (lower case is sent);
//   - the Hosted Payments Page (hosted.go): that "qpay" is accepted in
//     allow_payment_methods (it is QPay's source type, and the page lists
//     QPay); that the shopper's return from the page carries
//     cko-session-id as redirect payments do; that the page's metadata is
//     copied to the payment (where the payment lacks qpay's keys, the
//     page's are used); that a declined attempt leaves the page "Payment
//     Pending" with the payment_id of the declined payment (always read
//     the page again, the shopper may retry); the page's lifetime; and the
//     statuses a card payment made there reports (card-only states such as
//     Authorized map to status.Unknown, never a success).
package checkout
