package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/store"
)

// Shop is a small multi-merchant web shop: each merchant has its own
// provider account (Tap or Checkout) in a providers.Registry, and one store
// keeps every payment's state as the webhooks move it.
type Shop struct {
	// BaseURL is where shoppers and providers reach the shop, e.g.
	// https://shop.example; return and webhook URLs are built from it.
	BaseURL  string
	Merchant *providers.Registry
	Store    store.Store
	Logger   *slog.Logger

	orders sync.Map     // payment ID -> order, for the pages
	seq    atomic.Int64 // order numbers
}

type order struct {
	// Account is the payment's merchant account in the store
	// (qpay.Payment.Account), which the Registry sets to the merchant ID.
	Merchant, Account, Reference, PaymentID string
	Amount                                  money.Money
}

// Handler routes the shop's pages and endpoints.
func (s *Shop) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("POST /buy/{merchant}", s.buy)
	mux.HandleFunc("GET /return/{merchant}", s.returned)
	mux.Handle("POST /webhooks/{merchant}", &qpay.WebhookHandler{
		Provider: s.Merchant.Resolver(func(r *http.Request) string { return r.PathValue("merchant") }),
		Handle:   s.onWebhook,
		Logger:   s.Logger,
	})
	mux.HandleFunc("GET /orders", s.list)
	return mux
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<title>Karak &amp; Co.</title>
<h1>Karak &amp; Co.</h1>
<p>Two karak teas and a cake, QAR 79.10.</p>
{{range .}}<form method="post" action="/buy/{{.}}"><button>Pay with QPay ({{.}})</button></form>
{{end}}<p><a href="/orders">Orders</a></p>`))

func (s *Shop) home(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = homePage.Execute(w, s.Merchant.Merchants())
}

// buy creates the payment and sends the shopper to the QPay page, as a
// full-page redirect (QPay pages must not be framed).
func (s *Shop) buy(w http.ResponseWriter, r *http.Request) {
	merchant := r.PathValue("merchant")
	p, err := s.Merchant.Get(merchant)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ref := fmt.Sprintf("ORD-%d", 10000+s.seq.Add(1))
	pay, err := p.CreatePayment(r.Context(), qpay.PaymentRequest{
		Amount:      money.MustParse("79.10", qpay.Currency),
		Reference:   ref,
		Description: "Two karak teas and a cake",
		Customer:    qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
		ReturnURL:   s.BaseURL + "/return/" + merchant,
		WebhookURL:  s.BaseURL + "/webhooks/" + merchant, // Tap's post.url, the gateway's order.notificationUrl; Checkout's is set on the account
		// The order reference makes a retried click safe across restarts.
		IdempotencyKey: merchant + ":" + ref,
	})
	if err != nil {
		s.fail(w, r, "could not start the payment", err)
		return
	}
	if err := s.Store.Track(r.Context(), pay); err != nil {
		s.fail(w, r, "could not record the payment", err)
		return
	}
	s.orders.Store(pay.ID, order{Merchant: merchant, Account: pay.Account, Reference: ref, PaymentID: pay.ID, Amount: pay.Amount})
	// A full page, never an iframe: a redirect, or the page the bank's
	// gateway gives instead of a URL.
	if err := qpay.SendShopper(w, r, pay); err != nil {
		s.fail(w, r, "could not start the payment", err)
	}
}

// returned is the shopper coming back: the payment is read back from the
// provider, never taken from the query.
func (s *Shop) returned(w http.ResponseWriter, r *http.Request) {
	p, err := s.Merchant.Get(r.PathValue("merchant"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	pay, err := qpay.PaymentFromReturn(r.Context(), p, r)
	if err != nil {
		s.fail(w, r, "we could not confirm your payment", err)
		return
	}
	switch {
	case pay.Status.Succeeded():
		fmt.Fprintf(w, "Thank you! Order %s is paid (%s).\n", pay.Reference, pay.Amount)
	case pay.Status.Failure():
		fmt.Fprintf(w, "Your payment for order %s did not go through (%s). Nothing was charged.\n", pay.Reference, pay.Status)
	default:
		fmt.Fprintf(w, "Your payment for order %s is %s; we will confirm it shortly.\n", pay.Reference, pay.Status)
	}
}

// onWebhook applies a verified event through the store, which drops
// duplicates and stale events; here is where an order would be shipped.
func (s *Shop) onWebhook(ctx context.Context, ev *qpay.WebhookEvent) error {
	_, err := s.Store.Process(ctx, ev, func(_ context.Context, res store.Result) error {
		if res.Applied && s.Logger != nil {
			s.Logger.Info("payment moved", "payment", ev.PaymentID, "from", res.Previous, "to", res.Current, "event", ev.ID)
		}
		return nil
	})
	return err
}

// list shows every order with the status the webhooks gave it.
func (s *Shop) list(w http.ResponseWriter, r *http.Request) {
	var rows []string
	s.orders.Range(func(_, v any) bool {
		o := v.(order)
		st := "unknown"
		p, err := s.Merchant.Get(o.Merchant)
		if err == nil {
			if sp, err := s.Store.Payment(r.Context(), o.Account, p.Name(), o.PaymentID); err == nil {
				st = sp.Status.String()
			}
		}
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", o.Reference, o.Merchant, o.PaymentID, o.Amount, st))
		return true
	})
	sort.Strings(rows)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, row := range rows {
		fmt.Fprintln(w, row)
	}
}

func (s *Shop) fail(w http.ResponseWriter, r *http.Request, msg string, err error) {
	if s.Logger != nil {
		s.Logger.Warn(msg, "path", r.URL.Path, "error", err)
	}
	code := http.StatusBadGateway
	if errors.Is(err, qpay.KindInvalidRequest) || errors.Is(err, qpay.KindNotFound) {
		code = http.StatusBadRequest
	}
	http.Error(w, msg, code)
}
