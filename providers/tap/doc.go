// Package tap takes QPay payments through Tap Payments' v2 API
// (https://api.tap.company) as a qpay.Provider. Build one with New, or with
// providers.Open from a merchant's configuration.
//
// # What is mapped
//
// CreatePayment posts a charge (POST /v2/charges) with source
// "src_qa.qpay": the amount as a JSON number with exactly the currency's
// decimals (QAR 79.1 is sent as 79.10), the merchant reference as both
// reference.transaction and reference.order, the customer (the name split at
// its first space into first_name and last_name; phone parts as strings),
// description, metadata, redirect.url (PaymentRequest.ReturnURL), post.url
// (PaymentRequest.WebhookURL) and, when set, transaction.expiry in minutes.
// The Payment it returns carries transaction.url as RedirectURL: send the
// shopper there as a full-page redirect, never in an iframe. Tap has a single
// redirect URL and no national ID or page language field, so
// PaymentRequest.FailureURL, NationalID and Language are not sent.
//
// # Hosted pages and the method used
//
// PaymentRequest.Page chooses source.id: src_qa.qpay (PageQPay, the
// default: the QPay page itself), src_all (PageHosted: Tap's hosted page
// with every method enabled on the merchant, QPay among them where Tap has
// enabled it) or src_card (PageHostedCards: cards only). Each answers with
// a transaction.url to redirect to, and the shopper comes back to
// redirect.url with tap_id=chg_... as from the QPay page. Payment.Method is
// read from source.payment_method and card.scheme: QPay when Tap says QPAY
// or the scheme is NAPS, a card for any other scheme (VISA, MASTERCARD...),
// else Tap's word lower-cased. Tap's src_all page cannot be limited to
// QPay: with RequireQPay the charge is still src_all, and a shopper who
// pays by card makes a captured payment whose MethodError is
// KindMethodMismatch (the merchant refunds or accepts it). Page and
// RequireQPay travel in the charge's metadata (qpay_page, qpay_require),
// which Tap echoes; Tap's hashstring does not sign the metadata nor the
// source, so a webhook's are taken from the charge read back (package
// driver's verification).
//
// # Marketplace splits
//
// PaymentRequest.Splits become the charge's destinations
// ({"destination":[{"id","amount","currency"}]}), amounts written like the
// charge's; what the destinations do not take stays with the marketplace
// (master) account. A destination has no reference field, so a
// Split.Reference is refused (KindUnsupported) rather than dropped.
// Payment.Splits are read from the destinations Tap echoes, and where it
// echoes none, from the record qpay keeps in the charge's metadata
// (qpay.MetadataSplits; package driver); echoed destinations other than
// the request's are KindIntegrity. A refund of a split charge carries
// destinations too: each recipient's share of the refund, in proportion to
// its share of the charge, rounded down to the fils (money.Share); the
// rounding remainder and the marketplace's own part are refunded from the
// marketplace's wallet. A split charge whose shares cannot be known is
// refused before any refund request rather than refunded without
// destinations. Tap's marketplace must be
// enabled on the account (Tap's team confirms eligibility), and the
// destination IDs come from onboarding the businesses.
//
// GetPayment reads GET /v2/charges/{id}. Every documented charge status is
// mapped in one table (status.go); a status Tap adds later maps to
// status.Unknown, never to a success. For a failed, canceled, expired or
// unconfirmed charge, Tap's response code and message (e.g. "505",
// "Declined, Insufficient Funds") are the Payment's FailureCode and
// FailureMessage.
//
// Tap's charge object reports no refunded amount: GetPayment keeps reporting
// a refunded charge as CAPTURED (status.Captured), unless Tap changes its
// own status. Refund reads the charge's refunds back (see below) and so
// knows what is left to refund; a merchant who needs the refunded state
// should track the refund webhooks or the Refunds qpay returns.
//
// Refund posts POST /v2/refunds with charge_id, the amount in the charge's
// currency, a reason ("requested_by_customer" when none is given), the
// merchant's refund reference as reference.merchant, metadata, and the
// charge's post.url so that Tap sends the refund's webhook to the same
// place.
//
// ParseWebhook verifies the hashstring header (see Hashstring) in constant
// time, then decodes the charge or refund object Tap posts, which the
// portable layer reads back (see Webhooks). GetRefund (qpay.RefundGetter)
// reads GET /v2/refunds/{id}. Tap sends no
// event ID; the event's ID is "tap:<object id>:<status>", the same for every
// redelivery of one update.
//
// # Idempotency and retries
//
// Tap's duplicate protection is a body field, reference.idempotent, on
// charges and refunds: a request repeating a key within 24 hours returns the
// original object. qpay puts the call's idempotency key there (for a
// charge, the caller's PaymentRequest.IdempotencyKey, else one made before
// the first attempt; for a refund, always the key derived from the account,
// the charge and RefundRequest.Reference, so that replicas refunding one
// reference at once send one key) and the transport resends the same bytes,
// so a retried create or refund never makes a second charge or refund. A
// concurrent duplicate of a key still being processed is most likely
// answered 409 (UNCONFIRMED, errors.go); the transport waits it out with the
// same key until Tap answers with the original object.
//
// Refunds are additionally reconciled, because a duplicated refund loses
// money and Tap's behaviour on edge cases of reference.idempotent is not
// documented: before a refund is sent, the charge's refunds are read back and
// a refund that already carries the request's reference is returned instead
// of being made again; after an ambiguous failure (no answer, or a 5xx) they
// are read back again before any resend, and if that read fails nothing is
// resent. Make RefundRequest.Reference unique per refund: it is what these
// read-backs look for.
//
// # Webhooks
//
// Tap posts webhooks only for final states (CAPTURED and the failures),
// never for INITIATED or ABANDONED, so a shopper who walks away produces no
// webhook: poll GetPayment after the expiry, as Tap recommends reading the
// charge back rather than trusting the redirect alone. Tap retries an
// undelivered webhook twice.
//
// Tap's hashstring signs seven fields of the object (id, amount, currency,
// reference.gateway, reference.payment, status and the creation time), not
// the raw body: a change to any other field of a delivery, such as its
// description or metadata, is not detected by the signature. That includes
// a refund's charge_id (which payment it refunds) and the order reference.
// So the Provider reads every webhook's object back before returning the
// event (GET /v2/charges/{id}, GET /v2/refunds/{id}), takes the event's
// facts from there, and refuses one whose signed fields the read-back
// contradicts; WebhookEvent.Verification says so and keeps the delivery
// apart. Each Tap webhook therefore costs one API call, and a read-back
// that fails transiently makes qpay.WebhookHandler answer 503 so that Tap
// delivers again. The object's kind is taken from its signed ID (chg_, re_), never from the
// unsigned "object" word alone.
//
// # UNCONFIRMED points
//
// Tap's documentation leaves these open; each is coded as the most likely
// behaviour, in one place:
//
//   - The refund hashstring (Hashstring) follows Tap's PHP sample, with the
//     refund's top-level created as x_created and empty strings for the
//     gateway and payment references a refund may lack; Tap shows no real
//     refund delivery.
//   - The refund list, POST /v2/refunds/list with a period and
//     starting_after (refund.go), is taken from Tap's PHP SDK; a third-party
//     listing names GET /v2/refunds instead. Its filter by charge, a
//     "charges" array, is taken from community code and sent with every
//     read (lists.go): honoured, a charge's refunds come in one page and a
//     refund costs three requests whatever the merchant's refund volume.
//     Ignored or refused, every refund since the charge's creation is paged
//     through (at most 20 pages of 50; past that the refund is refused,
//     since neither the refundable amount nor the search by reference could
//     be trusted); the refunds are filtered by charge_id here either way. If
//     the endpoint is not what Tap serves, refunds fail before any money
//     moves.
//   - PaymentsByReference (qpay.PaymentFinder) reads POST /v2/charges/list
//     with a "reference" filter object, which Tap lists without saying how
//     it matches, and takes the answer to be shaped as the refund list's
//     (lists.go). The charges are filtered by reference here as well, over
//     the last 30 days; a list longer than 20 pages is refused rather than
//     read in part, since "none found" invites a second payment.
//   - ABANDONED is taken to mean that the shopper did not finish in time
//     (status.Expired), as Tap says an unfinished INITIATED charge becomes
//     ABANDONED (status.go).
//   - Refund statuses beyond Tap's classic list: ACCEPTED (Refund Logic V2)
//     is pending, REJECTED is a failure, TIMED_OUT is unknown.
//   - Hosted pages and splits (hosted.go): that src_all shows QPay for a QAR
//     charge when QPay is enabled, and that a QPay payment made there reads
//     like one from the QPay page (payment_method QPAY, scheme NAPS); the
//     exact payment_method words of other methods (only VISA and QPAY are
//     seen in Tap's examples); src_card, not the "src_cards" of Tap's
//     platform guide; whether destinations work with QPay charges (Tap's
//     marketplace takes "the available payment methods for your country");
//     whether Tap echoes destinations on charges and refunds (read where
//     present, leniently: another shape reads as no split, and the split
//     is then taken from qpay's metadata record, so a refund never goes
//     out without destinations for that reason); Tap's limits on
//     their count and sum (qpay: at most MaxSplits, the sum at most the
//     amount); and what a refund of a split charge does: with
//     destinations, most likely each listed amount is taken back from that
//     business, the rest from the marketplace wallet; without them, most
//     likely all of it from the marketplace wallet.
package tap
