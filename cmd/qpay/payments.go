package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// callFlags are the flags get and refund share.
type callFlags struct {
	provider string
	json     bool
	verbose  bool
}

func (c *callFlags) register(f *flags) {
	f.StringVar(&c.provider, "provider", "", "tap or checkout; defaults to $QPAY_PROVIDER and must agree with it")
	f.BoolVar(&c.json, "json", false, "print the result as JSON")
	f.BoolVar(&c.verbose, "v", false, "log each HTTP attempt to stderr (never a key, a header or a body)")
}

func (c *callFlags) open(e *env) (*session, error) {
	var logger *slog.Logger
	if c.verbose {
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	}
	return openProvider(e, c.provider, false, logger)
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
	amt, err := money.Parse(amount, qpay.Currency)
	if err != nil {
		return usagef("-amount %q: %v", amount, err)
	}
	req := qpay.RefundRequest{PaymentID: id, Amount: amt, Reference: reference, Reason: reason}
	if err := req.Validate(); err != nil {
		return usagef("%v", err)
	}
	s, err := c.open(e)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(e.stderr, "qpay refund: refunding %s of payment %s with reference %q through %s\n",
		amt, id, reference, describeTarget(s.cfg))
	r, err := s.provider.Refund(ctx, req)
	if err != nil {
		return callFailed(err)
	}
	if c.json {
		return writeJSON(e.stdout, viewRefund(r))
	}
	viewRefund(r).text(e.stdout)
	return nil
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
