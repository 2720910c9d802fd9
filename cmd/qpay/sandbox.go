package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/qpaytest"
)

func runSandbox(ctx context.Context, e *env, args []string) error {
	var (
		addr, hookURL, forward string
		expiry                 time.Duration
		quiet                  bool
	)
	f := newFlags("sandbox", "qpay sandbox [-addr 127.0.0.1:8089] [-checkout-webhook-url URL | -forward-to URL] [-expiry 30m] [-quiet]", `
Runs the offline QPay simulator of Tap and Checkout.com (package qpaytest)
on a local port until Ctrl-C, for a merchant's manual tests: the real
adapters talk to it unchanged, and every payment gets a QPay-like payment
page to pay, fail or cancel in a browser.

It prints the base URLs to configure, the keys and webhook secret it
accepts, ready-to-paste QPAY_ environment lines for 'qpay get', 'qpay refund'
and providers.FromEnv, and the test cards. The keys are the simulator's own
public test keys, not an account's, which is why they are printed.

Tap posts each charge's webhook to the charge's post.url (PaymentRequest's
WebhookURL). Checkout posts its events to -checkout-webhook-url, and sends
none without it.

--forward-to URL sends every webhook of both providers to URL instead, like
'stripe listen --forward-to': one local endpoint receives them all, each
signed as its provider signs it, whatever post.url a payment named. What a
provider sends no webhook for (a pending or abandoned Tap charge) is not
sent either.
`)
	f.StringVar(&addr, "addr", "127.0.0.1:8089", "the address to listen on; port 0 picks a free one")
	f.StringVar(&hookURL, "checkout-webhook-url", "", "where Checkout's webhook events are POSTed (none when empty)")
	f.StringVar(&forward, "forward-to", "", "send every webhook, Tap's and Checkout's, to this URL (e.g. http://127.0.0.1:8080/qpay/webhook)")
	f.DurationVar(&expiry, "expiry", qpaytest.DefaultExpiry, "how long a payment page stays payable when the request names no expiry")
	f.BoolVar(&quiet, "quiet", false, "do not log requests and webhook deliveries to stderr")
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if expiry <= 0 {
		return usagef("-expiry must be positive, got %v", expiry)
	}
	for _, u := range []struct{ flag, value string }{{"-checkout-webhook-url", hookURL}, {"-forward-to", forward}} {
		if u.value == "" {
			continue
		}
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return usagef("%s %q is not an absolute http(s) URL", u.flag, u.value)
		}
	}
	if hookURL != "" && forward != "" {
		return usagef("-checkout-webhook-url and -forward-to both say where Checkout's webhooks go: pass one")
	}
	opts := qpaytest.Options{Addr: addr, CheckoutWebhookURL: hookURL, ForwardWebhooksTo: forward, Expiry: expiry}
	if !quiet {
		opts.Logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	s, err := qpaytest.NewServer(opts)
	if err != nil {
		return err
	}
	defer s.Close()
	if host, _, err := net.SplitHostPort(addr); err == nil && !isLoopbackHost(host) {
		fmt.Fprintf(e.stderr, "qpay sandbox: warning: listening on %s, beyond loopback; anyone who can reach it can use its public test keys\n", addr)
	}
	printSandbox(e.stdout, s, hookURL, forward, expiry)
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "qpay sandbox: stopping")
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// printSandbox tells a merchant how to point their service at s. Printing
// the keys is safe here and only here: they are qpaytest's published
// defaults, accepted by nothing but the simulator.
func printSandbox(w io.Writer, s *qpaytest.Server, hookURL, forward string, expiry time.Duration) {
	tapHooks := "to each charge's post.url (PaymentRequest.WebhookURL), signed in the hashstring header"
	checkoutHooks := "none sent; start with -checkout-webhook-url URL or -forward-to URL to receive them"
	switch {
	case forward != "":
		tapHooks = "forwarded to " + forward + " (whatever post.url says), signed in the hashstring header"
		checkoutHooks = "forwarded to " + forward + ", signed in Cko-Signature"
	case hookURL != "":
		checkoutHooks = "POSTed to " + hookURL + ", signed in Cko-Signature"
	}
	fmt.Fprintf(w, `qpay sandbox: the offline QPay simulator is listening on %s

Base URLs
  Tap API:        %s
  Checkout API:   %s
  Payment pages:  %s/pay/<token> (each payment's RedirectURL)

Keys (the simulator's public test keys, not an account's)
  Tap secret key:           %s
  Checkout secret key:      %s
  Checkout webhook secret:  %s

Webhooks
  Tap:       %s
  Checkout:  %s

Payment pages stay payable for %v unless the request names an expiry.

`, s.URL(), s.TapBaseURL(), s.CheckoutBaseURL(), s.URL(),
		s.TapSecretKey().Reveal(), s.CheckoutSecretKey().Reveal(), s.CheckoutWebhookSecret().Reveal(),
		tapHooks, checkoutHooks, expiry)

	fmt.Fprintf(w, "# Tap (providers.FromEnv(%q), qpay get, qpay refund)\n", envPrefix)
	envLines(w, [][2]string{
		{envProvider, "tap"},
		{envSecretKey, s.TapSecretKey().Reveal()},
		{envPrefix + "BASE_URL", s.TapBaseURL()},
	})
	fmt.Fprintln(w, "# (Tap signs webhooks with the secret key: no QPAY_WEBHOOK_SECRET)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "# Checkout (providers.FromEnv(%q), qpay get, qpay refund)\n", envPrefix)
	envLines(w, [][2]string{
		{envProvider, "checkout"},
		{envSecretKey, s.CheckoutSecretKey().Reveal()},
		{envWebhookSecret, s.CheckoutWebhookSecret().Reveal()},
		{envPrefix + "BASE_URL", s.CheckoutBaseURL()},
	})
	fmt.Fprintln(w)
	fmt.Fprintf(w, "# The bank's Mastercard Gateway (providers.FromEnv(%q), qpay get, qpay refund;\n", envPrefix)
	fmt.Fprintln(w, "# notifications go to each order's PaymentRequest.WebhookURL, with the secret in X-Notification-Secret)")
	envLines(w, [][2]string{
		{envProvider, "mpgs"},
		{envPrefix + "MERCHANT_ID", s.MPGSMerchantID()},
		{envPrefix + "API_PASSWORD", s.MPGSAPIPassword().Reveal()},
		{envPrefix + "GATEWAY_HOST", s.MPGSHost()},
		{envWebhookSecret, s.MPGSWebhookSecret().Reveal()},
	})
	fmt.Fprintln(w)
	fmt.Fprint(w, testCards())
	fmt.Fprintln(w, "\nServing until Ctrl-C.")
}

// envLines writes shell lines that survive pasting: every value is single
// quoted.
func envLines(w io.Writer, kv [][2]string) {
	for _, p := range kv {
		fmt.Fprintf(w, "export %s='%s'\n", p[0], strings.ReplaceAll(p[1], "'", `'\''`))
	}
}

// testCards is the simulator's outcome table (qpaytest's package
// documentation); the first matching row decides.
func testCards() string {
	var b strings.Builder
	b.WriteString("Test cards (the page asks for a card number, an expiry MM/YY, a 4-digit PIN and an OTP; the first matching row decides)\n")
	rows := [][2]string{
		{qpaytest.DeclineCardNumber, "declined: insufficient funds"},
		{"any other number than " + qpaytest.TestCardNumber, "failed: invalid card number"},
		{"an expiry month that is over", "failed: expired card"},
		{"OTP " + qpaytest.FailedOTP, "declined: authentication failed"},
		{"an amount ending in .51 (" + qpay.Currency + " 10.51)", "declined: insufficient funds"},
		{"an amount ending in .05 (" + qpay.Currency + " 10.05)", "declined by the issuer"},
		{qpaytest.TestCardNumber + ", any future expiry (" + qpaytest.TestCard.Expiry + "), any PIN and OTP", "captured"},
		{"the Cancel button", "canceled"},
		{"the page left past its expiry", "expired"},
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-58s %s\n", r[0], r[1])
	}
	b.WriteString("Refunds\n")
	for _, r := range [][2]string{
		{"an amount ending in .52", "declined"},
		{"any other amount", "pending, then refunded (with its webhook)"},
	} {
		fmt.Fprintf(&b, "  %-58s %s\n", r[0], r[1])
	}
	return b.String()
}
