package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
)

// triggerKind is one webhook qpay trigger can send, in each provider's
// words.
type triggerKind struct {
	name, about string
	refund      bool
	tap         string // the raw status of the Tap charge or refund
	checkout    string // the Checkout event type
}

// triggerKinds is a function so that nothing in the program is mutable
// global state.
func triggerKinds() []triggerKind {
	return []triggerKind{
		{"captured", "the shopper paid", false, "CAPTURED", "payment_captured"},
		{"failed", "the payment was declined", false, "DECLINED", "payment_declined"},
		{"canceled", "the shopper canceled on the page", false, "CANCELLED", "payment_canceled"},
		{"expired", "the shopper never paid (Tap: ABANDONED; Tap sends none in reality, see below)", false, "ABANDONED", "payment_expired"},
		{"refund-succeeded", "a refund went through", true, "REFUNDED", "payment_refunded"},
		{"refund-failed", "a refund was declined", true, "DECLINED", "payment_refund_declined"},
	}
}

func kindNames() string {
	var names []string
	for _, k := range triggerKinds() {
		names = append(names, k.name)
	}
	return strings.Join(names, ", ")
}

func runTrigger(ctx context.Context, e *env, args []string) error {
	var (
		c                                         callFlags
		kindName, to, amount, reference, refundID string
	)
	var kinds strings.Builder
	for _, k := range triggerKinds() {
		fmt.Fprintf(&kinds, "  %-17s %s\n", k.name, k.about)
	}
	f := newFlags("trigger", "qpay trigger -kind captured -to URL [-amount 10.00 -reference ORD-1] [-refund-id ID] [-sandbox URL | QPAY_ keys] [-provider tap|checkout] <payment-id>", `
Sends one correctly signed webhook of the chosen kind for a payment to a URL,
the way the provider would deliver it, like 'stripe trigger': for testing a
merchant's webhook endpoint without paying on a page. It prints the event
and the endpoint's answer, and exits 1 when the endpoint does not answer 2xx.

Kinds:
`+kinds.String()+`
The body is built by package qpaytest's signed-webhook builders and signed
with the account's keys: Tap's hashstring with QPAY_SECRET_KEY, Checkout's
Cko-Signature with QPAY_WEBHOOK_SECRET (and QPAY_WEBHOOK_AUTHORIZATION sent
as Authorization when set); -sandbox uses the simulator's public keys.

The amount and reference are read back from the provider unless -amount
(and -reference) are given. A refund kind refunds -amount, or the whole
payment, under refund ID -refund-id (a new one when empty). qpay reads a
Tap refund back before believing its webhook, so for Tap give the ID of a
refund that exists (qpay refund prints it).

Only the webhook is sent: the provider's own state does not change. A
merchant that reads the payment back before acting (qpay does for Tap's
unsigned fields) sees the provider's truth, so against the sandbox pay on
the page first for a "captured" read-back to agree.

trigger refuses a live key: a correctly signed Checkout webhook is a fact to
the merchant's code, and sending one signed with live keys could mark a real
order paid.
`+keysHelp+envHelp)
	c.register(f)
	f.StringVar(&kindName, "kind", "", "the webhook to send: "+kindNames()+" (required)")
	f.StringVar(&to, "to", "", "the merchant's webhook endpoint, e.g. http://127.0.0.1:8080/qpay/webhook (required)")
	f.StringVar(&amount, "amount", "", "the payment's (or refund's) amount in "+qpay.Currency+"; read back from the provider when empty")
	f.StringVar(&reference, "reference", "", "the payment's (or refund's) reference; read back when -amount is empty")
	f.StringVar(&refundID, "refund-id", "", "refund kinds: the refund's ID (re_... at Tap, act_... at Checkout); a new one when empty")
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	id, err := paymentID(rest)
	if err != nil {
		return err
	}
	var kind *triggerKind
	for _, k := range triggerKinds() {
		if k.name == kindName {
			kind = &k
			break
		}
	}
	switch {
	case kindName == "":
		return usagef("-kind is required: one of %s", kindNames())
	case kind == nil:
		return usagef("-kind %q is not one of %s", kindName, kindNames())
	case to == "":
		return usagef("-to is required: the URL of the webhook endpoint to send to")
	}
	if u, err := url.Parse(to); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("-to %q is not an absolute http(s) URL", to)
	}
	if !kind.refund && refundID != "" {
		return usagef("-refund-id is for the refund kinds only, not %s", kind.name)
	}
	var amt money.Money
	if amount != "" {
		if amt, err = parseAmount(amount); err != nil {
			return err
		}
	}

	s, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkIDProvider(s, "payment ID", id); err != nil {
		return err
	}
	if describeKey(s.cfg.SecretKey.Reveal()) != "test key" {
		return usagef("%s is a live key; trigger signs webhooks with test keys only (a signed webhook is a fact to the merchant's code). Use a test account or -sandbox", envSecretKey)
	}
	if amount == "" {
		p, err := s.provider.GetPayment(ctx, id)
		if err != nil {
			return &contextError{msg: fmt.Sprintf("reading payment %s back for its amount and reference (or pass -amount and -reference)", id), err: callFailed(err)}
		}
		amt = p.Amount
		if reference == "" && !kind.refund {
			reference = p.Reference
		}
	}
	if kind.refund && reference == "" {
		reference = "RFD-trigger"
	}

	header, body, desc, err := buildTrigger(s.cfg, *kind, id, refundID, amt, reference)
	if err != nil {
		return err
	}
	req, err := qpaytest.NewWebhookRequest(ctx, to, header, body)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "qpay trigger: sending %s to %s\n", desc, to)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: s.transport(),
		// Providers do not follow a webhook endpoint's redirects either.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("sending to -to %s: %w", to, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	line := strings.TrimSpace(string(bytes.SplitN(answer, []byte("\n"), 2)[0]))
	fmt.Fprintf(e.stdout, "%s\nendpoint answered %s", desc, resp.Status)
	if line != "" {
		fmt.Fprintf(e.stdout, ": %s", line)
	}
	fmt.Fprintln(e.stdout)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the endpoint answered %s: the provider would deliver this webhook again", resp.Status)
	}
	return nil
}

// buildTrigger builds and signs the delivery. desc says what it is, for
// the operator.
func buildTrigger(cfg providers.Config, k triggerKind, paymentID, refundID string, amt money.Money, reference string) (http.Header, []byte, string, error) {
	var (
		body []byte
		err  error
	)
	switch cfg.Provider {
	case providers.Tap:
		if k.refund {
			if refundID == "" {
				refundID = "re_" + randomID()
			}
			body, err = qpaytest.TapRefundJSON(refundID, paymentID, k.tap, amt, reference)
		} else {
			body, err = qpaytest.TapChargeJSON(paymentID, k.tap, amt, reference)
		}
		if err != nil {
			return nil, nil, "", err
		}
		h, err := qpaytest.TapWebhook(cfg.SecretKey, body)
		if err != nil {
			return nil, nil, "", err
		}
		return h, body, describeTrigger("Tap", k.tap, paymentID, refundID, amt, reference), nil
	default:
		if k.refund {
			if refundID == "" {
				refundID = "act_" + randomID()
			}
			body, err = qpaytest.CheckoutRefundEventJSON(k.checkout, paymentID, refundID, amt, reference)
		} else {
			body, err = qpaytest.CheckoutEventJSON(k.checkout, paymentID, amt, reference)
		}
		if err != nil {
			return nil, nil, "", err
		}
		h := qpaytest.CheckoutWebhook(cfg.WebhookSecret, body)
		if a := cfg.WebhookAuthorization.Reveal(); a != "" {
			h.Set("Authorization", a)
		}
		return h, body, describeTrigger("Checkout", k.checkout, paymentID, refundID, amt, reference), nil
	}
}

func describeTrigger(provider, raw, paymentID, refundID string, amt money.Money, reference string) string {
	if refundID != "" {
		return fmt.Sprintf("%s webhook %s: refund %s of %s (reference %q) of payment %s", provider, raw, refundID, amt, reference, paymentID)
	}
	return fmt.Sprintf("%s webhook %s: payment %s of %s (reference %q)", provider, raw, paymentID, amt, reference)
}

// randomID is 24 hex digits for a refund ID the provider never made.
func randomID() string {
	var b [12]byte
	_, _ = crand.Read(b[:]) // never fails since Go 1.24; a zero ID is still an ID
	return "trg" + hex.EncodeToString(b[:])
}

// contextError says what the command was doing when err happened, with
// err's own "qpay: " dropped so that the line says it once.
type contextError struct {
	msg string
	err error
}

func (e *contextError) Error() string { return e.msg + ": " + unprefixed(e.err.Error()) }
func (e *contextError) Unwrap() error { return e.err }
