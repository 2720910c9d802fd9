package qpaytest_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// TestBrowserHostedPage is the hosted-page flow in a real browser, for
// both providers: the real adapter creates a payment on the provider's
// hosted page (Tap src_all, Checkout's Hosted Payments Page), headless
// Chromium opens it, the shopper picks QPay among the methods offered and
// pays, lands back at the merchant, the signed webhook has arrived, and
// the return leads back, through qpay.PaymentFromReturn, to a captured
// payment made by QPay. Chromium as for TestBrowserPaymentPage: under
// CI=true it must run.
func TestBrowserHostedPage(t *testing.T) {
	browser := startChromium(t, findChromium(t))

	for _, provider := range []string{qpaytest.ProviderTap, qpaytest.ProviderCheckout} {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			sim, err := qpaytest.NewServer(qpaytest.Options{})
			require.NoError(t, err)
			t.Cleanup(sim.Close)
			var p qpay.Provider
			if provider == qpaytest.ProviderTap {
				p = qpaytest.NewTap(t, sim)
			} else {
				p = qpaytest.NewCheckout(t, sim)
			}
			shop := newShop(t, p)
			if provider == qpaytest.ProviderCheckout {
				sim.SetCheckoutWebhookURL(shop.URL + "/webhook")
			}

			req := qpay.PaymentRequest{
				Amount:     money.MustParse("120.50", qpay.Currency),
				Reference:  "ORD-hosted-" + provider,
				Customer:   qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
				ReturnURL:  shop.URL + "/return",
				FailureURL: shop.URL + "/return",
				WebhookURL: shop.URL + "/webhook",
				Page:       qpay.PageHosted,
			}
			pay, err := p.CreatePayment(ctx, req)
			require.NoError(t, err)
			require.Equal(t, status.Pending, pay.Status)
			require.Equal(t, qpay.PageHosted, pay.Page)

			tab := openTab(t, browser)
			var choose string
			step(t, tab, "open the hosted page, which offers QPay and cards",
				chromedp.Navigate(pay.RedirectURL),
				chromedp.WaitVisible("#choose", chromedp.ByQuery),
				chromedp.WaitVisible("#card-form", chromedp.ByQuery),
				chromedp.WaitVisible("#qpay-form", chromedp.ByQuery),
				chromedp.Text("#choose", &choose, chromedp.ByQuery),
			)
			assert.Contains(t, choose, "QPay")
			checkPageLanguage(t, tab, "en", "ltr", "TEST · SIMULATOR")
			saveScreenshot(t, tab, "choice")

			card := qpaytest.TestCard
			var landed string
			step(t, tab, "pick QPay and pay",
				chromedp.SendKeys("#qpay-form #card_number", card.Number, chromedp.ByQuery),
				chromedp.SendKeys("#qpay-form #expiry", card.Expiry, chromedp.ByQuery),
				chromedp.SendKeys("#qpay-form #pin", card.PIN, chromedp.ByQuery),
				chromedp.SendKeys("#qpay-form #otp", card.OTP, chromedp.ByQuery),
				chromedp.Click("#qpay-form #pay", chromedp.ByQuery),
				chromedp.WaitVisible("#thanks", chromedp.ByQuery),
				chromedp.Location(&landed),
			)
			back, err := url.Parse(landed)
			require.NoError(t, err)
			assert.Equal(t, shop.URL+"/return", back.Scheme+"://"+back.Host+back.Path)

			// The shopper's return leads back to the payment, read from
			// the provider: the query only names it.
			got, err := qpay.PaymentFromReturn(ctx, p, httptest.NewRequest("GET", landed, nil))
			require.NoError(t, err)
			assert.Equal(t, status.Captured, got.Status, "raw %q", got.RawStatus)
			assert.True(t, got.Method.IsQPay(), "the shopper picked QPay: %+v", got.Method)
			assert.NoError(t, got.MethodError())
			assert.Equal(t, qpay.PageHosted, got.Page)
			assert.True(t, req.Amount.Equal(got.Amount))

			ev := shop.paymentEvent(got.ID, status.Captured)
			require.NotNil(t, ev, "a verified webhook said captured; got %v", shop.eventSummary())
			assert.True(t, ev.Payment.Method.IsQPay())

			again, err := p.GetPayment(ctx, pay.ID)
			require.NoError(t, err, "the ID CreatePayment returned leads to the same payment")
			assert.Equal(t, got.ID, again.ID)
		})
	}
}
