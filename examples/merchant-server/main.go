// Command merchant-server is a small net/http shop that takes QPay through
// qpay: a Buy button that creates the payment and redirects the shopper to
// the QPay page, a return page that reads the payment back from the
// provider, and a webhook endpoint per merchant that verifies deliveries and
// moves the order through the state machine.
//
//	QPAY_PROVIDER=tap QPAY_SECRET_KEY=sk_... go run ./examples/merchant-server -base-url https://shop.example
//	go run ./examples/merchant-server -simulator
//
// It fails closed: with no configuration it refuses to start and says what
// to set, rather than quietly taking payments nobody will ever receive.
// With QPAY_PROVIDER, QPAY_SECRET_KEY, ... set (see providers.FromEnv) it
// serves one merchant, "main", on that real account; -base-url must then be
// the shop's public https address, for the provider's return redirect and
// (Tap) webhooks.
//
// Only the explicit -simulator flag starts qpay's offline simulator
// (simulator.go, the one file that imports qpaytest) with three merchants,
// on Tap, on Checkout.com and on a bank's Mastercard Gateway: open the
// printed address in a browser and pay with the test card
// 4215375500883243 (any future expiry, any PIN and OTP). -simulator
// together with a QPAY_PROVIDER is refused, so that a real account is never
// half-configured next to the simulator.
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
	"github.com/qpay-go/qpay/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "merchant-server:", err)
		os.Exit(1)
	}
}

// run is main without the process; lookup reads the environment.
func run(ctx context.Context, args []string, stdout io.Writer, lookup func(string) (string, bool)) error {
	fs := flag.NewFlagSet("merchant-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	baseURL := fs.String("base-url", "", "the shop's public URL (default http://<addr>)")
	simulated := fs.Bool("simulator", false, "run qpay's offline simulator with two test merchants instead of a real account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, configured := lookup("QPAY_PROVIDER")
	switch {
	case *simulated && configured:
		return errors.New("-simulator and QPAY_PROVIDER are both set: choose the simulator or the real account")
	case !*simulated && !configured:
		return errors.New("no configuration: set QPAY_PROVIDER, QPAY_SECRET_KEY (and for Checkout QPAY_WEBHOOK_SECRET; see providers.FromEnv), " +
			"or pass -simulator to run the offline simulator")
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

	if *simulated {
		closeSim, err := startSimulator(shop, stdout)
		if err != nil {
			ln.Close()
			return err
		}
		defer closeSim()
	} else {
		cfg, err := providers.FromLookup("QPAY_", lookup)
		if err != nil {
			ln.Close()
			return err
		}
		cfg.Logger = logger
		if err := shop.Merchant.Configure("main", cfg); err != nil {
			ln.Close()
			return err
		}
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
