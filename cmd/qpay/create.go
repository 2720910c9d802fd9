package main

import (
	"context"
	"fmt"
	"time"

	"github.com/qpay-go/qpay"
)

func runCreate(ctx context.Context, e *env, args []string) error {
	var (
		c                                        callFlags
		amount, reference, returnURL, webhookURL string
		description, name, email, language, idem string
		expiry                                   time.Duration
	)
	f := newFlags("create", "qpay create -amount 10.00 -reference ORD-1 -return-url URL [-webhook-url URL] [-sandbox URL | QPAY_ keys] [-provider tap|checkout] [-json] [-v]", `
Creates a QPay payment at the provider, without writing code: against a
running 'qpay sandbox' (-sandbox http://127.0.0.1:8089, which uses the
simulator's public test keys) or against the account the QPAY_ variables
configure. It prints the payment and the page to send the shopper to; open
that page in a browser to pay (the sandbox's page lists its test cards).

-amount, -reference and -return-url are required. The customer defaults to
a test shopper; QPay pages show the name. Tap posts its webhook to
-webhook-url (PaymentRequest.WebhookURL); Checkout posts to the URL set on
the account (for the sandbox, its -checkout-webhook-url).
`+keysHelp+envHelp)
	c.register(f)
	f.StringVar(&amount, "amount", "", "the amount in "+qpay.Currency+", e.g. 10.00 (required)")
	f.StringVar(&reference, "reference", "", "the merchant's order reference, e.g. ORD-1 (required)")
	f.StringVar(&returnURL, "return-url", "", "where the shopper comes back to, e.g. http://127.0.0.1:8080/return (required)")
	f.StringVar(&webhookURL, "webhook-url", "", "Tap: where the payment's webhook is posted")
	f.StringVar(&description, "description", "", "shown to the shopper")
	f.StringVar(&name, "customer-name", "QPay Test Shopper", "the shopper's name")
	f.StringVar(&email, "customer-email", "shopper@example.com", "the shopper's email")
	f.StringVar(&language, "language", "", `Checkout: the page's language, "en" or "ar"`)
	f.StringVar(&idem, "idempotency-key", "", "reuse a key to retry the same create safely (a new one is made when empty)")
	f.DurationVar(&expiry, "expiry", 0, `Tap: how long the payment stays payable, whole minutes from 5m to 60m (Tap's default when zero)`)
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	var missing []string
	for _, r := range []struct{ flag, value string }{{"-amount", amount}, {"-reference", reference}, {"-return-url", returnURL}} {
		if r.value == "" {
			missing = append(missing, r.flag)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %v", joinList(missing))
	}
	amt, err := parseAmount(amount)
	if err != nil {
		return err
	}
	s, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.close()
	req := qpay.PaymentRequest{
		Amount: amt, Reference: reference, Description: description,
		Customer:  qpay.Customer{Name: name, Email: email},
		ReturnURL: returnURL, WebhookURL: webhookURL, Language: language,
		Expiry: expiry, IdempotencyKey: idem,
	}
	if err := req.Validate(s.mode()); err != nil {
		return usagef("%s", flagNames(err, map[string]string{
			"reference": "-reference", "description": "-description", "customer name": "-customer-name",
			"customer email": "-customer-email", "return URL": "-return-url", "webhook URL": "-webhook-url",
			"language": "-language", "expiry": "-expiry", "idempotency key": "-idempotency-key", "amount": "-amount",
		}))
	}
	fmt.Fprintf(e.stderr, "qpay create: creating a payment of %s with reference %q through %s\n", amt, reference, describeTarget(s.cfg))
	p, err := s.provider.CreatePayment(ctx, req)
	if err != nil {
		return callFailed(err)
	}
	if c.json {
		return writeJSON(e.stdout, viewPayment(p))
	}
	viewPayment(p).text(e.stdout) // "pay at:" is the page to send the shopper to
	return nil
}

// mode is the account's mode as the adapters decide it, for validating a
// request before any call (a live account wants https return URLs).
func (s *session) mode() qpay.Mode {
	if describeKey(s.cfg.SecretKey.Reveal()) == "test key" {
		return qpay.TestMode
	}
	return qpay.LiveMode
}

// joinList writes "a", "a and b", "a, b and c".
func joinList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := items[0]
	for _, it := range items[1 : len(items)-1] {
		out += ", " + it
	}
	return out + " and " + items[len(items)-1]
}
