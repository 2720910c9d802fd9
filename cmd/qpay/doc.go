// Command qpay is the command-line companion of the qpay library: an offline
// QPay simulator for a merchant's manual tests, payments made without code
// (create), signed test webhooks sent to the merchant's endpoint (trigger),
// a verifier of captured webhook deliveries, and the two calls an operator
// needs against a real Tap Payments or Checkout.com account, reading a
// payment back and refunding it.
//
// Usage:
//
//	qpay <command> [flags] [arguments]
//	qpay help <command>          (or qpay <command> --help)
//
// Flags may come before or after the arguments; "--" ends the flags.
//
// # Exit status
//
//	0  success
//	1  the operation failed: the provider answered with an error, the
//	   network failed, a webhook did not verify, or the delivery could
//	   not be read
//	2  usage error: unknown command, bad flags or arguments, or a missing
//	   or invalid configuration in the environment
//
// # Keys
//
// create, trigger, get, refund and verify-webhook read keys from the
// environment only (or, with -sandbox URL, use a running 'qpay sandbox' and
// its public test keys), never
// from flags, because flags end up in shell history and in process lists
// that other users of the machine can read. No command prints a key it read
// from the environment. The variables are those of providers.FromEnv with the
// prefix QPAY_:
//
//	QPAY_PROVIDER               tap or checkout (or the -provider flag)
//	QPAY_SECRET_KEY             the secret API key; Tap also signs webhooks with it
//	QPAY_WEBHOOK_SECRET         Checkout: the key webhooks are signed with (required)
//	QPAY_WEBHOOK_AUTHORIZATION  Checkout: the Authorization value configured on the webhook
//	QPAY_BASE_URL               another API address, e.g. the sandbox's
//	QPAY_MERCHANT_ID            Tap: merchant.id of a platform account
//	QPAY_PROCESSING_CHANNEL_ID  Checkout: the processing channel
//	QPAY_ATTEMPT_TIMEOUT, QPAY_CALL_TIMEOUT, QPAY_MAX_ATTEMPTS,
//	QPAY_MIN_BACKOFF, QPAY_MAX_BACKOFF, QPAY_MAX_RETRY_AFTER
//	                            retries and timeouts ("20s", "4")
//
// # qpay sandbox
//
//	qpay sandbox [-addr 127.0.0.1:8089] [-checkout-webhook-url URL | --forward-to URL] [-expiry 30m] [-quiet]
//
// runs qpaytest's simulator of both providers, with a hosted QPay payment
// page for every payment, until Ctrl-C. It prints the base URLs to
// configure (Tap, Checkout, the payment pages), the keys and the Checkout
// webhook secret the simulator accepts, ready-to-paste QPAY_ lines for each
// provider, and the test cards with their outcomes. The keys are the
// simulator's own public test keys (qpaytest.DefaultTapSecretKey and
// friends), not anyone's account, which is why this command, unlike the
// others, prints them. -addr 127.0.0.1:0 picks a free port; the address in
// use is printed. Requests and webhook deliveries are logged to stderr
// unless -quiet.
//
// Tap posts each charge's webhook to the charge's post.url (the
// PaymentRequest's WebhookURL); Checkout posts its events to
// -checkout-webhook-url, and sends none without it. --forward-to URL sends
// every webhook of both providers to URL instead, like 'stripe listen
// --forward-to', each signed as its provider signs it; what a provider
// sends no webhook for (a pending or abandoned Tap charge) stays unsent.
//
// # qpay create
//
//	qpay create -amount 10.00 -reference ORD-1 -return-url URL [-webhook-url URL] [-sandbox URL] [-provider ...] [-json] [-v]
//
// creates a payment, against the sandbox (-sandbox http://127.0.0.1:8089)
// or the account in the environment, and prints it with the page to send
// the shopper to. The customer defaults to a test shopper
// (-customer-name, -customer-email); -language, -expiry, -description and
// -idempotency-key set the rest of the request.
//
// # qpay trigger
//
//	qpay trigger -kind captured|failed|canceled|expired|refund-succeeded|refund-failed -to URL
//	             [-amount 10.00 -reference ORD-1] [-refund-id ID] [-sandbox URL] [-provider ...] <payment-id>
//
// sends one correctly signed webhook of that kind for the payment to URL,
// as the provider would (package qpaytest's builders, signed with the
// account's keys), and prints the endpoint's answer; it exits 1 when the
// answer is not 2xx. The amount and reference are read back from the
// provider unless given. Only the webhook is sent: the provider's state does
// not change, and a merchant that reads the payment back sees the
// provider's truth. It refuses a live key, because a correctly signed
// Checkout webhook is a fact to the merchant's code.
//
// # qpay verify-webhook
//
//	qpay verify-webhook [-provider tap|checkout] [-file delivery | < delivery] [-json]
//
// reads one captured webhook delivery, verifies it with the keys in the
// environment (QPAY_SECRET_KEY for Tap; QPAY_WEBHOOK_SECRET and, if
// configured, QPAY_WEBHOOK_AUTHORIZATION for Checkout, which needs no API
// key for this), and prints the normalized event: its ID, type, payment or
// refund ID, status, raw status, amount and reference. For Tap, whose
// signature covers seven fields only, the charge or refund is read back
// from Tap's API (QPAY_BASE_URL, if set) and what is printed is the
// read-back's; Checkout's signed body needs no call. The event is printed
// as text or, with
// -json, as one JSON object. When the delivery does not verify it prints
// exactly why, e.g.
//
//	qpay verify-webhook: not verified: invalid signature: the hashstring header does not match the body
//
// and exits 1. The delivery is either
//
//   - a JSON object {"headers": {"name": "value" or ["values"]}, "body": ...}
//     (other fields are ignored), where body is the delivered body as a JSON
//     string, or the body itself as a JSON object; or
//   - a raw HTTP request as received: a request line, headers, an empty
//     line and the body ("POST /webhooks HTTP/1.1\r\nCko-Signature: ...").
//     With a Content-Length header the body is exactly that many bytes;
//     without one it is the rest of the input, byte for byte.
//
// Checkout signs the raw bytes of the body, so they must be the bytes that
// were delivered. A body given as a JSON object is taken exactly as it is
// written in the file, not re-encoded; but a body that was pretty-printed
// or otherwise re-serialised after capture no longer verifies for Checkout.
// Prefer the body as a JSON string, or the raw dump. Tap signs selected
// fields rather than bytes, so either form verifies for Tap.
//
// # qpay get
//
//	qpay get [-provider tap|checkout] [-json] [-v] <payment-id>
//
// reads a payment (chg_... at Tap, pay_... or sid_... at Checkout) from the
// provider in the environment and prints it: status, raw status, amount,
// refunded and still refundable amounts, reference, the page to send the
// shopper to while it is pending, and the failure reason.
//
// # qpay refund
//
//	qpay refund -amount 10.00 -reference RFD-1 [-reason text] [-provider ...] [-json] [-v] <payment-id>
//
// refunds part or all of a captured payment, in QAR. It asks for no
// confirmation; it prints what it is about to do to stderr, then the
// refund. There is no "refund everything" default: -amount is required, so
// a forgotten flag can never refund a whole order. -reference is required
// too, because it is what makes running the command twice safe: a refund
// the payment already has under that reference is returned instead of a
// second one being made. Use a new reference for a new refund.
//
// -v logs each HTTP attempt to stderr (operation, status, wait), never a
// key, a header or a body.
//
// get, refund and trigger refuse an ID whose prefix belongs to the other
// provider (chg_ and re_ are Tap's; pay_, sid_ and act_ Checkout's) before
// any call. refund says plainly when it found a refund already made under
// the reference ("already refunded ...; nothing new was refunded").
//
// Error messages name what was typed or set (the flag -reference, the
// variable QPAY_SECRET_KEY), and say each prefix once.
//
// # Examples
//
//	$ qpay sandbox -addr 127.0.0.1:8089 &
//	$ qpay create -sandbox http://127.0.0.1:8089 -provider tap -amount 10.00 -reference ORD-1 \
//	      -return-url http://127.0.0.1:8080/return -webhook-url http://127.0.0.1:8080/qpay/webhook
//	$ qpay trigger -sandbox http://127.0.0.1:8089 -provider tap -kind captured \
//	      -to http://127.0.0.1:8080/qpay/webhook chg_...
//	$ export QPAY_PROVIDER=tap QPAY_SECRET_KEY=sk_test_XKokBfNWv6FIYuTMg5sLPjhJ
//	$ export QPAY_BASE_URL=http://127.0.0.1:8089/tap
//	$ qpay get chg_...
//	$ qpay refund -amount 10.00 -reference RFD-1 chg_...
//	$ qpay verify-webhook -file delivery.json
package main
