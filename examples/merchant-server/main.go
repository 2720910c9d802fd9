// Command merchant-server is a small net/http shop that takes QPay through
// qpay: a Buy button that creates the payment and redirects the shopper to
// the QPay page, a return page that reads the payment back from the
// provider, and a webhook endpoint per merchant that verifies deliveries and
// moves the order through the state machine.
//
//	go run ./examples/merchant-server
//
// With no configuration it starts qpay's simulator and three merchants, on
// Tap, on Checkout.com and on a bank's Mastercard Gateway, and prints the shop's address: open it in
// a browser and pay with the test card 4215375500883243 (any future expiry,
// any PIN and OTP). With QPAY_PROVIDER, QPAY_SECRET_KEY, ... set (see
// providers.FromEnv) it serves one merchant, "main", on that real account;
// -base-url must then be the shop's public https address, for the provider's
// return redirect and (Tap) webhooks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "merchant-server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("merchant-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	baseURL := fs.String("base-url", "", "the shop's public URL (default http://<addr>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		*baseURL = "http://" + ln.Addr().String()
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	shop := &Shop{BaseURL: *baseURL, Merchant: providers.NewRegistry(), Store: store.NewMemory(), Logger: logger}

	if _, ok := os.LookupEnv("QPAY_PROVIDER"); ok {
		cfg, err := providers.FromEnv("QPAY_")
		if err != nil {
			return err
		}
		cfg.Logger = logger
		if err := shop.Merchant.Configure("main", cfg); err != nil {
			return err
		}
	} else {
		sim, err := qpaytest.NewServer(qpaytest.Options{})
		if err != nil {
			return err
		}
		defer sim.Close()
		if err := configureSimulated(shop, sim); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "no QPAY_PROVIDER set: using the offline simulator at %s\n", sim.URL())
	}

	srv := &http.Server{Handler: shop.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "shop open at %s\n", *baseURL)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
