package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// callFlags are the flags get and refund share.
type callFlags struct {
	provider string
	sandbox  string
	json     bool
	verbose  bool
}

func (c *callFlags) register(f *flags) {
	f.StringVar(&c.provider, "provider", "", "tap or checkout; defaults to $QPAY_PROVIDER and must agree with it")
	f.BoolVar(&c.json, "json", false, "print the result as JSON")
	f.BoolVar(&c.verbose, "v", false, "log each HTTP attempt to stderr (never a key, a header or a body)")
	f.StringVar(&c.sandbox, "sandbox", "", "the URL of a running 'qpay sandbox' (http://127.0.0.1:8089): use it and its public test keys instead of QPAY_ keys")
}

func (c *callFlags) open(e *env) (*session, error) {
	var logger *slog.Logger
	if c.verbose {
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	return openProviderAt(e, c.provider, c.sandbox, false, logger)
}

// The ID prefixes of each provider, for refusing an ID meant for the other
// one before any call: sent to the wrong provider it answers 404 at best,
// and the operator learns nothing.
var idPrefixes = map[string][]string{
	"tap":      {"chg_", "re_"},
	"checkout": {"pay_", "sid_", "act_"},
}

// providerNames are the providers' names as operators know them.
var providerNames = map[string]string{"tap": "Tap", "checkout": "Checkout.com"}

// checkIDProvider refuses id when its prefix belongs to another provider
// than the session's.
func checkIDProvider(s *session, what, id string) error {
	for other, prefixes := range idPrefixes {
		if other == s.cfg.Provider {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(id, p) {
				return usagef("%s %s is a %s ID (%s...), but the provider is %s (%s); nothing was sent",
					what, id, providerNames[other], p, s.cfg.Provider, s.providerFrom)
			}
		}
	}
	return nil
}

// paymentID takes the one argument get and refund want.
func paymentID(args []string) (string, error) {
	if len(args) != 1 {
		return "", usagef("want exactly one payment ID, got %d arguments", len(args))
	}
	if err := qpay.ValidateID(args[0]); err != nil {
		return "", usagef("payment ID %v", err)
	}
	return args[0], nil
}

func runGet(ctx context.Context, e *env, args []string) error {
	var c callFlags
	f := newFlags("get", "qpay get [-provider tap|checkout] [-json] [-v] <payment-id>", `
Reads a payment back from the provider configured in the environment and
prints it: status (normalized, and the provider's own word), amount, the
amount refunded when the provider reports it, reference, the page to send
the shopper to while it is pending, and the failure reason.

The ID is Tap's chg_..., or Checkout's pay_... or the sid_... session ID the
shopper's return URL carries. Point QPAY_BASE_URL at 'qpay sandbox' to try it
offline.
`+keysHelp+envHelp)
	c.register(f)
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	id, err := paymentID(rest)
	if err != nil {
		return err
	}
	s, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkIDProvider(s, "payment ID", id); err != nil {
		return err
	}
	p, err := s.provider.GetPayment(ctx, id)
	if err != nil {
		return callFailed(err)
	}
	if c.json {
		return writeJSON(e.stdout, viewPayment(p))
	}
	viewPayment(p).text(e.stdout)
	return nil
}

func runRefund(ctx context.Context, e *env, args []string) error {
	var (
		c                         callFlags
		amount, reference, reason string
	)
	f := newFlags("refund", "qpay refund -amount 10.00 -reference RFD-1 [-reason text] [-provider tap|checkout] [-json] [-v] <payment-id>", `
Refunds all or part of a captured payment, in QAR, at the provider configured
in the environment. There is no confirmation prompt: the command prints what
it is about to do to stderr, then the refund the provider answered.

-amount is required: there is no "everything" default, so a forgotten flag
can never refund a whole order. Use 'qpay get' to see what was paid.

-reference is required because it makes running the command again safe: if
the payment already has a refund with that reference (after a timeout, a
crash, or a second run), that refund is printed instead of a second one being
made. A new refund needs a new reference.
`+keysHelp+envHelp)
	c.register(f)
	f.StringVar(&amount, "amount", "", "the amount to give back in "+qpay.Currency+", e.g. 10.00 (required)")
	f.StringVar(&reference, "reference", "", "the merchant's unique refund reference, e.g. RFD-1 (required)")
	f.StringVar(&reason, "reason", "", `shown in the provider's dashboard (Tap receives "requested_by_customer" when empty)`)
	rest, err := f.parse(args)
	if err != nil {
		return err
	}
	id, err := paymentID(rest)
	if err != nil {
		return err
	}
	if amount == "" {
		return usagef("-amount is required (there is no implicit full refund)")
	}
	if reference == "" {
		return usagef("-reference is required: it is what makes running the command again safe")
	}
	amt, err := parseAmount(amount)
	if err != nil {
		return err
	}
	req := qpay.RefundRequest{PaymentID: id, Amount: amt, Reference: reference, Reason: reason}
	if err := req.Validate(); err != nil {
		return usagef("%s", flagNames(err, map[string]string{"reference": "-reference", "reason": "-reason", "amount": "-amount"}))
	}
	s, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.close()
	if err := checkIDProvider(s, "payment ID", id); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "qpay refund: refunding %s of payment %s with reference %q through %s\n",
		amt, id, reference, describeTarget(s.cfg))
	r, err := s.provider.Refund(ctx, req)
	if err != nil {
		return callFailed(err)
	}
	if r.Existing {
		// Said plainly: the operator may think they just gave money back.
		fmt.Fprintf(e.stderr, "qpay refund: already refunded: payment %s has refund %s of %s under reference %q (%s); nothing new was refunded\n",
			id, r.ID, r.Amount, r.Reference, r.Status)
	}
	if c.json {
		return writeJSON(e.stdout, viewRefund(r))
	}
	viewRefund(r).text(e.stdout)
	return nil
}

// parseAmount reads the -amount flag in QAR.
func parseAmount(amount string) (money.Money, error) {
	amt, err := money.Parse(amount, qpay.Currency)
	if err != nil {
		// money's message starts with "money: "; the flag is what the
		// operator typed.
		return money.Money{}, usagef("-amount %q: %s", amount, strings.TrimPrefix(err.Error(), "money: "))
	}
	return amt, nil
}

// flagNames turns a request's validation error into the flags' words: the
// "qpay: invalid_request: " prefix goes (the command already says where it
// is), and each field named at the start of a problem becomes its flag.
func flagNames(err error, fields map[string]string) string {
	var e *qpay.Error
	msg := err.Error()
	if errors.As(err, &e) && e.Message != "" {
		msg = e.Message
	}
	problems := strings.Split(msg, "; ")
	for i, p := range problems {
		for field, flag := range fields {
			if rest, ok := strings.CutPrefix(p, field+" "); ok {
				problems[i] = flag + " " + rest
				break
			}
		}
	}
	return strings.Join(problems, "; ")
}

// callFailed adds to a provider's error what the operator can do about it.
func callFailed(err error) error {
	var hint string
	switch {
	case qpayKind(err) == qpay.KindNetwork:
		hint = "the provider may or may not have acted; run the same command again to find out"
	case qpayKind(err).Retryable():
		hint = "a later retry of the same command may succeed"
	}
	if hint == "" {
		return err
	}
	return fmt.Errorf("%w (%s)", err, hint)
}
