package main

import (
	"fmt"
	"io"

	"github.com/qpay-go/qpay/qpaytest"
)

// This file is the only one of the shop that imports qpaytest, and it runs
// only with the explicit -simulator flag. Copy the rest into a service;
// leave this file out (imports_test.go checks that no other file needs it).

// startSimulator starts the offline simulator and configures the shop's two
// test merchants on it. It returns the function that stops it.
func startSimulator(shop *Shop, stdout io.Writer) (func(), error) {
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	if err != nil {
		return nil, err
	}
	if err := configureSimulated(shop, sim); err != nil {
		sim.Close()
		return nil, err
	}
	fmt.Fprintf(stdout, "-simulator: the offline simulator is at %s; no real money moves\n", sim.URL())
	return sim.Close, nil
}

// configureSimulated gives the shop three merchants on the simulator, one
// per route, the way real merchants would be configured.
func configureSimulated(shop *Shop, sim *qpaytest.Server) error {
	sim.SetCheckoutWebhookURL(shop.BaseURL + "/webhooks/shop-checkout")
	for merchant, provider := range map[string]string{"shop-tap": qpaytest.ProviderTap, "shop-checkout": qpaytest.ProviderCheckout, "shop-bank": qpaytest.ProviderMPGS} {
		cfg := sim.Config(provider)
		cfg.Logger = shop.Logger
		if err := shop.Merchant.Configure(merchant, cfg); err != nil {
			return err
		}
	}
	return nil
}
