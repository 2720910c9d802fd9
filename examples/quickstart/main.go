// Command quickstart runs the whole QPay flow, offline, for Tap,
// Checkout.com and the acquiring bank's Mastercard Gateway in turn:
//
//	go run ./examples/quickstart
//
// It starts qpay's simulator on loopback and, for each provider, plays a
// merchant's service and its shopper: it creates a QPay payment, completes
// the hosted payment page with form posts as a browser would, receives and
// verifies the webhook, lands on the return URL and reads the payment back
// as Captured, then refunds part of it and then the rest. It prints one
// timeline per route and exits 1 if any step does not reach the state it
// should.
//
// With a real account it creates one real QPay payment and prints the URL
// to send the shopper to. Keys come from the environment (QPAY_PROVIDER,
// QPAY_SECRET_KEY, QPAY_WEBHOOK_SECRET, see providers.FromEnv) or from a
// JSON file named by -config, never from a flag's value, which would end up
// in shell history:
//
//	QPAY_PROVIDER=tap QPAY_SECRET_KEY=sk_test_... go run ./examples/quickstart -live \
//	    -amount 1.00 -return-url https://shop.example/qpay/return
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	live := fs.Bool("live", false, "create a real payment with the account configured in the environment or -config, instead of the offline flow")
	config := fs.String("config", "", "with -live: a JSON file with the provider configuration (see providers.LoadJSON)")
	amount := fs.String("amount", "1.00", "with -live: the amount in QAR")
	reference := fs.String("reference", "", "with -live: the order reference (default: a new one)")
	returnURL := fs.String("return-url", "", "with -live: where the provider sends the shopper back (https)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *live {
		return runLive(ctx, liveOptions{config: *config, amount: *amount, reference: *reference, returnURL: *returnURL}, stdout, stderr)
	}
	return runOffline(ctx, stdout, stderr)
}
