package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/qpay-go/qpay"
)

func runVerifyWebhook(ctx context.Context, e *env, args []string) error {
	var (
		provider, file string
		asJSON         bool
	)
	f := newFlags("verify-webhook", "qpay verify-webhook [-provider tap|checkout] [-file delivery | < delivery] [-json]", `
Verifies one captured webhook delivery with the keys in the environment and
prints the normalized event (ID, type, payment or refund ID, status, raw
status, amount, reference), or exactly why it does not verify.

Keys: QPAY_SECRET_KEY for Tap (Tap signs with the account's secret key);
QPAY_WEBHOOK_SECRET, and QPAY_WEBHOOK_AUTHORIZATION if the webhook has one,
for Checkout, which needs no API key for this.

Checkout signs the whole body: no API call is made. Tap signs seven fields
only (id, amount, currency, status, created and two of Tap's references),
so the charge or refund is read back from Tap's API with the same key, as
the library does for every Tap webhook, and what is printed is the
read-back's (the delivery's payment of a refund, order reference and
metadata are not signed).

The delivery is read from -file or stdin, in one of two forms:

  A JSON object {"headers": {"name": "value" or ["values"]}, "body": ...}
  (other fields are ignored). body is the delivered body as a JSON string,
  or the body itself as a JSON object, taken byte for byte as it is written
  in the file.

  A raw HTTP request as received: request line, headers, an empty line and
  the body. With Content-Length the body is that many bytes; without it, the
  rest of the input, byte for byte.

Checkout signs the raw body bytes: a body that was pretty-printed or
re-serialised after capture does not verify for Checkout, even when its
content is the same. Prefer a "body" string or the raw request. Tap signs
selected fields, so either form verifies for Tap.
`+keysHelp)
	f.StringVar(&provider, "provider", "", "tap or checkout; defaults to $QPAY_PROVIDER and must agree with it")
	f.StringVar(&file, "file", "", `the captured delivery; "" or "-" reads stdin`)
	f.BoolVar(&asJSON, "json", false, "print the event as JSON")
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q; give the delivery with -file or on stdin", rest)
	}
	s, err := openProvider(e, provider, true, nil)
	if err != nil {
		return err
	}
	defer s.close()

	in := e.stdin
	if file != "" && file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("cannot read the delivery: %w", err)
		}
		defer fh.Close()
		in = fh
	}
	if in == nil {
		in = strings.NewReader("")
	}
	d, err := readDelivery(in)
	if err != nil {
		return fmt.Errorf("cannot read the delivery: %w", err)
	}
	ev, err := s.provider.ParseWebhook(ctx, d.header, d.body)
	if err != nil {
		return webhookFailed(err)
	}
	if asJSON {
		return writeJSON(e.stdout, viewEvent(ev))
	}
	viewEvent(ev).text(e.stdout)
	return nil
}

// webhookFailed says why a delivery was refused in the words an operator
// needs: "not verified: invalid signature: the hashstring header does not
// match the body".
func webhookFailed(err error) error {
	switch qpayKind(err) {
	case qpay.KindInvalidSignature:
		return fmt.Errorf("not verified: %s", reason(err))
	case qpay.KindUnsupported:
		// The adapters verify before they decode, so an event they do not
		// handle has passed the signature check.
		return fmt.Errorf("the signature is valid, but the event is not one qpay handles "+
			"(a webhook handler acknowledges and ignores it): %s", reason(err))
	default:
		return fmt.Errorf("rejected: %s", reason(err))
	}
}

// reason renders an *qpay.Error as its kind in words and its message, with
// the cause: "invalid signature: no hashstring header".
func reason(err error) string {
	var qe *qpay.Error
	if !errors.As(err, &qe) {
		return err.Error()
	}
	parts := []string{strings.ReplaceAll(qe.Kind.String(), "_", " ")}
	if qe.Message != "" {
		parts = append(parts, qe.Message)
	}
	if qe.Err != nil {
		parts = append(parts, qe.Err.Error())
	}
	return strings.Join(parts, ": ")
}

// qpayKind is the Kind of err, or KindUnknown when it is not an *qpay.Error.
func qpayKind(err error) qpay.Kind {
	var qe *qpay.Error
	if errors.As(err, &qe) {
		return qe.Kind
	}
	return qpay.KindUnknown
}
