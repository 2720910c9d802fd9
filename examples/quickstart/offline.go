package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/reconcile"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// runOffline plays the flow against the simulator for the three routes:
// Tap, Checkout.com and the acquiring bank's Mastercard Gateway.
func runOffline(ctx context.Context, stdout, stderr io.Writer) int {
	sim, err := qpaytest.NewServer(qpaytest.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "quickstart: starting the simulator: %v\n", err)
		return 1
	}
	defer sim.Close()
	fmt.Fprintf(stdout, "qpay quickstart: offline, against the simulator at %s\n", sim.URL())

	failed := false
	for _, name := range []string{providers.Tap, providers.Checkout, providers.MPGS} {
		if err := flow(ctx, sim, name, stdout); err != nil {
			fmt.Fprintf(stderr, "quickstart: %s: %v\n", name, err)
			failed = true
		}
	}
	if failed {
		fmt.Fprintln(stdout, "\nFAILED: at least one step did not reach the expected state.")
		return 1
	}
	fmt.Fprintln(stdout, "\nOK: all three routes went pending -> captured -> partially refunded -> refunded, and an abandoned payment reached expired.")
	return 0
}

// shop is the merchant's side: its provider, its webhook endpoint and the
// store the webhooks move.
type shop struct {
	p      qpay.Provider
	store  *store.Memory
	server *httptest.Server

	mu        sync.Mutex
	events    []*qpay.WebhookEvent
	fulfilled []store.Result // what fulfil was told to act on
	seen      chan struct{}
	returned  *qpay.Payment // what the return page read back
}

func newShop(sim *qpaytest.Server, name string) (*shop, error) {
	p, err := providers.Open(sim.Config(name))
	if err != nil {
		return nil, err
	}
	s := &shop{p: p, store: store.NewMemory(), seen: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks", qpay.NewWebhookHandler(p, s.onEvent))
	mux.HandleFunc("GET /return", func(w http.ResponseWriter, r *http.Request) {
		// Never trust the query: the payment is read back from the provider.
		pay, err := qpay.PaymentFromReturn(r.Context(), p, r)
		if err != nil {
			http.Error(w, "we could not confirm your payment", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.returned = pay
		s.mu.Unlock()
		fmt.Fprintf(w, "Thank you: payment %s is %s.", pay.ID, pay.Status)
	})
	s.server = httptest.NewServer(mux)
	if name == providers.Checkout {
		sim.SetCheckoutWebhookURL(s.server.URL + "/webhooks") // Checkout's is set on the account
	}
	return s, nil
}

// onEvent is the merchant's webhook function: de-duplicated and ordered by
// the store, recorded, then handed to fulfil.
func (s *shop) onEvent(ctx context.Context, ev *qpay.WebhookEvent) error {
	_, err := s.store.Process(ctx, ev, func(ctx context.Context, r store.Result) error {
		s.mu.Lock()
		s.events = append(s.events, ev)
		s.mu.Unlock()
		select { // wake a waiter, if any; never block the webhook
		case s.seen <- struct{}{}:
		default:
		}
		return s.fulfil(ctx, r)
	})
	return err
}

// fulfil is where a shop ships orders, written once: the webhook path and
// the reconciler both call it with the store's Result. This one counts
// what it was told to act on.
func (s *shop) fulfil(_ context.Context, r store.Result) error {
	if r.Applied {
		s.mu.Lock()
		s.fulfilled = append(s.fulfilled, r)
		s.mu.Unlock()
	}
	return nil
}

// reconciler reads back the shop's overdue payments from its provider and
// applies them through the same store and the same fulfil.
func (s *shop) reconciler() *reconcile.Reconciler {
	return &reconcile.Reconciler{
		Store:    s.store,
		Provider: func(string) (qpay.Provider, error) { return s.p, nil }, // one merchant; a Registry's Get for several
		Handle:   s.fulfil,
		// A real shop keeps the default (the longest page expiry plus a
		// grace, 65 minutes); the quickstart does not wait.
		PaymentAfter: time.Nanosecond,
	}
}

// waitFor waits for a webhook the shop accepted that matches: deliveries
// also include events the flow does not wait for (Checkout's
// payment_pending), and arrive in no promised order.
func (s *shop) waitFor(ctx context.Context, what string, match func(*qpay.WebhookEvent) bool) (*qpay.WebhookEvent, error) {
	timeout := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		for _, ev := range s.events {
			if match(ev) {
				s.mu.Unlock()
				return ev, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-s.seen:
		case <-timeout:
			return nil, fmt.Errorf("no %s webhook arrived within 5s", what)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// timeline prints one aligned row per step.
type timeline struct{ w *tabwriter.Writer }

func (t timeline) row(step, st, raw string, amount money.Money, note string) {
	a := "-"
	if amount.Currency() != "" {
		a = amount.String()
	}
	fmt.Fprintf(t.w, "  %s\t%s\t%s\t%s\t%s\n", step, st, raw, a, note)
}

// expect turns a wrong state into the error that fails the run.
func expect[S comparable](what string, got, want S) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}

func flow(ctx context.Context, sim *qpaytest.Server, name string, stdout io.Writer) (err error) {
	s, err := newShop(sim, name)
	if err != nil {
		return err
	}
	defer s.server.Close()

	fmt.Fprintf(stdout, "\n== %s ==\n", name)
	t := timeline{tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.w, "  STEP\tSTATUS\tRAW STATUS\tAMOUNT\tNOTE")
	defer func() {
		if err != nil {
			t.row("FAILED", "", "", money.Money{}, err.Error())
		}
		t.w.Flush()
	}()

	// 1. The merchant creates the payment.
	pay, err := s.p.CreatePayment(ctx, qpay.PaymentRequest{
		Amount:      money.MustParse("79.10", qpay.Currency),
		Reference:   "ORD-" + name + "-1",
		Description: "Two karak teas and a cake",
		Customer:    qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL:   s.server.URL + "/return",
		WebhookURL:  s.server.URL + "/webhooks", // Tap's post.url, the gateway's order.notificationUrl
	})
	if err != nil {
		return err
	}
	t.row("create payment", pay.Status.String(), pay.RawStatus, pay.Amount, pay.ID)
	if err := expect("created", pay.Status, status.Pending); err != nil {
		return err
	}
	if err := s.store.Track(ctx, pay); err != nil {
		return err
	}

	// 2. The shopper pays on the hosted QPay page (HTTP form posts).
	back, err := sim.Pay(ctx, pay.RedirectURL, qpaytest.TestCard)
	if err != nil {
		return err
	}
	t.row("shopper pays on the page", "", "", money.Money{}, "card "+qpaytest.TestCard.Number)

	// 3. The provider's signed webhook reaches the merchant and is verified.
	ev, err := s.waitFor(ctx, "payment outcome", func(ev *qpay.WebhookEvent) bool {
		st := ev.Payment.Status // the outcome, whichever it is; pending ones are not
		return ev.Type == qpay.EventPayment && ev.PaymentID == pay.ID && (st.Succeeded() || st.Failure())
	})
	if err != nil {
		return err
	}
	t.row("webhook verified", ev.Payment.Status.String(), ev.Payment.RawStatus, ev.Payment.Amount, "event "+ev.ID)
	if err := expect("webhook", ev.Payment.Status, status.Captured); err != nil {
		return err
	}

	// 4. The shopper lands on the return URL; the shop reads the payment back.
	resp, err := http.Get(back.String())
	if err != nil {
		return err
	}
	resp.Body.Close()
	if err := expect("return page", resp.StatusCode, http.StatusOK); err != nil {
		return err
	}
	s.mu.Lock()
	got := s.returned
	s.mu.Unlock()
	t.row("return URL, read back", got.Status.String(), got.RawStatus, got.Amount, back.RawQuery)
	if err := expect("read back", got.Status, status.Captured); err != nil {
		return err
	}

	// 5. Refund part, then the rest.
	for i, amount := range []string{"30.00", "49.10"} {
		r, err := s.p.Refund(ctx, qpay.RefundRequest{
			PaymentID: pay.ID,
			Amount:    money.MustParse(amount, qpay.Currency),
			Reference: fmt.Sprintf("RFD-%s-%d", name, i+1),
		})
		if err != nil {
			return err
		}
		t.row(fmt.Sprintf("refund %d asked", i+1), "refund "+r.Status.String(), r.RawStatus, r.Amount, r.ID)
		ev, err := s.waitFor(ctx, "refund", func(ev *qpay.WebhookEvent) bool {
			return ev.Type == qpay.EventRefund && ev.Refund.ID == r.ID && ev.Refund.Status.Terminal()
		})
		if err != nil {
			return err
		}
		t.row(fmt.Sprintf("refund %d webhook", i+1), "refund "+ev.Refund.Status.String(), ev.Refund.RawStatus, ev.Refund.Amount, "event "+ev.ID)
		if err := expect("refund webhook", ev.Refund.Status, status.RefundSucceeded); err != nil {
			return err
		}
		stored, err := s.store.Payment(ctx, pay.Account, name, pay.ID)
		if err != nil {
			return err
		}
		want := []status.Status{status.PartiallyRefunded, status.Refunded}[i]
		t.row("  payment in the shop's store", stored.Status.String(), "", stored.Refunded, "refunded so far")
		if err := expect("stored status", stored.Status, want); err != nil {
			return err
		}
	}

	// 6. The provider's own word at the end.
	final, err := s.p.GetPayment(ctx, pay.ID)
	if err != nil {
		return err
	}
	note := ""
	if name == providers.Tap {
		note = "Tap's charge keeps CAPTURED after refunds"
	}
	t.row("read back at the end", final.Status.String(), final.RawStatus, final.Amount, note)

	// 7. Another shopper leaves the page without paying. Tap sends no
	// webhook for an abandoned payment (Checkout sends payment_expired):
	// the reconciler reads it back and fulfil hears of it once, either way.
	left, err := s.p.CreatePayment(ctx, qpay.PaymentRequest{
		Amount:    money.MustParse("12.00", qpay.Currency),
		Reference: "ORD-" + name + "-2",
		Customer:  qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL: s.server.URL + "/return",
	})
	if err != nil {
		return err
	}
	if err := s.store.Track(ctx, left); err != nil {
		return err
	}
	t.row("abandoned payment", left.Status.String(), left.RawStatus, left.Amount, left.ID)
	if err := sim.Expire(left.ID); err != nil {
		return err
	}
	stats, err := s.reconciler().RunOnce(ctx)
	if err != nil {
		return err
	}
	stored, err := s.store.Payment(ctx, left.Account, name, left.ID)
	if err != nil {
		return err
	}
	how := "by the reconciler: no webhook came"
	if stats.Applied == 0 {
		how = "by its webhook: the reconciler had nothing to do"
	}
	t.row("  after the reconciler", stored.Status.String(), stored.RawStatus, stored.Amount, how)
	if err := expect("abandoned payment", stored.Status, status.Expired); err != nil {
		return err
	}
	s.mu.Lock()
	acted := 0
	for _, r := range s.fulfilled {
		if r.Payment != nil && r.Payment.ID == left.ID && r.Current == status.Expired {
			acted++
		}
	}
	s.mu.Unlock()
	return expect("fulfil calls for the expiry", acted, 1)
}
