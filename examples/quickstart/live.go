package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
)

type liveOptions struct {
	config, amount, reference, returnURL string
}

// runLive creates one real QPay payment and prints where to send the
// shopper. It moves no money by itself: the shopper has to pay on the page.
func runLive(ctx context.Context, o liveOptions, stdout, stderr io.Writer) int {
	cfg, err := liveConfig(o.config)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n(set QPAY_PROVIDER, QPAY_SECRET_KEY and, for checkout, QPAY_WEBHOOK_SECRET; or pass -config file.json)\n", err)
		return 2
	}
	p, err := providers.Open(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 2
	}
	amount, err := money.Parse(o.amount, qpay.Currency)
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: -amount: %v\n", err)
		return 2
	}
	ref := o.reference
	if ref == "" {
		ref = "QS-" + time.Now().UTC().Format("20060102-150405")
	}
	pay, err := p.CreatePayment(ctx, qpay.PaymentRequest{
		Amount:      amount,
		Reference:   ref,
		Description: "qpay quickstart",
		Customer:    qpay.Customer{Name: "QPay Quickstart", Email: "quickstart@example.qa"},
		ReturnURL:   o.returnURL,
	})
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s payment %s: %s (%s), %s, reference %s\n", p.Name(), pay.ID, pay.Status, pay.RawStatus, pay.Amount, pay.Reference)
	fmt.Fprintf(stdout, "send the shopper to (full page, not an iframe):\n%s\n", pay.RedirectURL)
	return 0
}

func liveConfig(path string) (providers.Config, error) {
	if path == "" {
		return providers.FromEnv("QPAY_")
	}
	f, err := os.Open(path)
	if err != nil {
		return providers.Config{}, err
	}
	defer f.Close()
	return providers.LoadJSON(f)
}
