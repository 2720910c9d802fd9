// Package mpgs takes QPay payments through the acquiring bank's Mastercard
// Gateway (MPGS), where QPay is a browser payment
// (sourceOfFunds.browserPayment.type QPAY), as a qpay.Provider. Build one
// with New, or with providers.Open from a merchant's configuration
// (provider "mpgs").
//
// Each fact below names its source and a confidence: confirmed (a
// Mastercard page or Mastercard's own sample code says so), likely
// (follows from other versions or operations, or third-party code), or
// UNCONFIRMED (a guess, listed once more at the end). Source keys:
//
//	[QPAY]    Mastercard's "QPAY Gateway" page (developer.mastercard.com ... /domestic-schemes/qpay-gateway/,
//	          and the gateway-hosted copies .../browserPayments/QPAYGateway.html)
//	[IBP]     "Initiate Browser Payment" operation reference, REST-JSON (versions 12, 34, 52, 79)
//	[REFUND]  "Transaction: Refund" operation reference (versions 6, 70)
//	[ERRORS]  "Transaction Errors" and "API Error Handling" pages
//	[IDS]     "Identifiers" page (order and transaction IDs)
//	[WEBHOOK] "Webhook Notifications" (developer.mastercard.com ... /gateway-features/webhook-noti/)
//	[V100]    "API Reference - REST", version 100
//	[SAMPLES] Mastercard-Gateway/gateway-android-sdk, gateway-ios-sdk and gateway-test-merchant-server
//	          (2025, API version 100), gateway-java-sample-code, gateway-woocommerce-module,
//	          OnTap/module-mastercard (Magento)
//	[REAL]    real gateway answers in public code (a v78 REFUND answer; v100 400 and 401 answers)
//
// # Addresses and authentication
//
// Every call goes to https://{host}/api/rest/version/{v}/merchant/{merchantId}/...
// [IBP] confirmed. The host is configuration (Config.Host), not a region:
// acquirers run the gateway under their own names [SAMPLES, bank-hosted
// documentation] confirmed; which host a given Qatari bank uses is the
// bank's to say. QPay needs API version 100 or later ("QPAY is supported
// from the API version 100 and later") [QPAY] confirmed; qpay speaks 100
// and refuses less. From version 100 the gateway may add fields and enum
// values without a new version [V100] confirmed, so answers are decoded
// leniently and an unknown status is status.Unknown.
//
// Authentication is HTTP Basic with the user "merchant.<merchantId>" and
// the API password [IBP, SAMPLES] confirmed. A merchant ID starting with
// TEST is a test merchant (gr4vy's Mastercard Gateway connection guide)
// likely, and puts the provider in qpay.TestMode (plain http then allowed,
// for the simulator).
//
// # What is mapped
//
// CreatePayment is PUT .../order/{orderId}/transaction/{transactionId}
// with apiOperation INITIATE_BROWSER_PAYMENT, sourceOfFunds.type
// BROWSER_PAYMENT, sourceOfFunds.browserPayment.type QPAY and
// browserPayment.operation PAY (the only operation QPay has) [QPAY, IBP,
// SAMPLES] confirmed; browserPayment.returnUrl, the same for success and
// failure [IBP] confirmed; order.amount as a decimal string in the units
// of the currency, "79.10" (at most 14 characters) [IBP] confirmed (shape);
// order.currency QAR, QPay's only currency [QPAY] confirmed;
// order.reference (the merchant reference), order.description and
// order.notificationUrl (PaymentRequest.WebhookURL, the per-order webhook
// address) [SAMPLES] confirmed; customer.firstName, lastName (the name split
// at its first space), email and phone (country code and number as one
// string) [SAMPLES] confirmed. The gateway has no field for metadata, the
// page language, the national ID or an expiry, so PaymentRequest.Metadata,
// Language, NationalID, FailureURL and Expiry are not sent.
//
// The answer (HTTP 201, even for a decline [ERRORS] confirmed) carries
// result, order.status, response.gatewayCode and the shopper's next step:
// browserPayment.redirectUrl (Payment.RedirectURL) or
// browserPayment.redirectHtml, an HTML fragment (Payment.RedirectHTML:
// serve it as a whole page of its own, never in an iframe) [SAMPLES]
// confirmed, both read since which one QPay answers with is UNCONFIRMED.
// Amounts in answers are JSON numbers (1, 1.00, 0.50) [SAMPLES, REAL]
// confirmed, read exactly as decimals; one with more decimals than QAR has
// is a protocol error.
//
// The gateway adds nothing documented to the return URL, and Mastercard's
// samples put the order in it themselves [SAMPLES] confirmed (as
// practice): qpay adds qpay_order=<order ID> (ReturnParam), which
// qpay.PaymentFromReturn reads before reading the order back.
//
// GetPayment is Retrieve Order, GET .../order/{orderId}: the order's fields
// at the top level (id, amount, currency, status, reference, creationTime,
// totalCapturedAmount, totalRefundedAmount) and every transaction in the
// array "transaction" [SAMPLES, REAL] confirmed. Its status comes from the
// one table in status.go: an order.status that says money moved (CAPTURED,
// PARTIALLY_REFUNDED, REFUNDED, ...) decides; otherwise the payment
// transaction's result (SUCCESS, PENDING, FAILURE, UNKNOWN [ERRORS]
// confirmed) and gatewayCode (APPROVED, SUBMITTED, DECLINED, CANCELLED,
// ABORTED, TIMED_OUT, ... [SAMPLES] confirmed as values, which ones QPay
// produces UNCONFIRMED) do. The order.status values are Mastercard's table
// read through third-party copies: likely. Payment.RawStatus is
// order.status; FailureCode and FailureMessage are the gatewayCode and the
// acquirer's message; Payment.Method is QPay for the QPAY browser payment
// (sourceOfFunds). The hosted pages and splits of package qpay
// (PaymentRequest.Page, Splits) are not built for this route: the
// portable layer refuses them with qpay.KindUnsupported before any
// request (the gateway's Hosted Checkout also offers QPay [QPAY] likely).
//
// Refund is PUT .../order/{orderId}/transaction/{newTransactionId} with
// apiOperation REFUND, transaction.amount (a decimal string),
// transaction.currency and transaction.reference (the merchant's refund
// reference, echoed back) [REFUND, REAL] confirmed; partial refunds, and
// several of them up to the captured amount, are allowed ("Purchase (PAY),
// PARTIAL REFUND, REFUND") [QPAY, REAL] confirmed. A refund is a
// transaction of the order: PaymentForRefund and GetRefund read them from
// Retrieve Order, with the gateway's own refunded total.
//
// Errors have the shape {"result":"ERROR","error":{"cause",
// "explanation", "field", "validationType"}} [SAMPLES, REAL] confirmed,
// decoded through the shared transport (errors.go). The HTTP status
// classifies first: bad credentials come as 401 with cause INVALID_REQUEST
// [REAL] confirmed (observed). Then the cause: REQUEST_REJECTED is an
// authentication failure, SERVER_BUSY and SERVER_FAILED are retryable
// ("attempt the API request again several minutes later") [ERRORS]
// confirmed; "Unable to find order" under INVALID_REQUEST is not found
// [REAL] likely.
//
// # IDs, idempotency and retries
//
// The gateway's order and transaction IDs are the merchant's own, unique
// per merchant profile (orders) and per order (transactions), at most 40
// characters [IDS, REAL] confirmed. qpay derives them, so that a retried
// write is idempotent by construction:
//
//   - the order ID, which is the Payment's ID, is "qp-" and 32 hex digits
//     of SHA-256 over the merchant ID, PaymentRequest.Reference and
//     PaymentRequest.IdempotencyKey (OrderID). The same reference and key
//     name the same order on every retry, every restart and every
//     replica; when the caller leaves the key empty, the portable layer
//     makes one per call, so a caller's own retry after a crash needs its
//     own key, as with Tap and Checkout. The order has one payment
//     transaction, "qpay-pay";
//   - a refund's transaction ID, which is the Refund's ID, is derived from
//     the order ID and RefundRequest.Reference (RefundID): one refund per
//     (payment, reference) at the gateway, whatever idempotency keys
//     callers pass. It is 40 characters of base64url, the order's 128 bits
//     and then 108 bits of SHA-256 over the order ID and the reference, so
//     that a refund names its own order: a refund notification is read
//     back from the order its transaction ID names, never from the
//     order.id the delivery claims. RefundRequest.IdempotencyKey is not
//     sent; the transaction ID is the duplicate protection.
//
// No search of orders by reference is documented, so the Provider is no
// qpay.PaymentFinder (PaymentsByReference answers qpay.KindUnsupported):
// after a crash between CreatePayment and saving the payment's ID, a
// merchant that passed its own IdempotencyKey finds the payment again with
// GetPayment(OrderID(merchantID, reference, key)); with a key made by the
// call, the order is found only through the gateway's own tools.
//
// The gateway's answer to a PUT of a transaction that exists already is
// UNCONFIRMED, so qpay does not rely on it: after an ambiguous failure (no
// answer, or a 5xx) the order is read back before anything is resent, and
// the transaction found there is the answer (the transport's Reconcile);
// after a 400 (perhaps "already exists") the order is read back once, so
// that a caller retrying a call that did reach the gateway gets what it
// made. Resubmitting an identical request after SERVER_BUSY or
// SERVER_FAILED is what Mastercard advises [ERRORS] confirmed.
//
// # Webhooks
//
// The gateway signs nothing. It sends the merchant's notification secret,
// as configured in Merchant Administration, as is in X-Notification-Secret,
// with X-Notification-Id and X-Notification-Attempt [WEBHOOK, SAMPLES]
// confirmed (names); the body is shaped like Retrieve Transaction (order,
// transaction, result, response) [SAMPLES] confirmed for the fields read,
// when the merchant profile speaks REST-JSON [WEBHOOK] confirmed.
// Mastercard itself says notifications "are not recommended for critical
// and responsive system design" and to use the retrieve operations instead
// [WEBHOOK] confirmed.
//
// ParseWebhook compares the secret in constant time (over SHA-256 digests,
// exact bytes; Mastercard's Java sample compares case-insensitively, qpay
// does not) before reading the body, with Config.WebhookSecret and, during
// a rotation, each of Config.PreviousWebhookSecrets until its Until
// (WebhookEvent.Verification.SignedBy says which). The secret proves the sender, not the
// body, and anyone who has seen one delivery holds it, so the delivery is
// only a claim: WebhookSignature covers no field, and the portable layer
// (providers/internal/driver, verify.go) reads the payment back with
// Retrieve Order, or the refund from the order its transaction ID names,
// and takes every fact from the gateway; the delivery's claim is kept
// apart in WebhookEvent.Verification. A notification of a REFUND
// transaction is a refund event, any other a payment event; a REFUND the
// gateway does not have is an error of kind qpay.KindNotFound and moves
// nothing. The event ID is
// "mpgs:<X-Notification-Id>:<order>:<transaction>:<status read back>", so
// a redelivery de-duplicates on the notification ID, and a delivery with a
// replayed or guessed notification ID cannot take the ID of a genuine
// notification of another state; for the same reason nothing read back is
// cached for this route.
//
// # UNCONFIRMED points
//
// Nothing reachable documents these; each is coded as the most likely
// behaviour, in one place:
//
//   - Which redirect field QPay answers with: redirectHtml (in Mastercard's
//     2025 SDK samples, which list QPAY) or redirectUrl (older browser
//     payments, the KNET sample). Both are read (wire.go); a payment found
//     by reading back after a lost answer has a redirect only if Retrieve
//     Order repeats it, else CreatePayment reports a protocol error and the
//     caller's retry with the same idempotency key gets the same order.
//   - The answer to a repeated PUT of an existing transaction: read back
//     instead of relied on (mpgs.go, put).
//   - The HTTP status of "Unable to find order": 400 or 404, both are not
//     found (errors.go); the explanation is the only marker.
//   - 429 and Retry-After are not documented; the shared transport treats
//     them as everywhere else.
//   - The limits of order.reference and transaction.reference (perhaps 40
//     characters, like order.id): qpay sends the merchant's references of
//     up to qpay.MaxReferenceLen (50) as they are, so that switching route
//     never refuses a request another route takes; a gateway that allows
//     fewer refuses the call with a 400, and nothing is made.
//   - How an abandoned or timed-out QPay session ends: taken to be a
//     FAILURE with gatewayCode TIMED_OUT (status.Expired), CANCELLED and
//     ABORTED being the payer's cancellation (status.go). Until then the
//     order stays INITIATED (status.Pending): reconcile.
//   - Which operations notify for QPay (taken to be PAY and REFUND), the
//     retry schedule, ordering and the meaning of X-Notification-Id across
//     retries (taken to be the same ID on every attempt).
//   - QPay's refund time window ("Refund Validity: As pe..." is cut off in
//     every copy): a refusal comes back as a typed error.
//   - Whether QPay requires the customer fields: sent when given.
//   - There is no public QPay sandbox on the gateway: qpaytest's simulator
//     speaks this route for offline tests.
package mpgs
