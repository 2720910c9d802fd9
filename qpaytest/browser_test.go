package qpaytest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/qpaytest"
	"github.com/qpay-go/qpay/status"
)

// Where the browser test finds Chromium and leaves its screenshots.
const (
	chromiumEnv  = "QPAY_CHROMIUM"  // set by .ci/chromium.sh
	artifactsEnv = "QPAY_ARTIFACTS" // default: artifacts/ at the module root
)

// browserStepTimeout bounds each step in the browser, so that a page that
// never shows what the test waits for fails the test in seconds, with a
// screenshot, instead of hanging until go test's own timeout.
const browserStepTimeout = 10 * time.Second

// TestBrowserPaymentPage is the shopper's side of the flow in a real
// browser, for both providers: the real adapter creates a payment on the
// simulator, headless Chromium opens its redirect URL, fills in the card,
// expiry, PIN and OTP and presses Pay, and lands on the merchant's return
// page, by which time the signed webhook has arrived. What the HTTP helper
// Server.Pay cannot show is shown here: that the form works as a browser
// submits it (field names, the Pay button's value, the 303 followed).
//
// It needs Chromium (Debian's chromium package; .ci/chromium.sh installs it
// and sets QPAY_CHROMIUM). Without one it skips, except under CI=true, where
// it fails. A failure leaves a full-page screenshot of the tab in
// QPAY_ARTIFACTS, or artifacts/ at the module root.
func TestBrowserPaymentPage(t *testing.T) {
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
				sim.SetCheckoutWebhookURL(shop.URL + "/webhook") // Checkout's is per account
			}

			req := qpay.PaymentRequest{
				Amount:     money.MustParse("79.10", qpay.Currency),
				Reference:  "ORD-browser-" + provider,
				Customer:   qpay.Customer{Name: "Mariam Al-Kuwari", Email: "mariam@example.qa"},
				ReturnURL:  shop.URL + "/return",
				WebhookURL: shop.URL + "/webhook", // Tap's post.url
			}
			pay, err := p.CreatePayment(ctx, req)
			require.NoError(t, err)
			require.Equal(t, status.Pending, pay.Status)
			require.NotEmpty(t, pay.RedirectURL)

			tab := openTab(t, browser)

			var amount, reference string
			step(t, tab, "open the payment page",
				chromedp.Navigate(pay.RedirectURL),
				chromedp.WaitVisible("#qpay-form", chromedp.ByQuery),
				chromedp.Text("#amount", &amount, chromedp.ByQuery),
				chromedp.Text("#reference", &reference, chromedp.ByQuery),
			)
			assert.Equal(t, req.Amount.String(), amount, "the page shows what the shopper pays")
			assert.Equal(t, req.Reference, reference)
			checkPageLanguage(t, tab, "en", "ltr", "TEST · SIMULATOR")
			saveScreenshot(t, tab, "en")

			showEveryError(t, tab, "Enter the card number")
			saveScreenshot(t, tab, "en-errors")

			card := qpaytest.TestCard
			var landed, thanks string
			step(t, tab, "correct the entries and pay with the test card",
				chromedp.SetValue("#card_number", card.Number, chromedp.ByQuery),
				chromedp.SetValue("#expiry", card.Expiry, chromedp.ByQuery),
				chromedp.SetValue("#otp", card.OTP, chromedp.ByQuery),
				chromedp.SendKeys("#pin", card.PIN, chromedp.ByQuery),
				chromedp.Click("#pay", chromedp.ByQuery),
				// Only the merchant's page has #thanks: the browser has
				// followed the provider's 303.
				chromedp.WaitVisible("#thanks", chromedp.ByQuery),
				chromedp.Location(&landed),
				chromedp.Text("#thanks", &thanks, chromedp.ByQuery),
			)

			back, err := url.Parse(landed)
			require.NoError(t, err)
			assert.Equal(t, shop.URL+"/return", back.Scheme+"://"+back.Host+back.Path, "the shopper is back at the merchant's return URL")
			assert.Contains(t, thanks, "Thank you")
			returns := shop.returnQueries()
			require.Len(t, returns, 1, "the merchant's return page was loaded once")
			assert.Equal(t, back.Query(), returns[0], "the browser's location is what the merchant received")

			var returnID string
			if provider == qpaytest.ProviderTap {
				returnID = returns[0].Get("tap_id")
				assert.Equal(t, pay.ID, returnID, "Tap adds the charge ID")
			} else {
				returnID = returns[0].Get("cko-session-id")
				assert.True(t, strings.HasPrefix(returnID, "sid_"), "Checkout adds the session ID, got %q", returnID)
			}

			// The simulator delivers webhooks before it sends the shopper
			// back, so the verified event is already here: no waiting.
			ev := shop.paymentEvent(pay.ID, status.Captured)
			require.NotNil(t, ev, "a verified webhook said captured; got %v", shop.eventSummary())
			assert.Equal(t, p.Name(), ev.Provider)
			assert.True(t, req.Amount.Equal(ev.Payment.Amount), "webhook amount %s", ev.Payment.Amount)

			// The return query is only a hint; the merchant reads the
			// payment back, by the ID the return URL carried.
			got, err := p.GetPayment(ctx, returnID)
			require.NoError(t, err)
			assert.Equal(t, pay.ID, got.ID)
			assert.Equal(t, status.Captured, got.Status, "raw %q", got.RawStatus)
		})
	}
}

// TestBrowserPaymentPageInArabic opens each route's QPay page in Arabic
// (Checkout: PaymentRequest.Language "ar", sent as source.language; Tap,
// which has no language field: ?lang=ar on the page URL), checks that it
// is right to left with the banner in Arabic, shows every error at once in
// Arabic keeping what was typed, and pays. Screenshots of the page and of
// its errors are saved as test artefacts either way.
func TestBrowserPaymentPageInArabic(t *testing.T) {
	browser := startChromium(t, findChromium(t))

	for _, provider := range []string{qpaytest.ProviderTap, qpaytest.ProviderCheckout} {
		t.Run(provider, func(t *testing.T) {
			ctx := context.Background()
			sim, err := qpaytest.NewServer(qpaytest.Options{MerchantName: "متجر الواحة"})
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
				Amount:     money.MustParse("245.00", qpay.Currency),
				Reference:  "ORD-ar-" + provider,
				Customer:   qpay.Customer{Name: "مريم الكواري", Email: "mariam@example.qa"},
				ReturnURL:  shop.URL + "/return",
				WebhookURL: shop.URL + "/webhook",
			}
			if provider == qpaytest.ProviderCheckout {
				req.Language = "ar"
			}
			pay, err := p.CreatePayment(ctx, req)
			require.NoError(t, err)
			page := pay.RedirectURL
			if provider == qpaytest.ProviderTap {
				page += "?lang=ar" // Tap sends no language: the simulator's page query
			}

			tab := openTab(t, browser)
			var amount, merchant string
			step(t, tab, "open the Arabic payment page",
				chromedp.Navigate(page),
				chromedp.WaitVisible("#qpay-form", chromedp.ByQuery),
				chromedp.Text("#amount", &amount, chromedp.ByQuery),
				chromedp.Text("#merchant", &merchant, chromedp.ByQuery),
			)
			assert.Equal(t, "245.00 ر.ق", amount)
			assert.Equal(t, "متجر الواحة", merchant)
			checkPageLanguage(t, tab, "ar", "rtl", "تجريبي · محاكي")
			saveScreenshot(t, tab, "ar")

			showEveryError(t, tab, "أدخل رقم البطاقة")
			checkPageLanguage(t, tab, "ar", "rtl", "تجريبي · محاكي")
			saveScreenshot(t, tab, "ar-errors")

			card := qpaytest.TestCard
			step(t, tab, "correct the entries and pay",
				chromedp.SetValue("#card_number", card.Number, chromedp.ByQuery),
				chromedp.SetValue("#expiry", card.Expiry, chromedp.ByQuery),
				chromedp.SetValue("#otp", card.OTP, chromedp.ByQuery),
				chromedp.SendKeys("#pin", card.PIN, chromedp.ByQuery),
				chromedp.Click("#pay", chromedp.ByQuery),
				chromedp.WaitVisible("#thanks", chromedp.ByQuery),
			)
			require.NotNil(t, shop.paymentEvent(pay.ID, status.Captured), "a verified webhook said captured; got %v", shop.eventSummary())
		})
	}
}

// checkPageLanguage asserts the page's lang and dir and its banner.
func checkPageLanguage(t *testing.T, tab context.Context, lang, dir, banner string) {
	t.Helper()
	var gotLang, gotDir, gotBanner string
	step(t, tab, "read the page's language and banner",
		chromedp.Evaluate(`document.documentElement.lang`, &gotLang),
		chromedp.Evaluate(`document.documentElement.dir`, &gotDir),
		chromedp.Text("#banner", &gotBanner, chromedp.ByQuery),
	)
	assert.Equal(t, lang, gotLang)
	assert.Equal(t, dir, gotDir)
	assert.Contains(t, gotBanner, banner, "the TEST/SIMULATOR banner is shown")
}

// showEveryError submits the QPay form with every field wrong but the
// card number's first digits, the expiry and the OTP typed, and checks
// that the page comes back with all four errors at once (each field
// marked aria-invalid and described by its error, the summary focused for
// screen readers), with what was typed kept.
func showEveryError(t *testing.T, tab context.Context, firstError string) {
	t.Helper()
	var summary, number, expiry, otp, pin, focused string
	var errors, invalid, described int
	step(t, tab, "submit the form with every field wrong",
		chromedp.SendKeys("#card_number", "4215 3755", chromedp.ByQuery),
		chromedp.SendKeys("#expiry", "13/49", chromedp.ByQuery),
		chromedp.SendKeys("#otp", "12", chromedp.ByQuery),
		chromedp.Click("#pay", chromedp.ByQuery), // the PIN left empty
		chromedp.WaitVisible("#error", chromedp.ByQuery),
		chromedp.Text("#error", &summary, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#qpay-form .field-error").length`, &errors),
		chromedp.Evaluate(`document.querySelectorAll("#qpay-form [aria-invalid=true]").length`, &invalid),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#qpay-form [aria-invalid=true]")).filter(i => document.getElementById(i.id + "-error") && i.getAttribute("aria-describedby").includes(i.id + "-error")).length`, &described),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
		chromedp.Value("#card_number", &number, chromedp.ByQuery),
		chromedp.Value("#expiry", &expiry, chromedp.ByQuery),
		chromedp.Value("#otp", &otp, chromedp.ByQuery),
		chromedp.Value("#pin", &pin, chromedp.ByQuery),
	)
	assert.Contains(t, summary, firstError)
	assert.Equal(t, 4, errors, "every field's error at once: %s", summary)
	assert.Equal(t, 4, invalid)
	assert.Equal(t, 4, described, "each error is tied to its input")
	assert.Equal(t, "error", focused, "the error summary has the focus, so it is read out")
	assert.Equal(t, "4215 3755", number, "what was typed is kept")
	assert.Equal(t, "13/49", expiry)
	assert.Equal(t, "12", otp)
	assert.Empty(t, pin, "a PIN is never shown back")
}

// saveScreenshot keeps a full-page PNG of the tab, named after the test
// and what it shows, as a test artefact.
func saveScreenshot(t *testing.T, tab context.Context, what string) {
	t.Helper()
	screenshot(t, tab, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())+"-"+what+".png")
}

// findChromium returns the browser to drive: QPAY_CHROMIUM, else the first
// of chromium, chromium-browser and google-chrome on PATH. With none, the
// test skips, saying what is missing; under CI=true it fails instead, as CI
// installs Chromium and must never silently not run this test.
func findChromium(t *testing.T) string {
	t.Helper()
	var missing []string
	if p := os.Getenv(chromiumEnv); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		missing = append(missing, fmt.Sprintf("%s=%q is not an executable", chromiumEnv, p))
	}
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			if len(missing) > 0 {
				t.Logf("%s; using %s", missing[0], path)
			}
			return path
		}
	}
	missing = append(missing, "none of "+strings.Join(names, ", ")+" is on PATH")
	why := "no Chromium found (install Debian's chromium package, or run .ci/chromium.sh, or set " + chromiumEnv + "): " + strings.Join(missing, "; ")
	if os.Getenv("CI") == "true" {
		t.Fatal("browser test cannot run under CI=true: " + why)
	}
	t.Skip("browser test skipped: " + why)
	return ""
}

// startChromium starts one headless Chromium for the whole test, with a
// fresh profile, and stops it (waiting for the process to exit) when the
// test ends.
func startChromium(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		// Root in a container has no usable sandbox, and no GPU.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The machine's network is closed: Chromium's own background
		// connections (updates, sync, QUIC probes) are refused, many at a
		// time, and slow it down. The page is all on loopback.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(800, 900),
		chromedp.WSURLReadTimeout(browserStepTimeout),
	)
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(stopAlloc) // kills the process if it is still there, and waits for it
	browser, stopBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(chromedpError))
	t.Cleanup(stopBrowser)
	t.Cleanup(func() {
		// Ask the browser to close, so that it stops its own helper
		// processes; the cleanups above kill whatever is left after 5s.
		ctx, cancel := context.WithTimeout(browser, 5*time.Second)
		defer cancel()
		if err := chromedp.Cancel(ctx); err != nil {
			t.Logf("closing the browser: %v", err)
		}
	})
	// The first Run starts the browser. It must not carry a timeout, as
	// its context then owns the browser; the start is bounded by
	// WSURLReadTimeout instead.
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return browser
}

// chromedpError logs chromedp's errors as it does by default, less one
// kind: chromedp v0.13.7 (the last release for go 1.23) decodes the
// DevTools protocol of early 2025, and a newer Chromium's events carry enum
// values it does not know yet (IPAddressSpace "Loopback" for every request
// on 127.0.0.1). Such an event is dropped, and none of them is one the test
// waits for; if one were, its step would time out and fail, with a
// screenshot.
func chromedpError(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.HasPrefix(msg, "could not unmarshal event") {
		return
	}
	// Not t.Logf: the browser's goroutines may report after a subtest ends.
	log.Print("chromedp: " + msg)
}

// openTab opens a tab of the browser for one subtest, closed when it ends,
// and registers a full-page screenshot of it for when the subtest fails.
func openTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, closeTab := chromedp.NewContext(browser)
	t.Cleanup(closeTab)
	// Runs before closeTab (cleanups run last first), while the page that
	// failed is still there.
	t.Cleanup(func() {
		if t.Failed() {
			keepScreenshot(t, tab)
		}
	})
	// Create the tab now, without a timeout: the first Run's context owns
	// the tab, and steps below time out without closing it.
	if err := chromedp.Run(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tab
}

// step runs the actions in the tab within browserStepTimeout, failing the
// test with what was being done.
func step(t *testing.T, tab context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		// A wait that times out says only "context deadline exceeded":
		// say where the browser is and what the page told the shopper.
		where, said := "unknown", ""
		lctx, lcancel := context.WithTimeout(tab, time.Second)
		defer lcancel()
		_ = chromedp.Run(lctx,
			chromedp.Location(&where),
			chromedp.Evaluate(`(document.querySelector("#error, #outcome") || {}).textContent || ""`, &said),
		)
		t.Fatalf("browser: %s: %v (at %s, the page says %q)", what, err, where, said)
	}
}

// keepScreenshot saves a full-page PNG of the tab as a test artefact named
// after the test, and logs its path.
func keepScreenshot(t *testing.T, tab context.Context) {
	screenshot(t, tab, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())+".png")
}

// screenshot saves a full-page PNG of the tab under name in the artefacts
// directory, and logs its path.
func screenshot(t *testing.T, tab context.Context, name string) {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	dir, err := artifactsDir()
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the page: %s", path)
}

// artifactsDir is QPAY_ARTIFACTS, or artifacts/ at the module root (which
// .gitignore leaves out of git).
func artifactsDir() (string, error) {
	if dir := os.Getenv(artifactsEnv); dir != "" {
		return filepath.Abs(dir)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "artifacts"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory; set " + artifactsEnv)
		}
		dir = parent
	}
}

// shop is the merchant's side: a return page that thanks the shopper and
// records the query the provider added, and a webhook endpoint
// (qpay.WebhookHandler over the real adapter) that records every verified
// event.
type shop struct {
	*httptest.Server
	mu      sync.Mutex
	returns []url.Values
	events  []*qpay.WebhookEvent
}

func newShop(t *testing.T, p qpay.Provider) *shop {
	t.Helper()
	s := &shop{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /return", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.returns = append(s.returns, r.URL.Query())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>`+
			`<body><h1 id="thanks">Thank you for your order</h1></body></html>`)
	})
	mux.Handle("POST /webhook", qpay.NewWebhookHandler(p, func(_ context.Context, ev *qpay.WebhookEvent) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.events = append(s.events, ev)
		return nil
	}))
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *shop) returnQueries() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.returns...)
}

// paymentEvent is the verified payment event for id with status want, nil
// if none arrived.
func (s *shop) paymentEvent(id string, want status.Status) *qpay.WebhookEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.events {
		if ev.Type == qpay.EventPayment && ev.PaymentID == id && ev.Payment != nil && ev.Payment.Status == want {
			return ev
		}
	}
	return nil
}

// eventSummary lists what arrived, for a failure message.
func (s *shop) eventSummary() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ev := range s.events {
		out = append(out, ev.ID)
	}
	return out
}
