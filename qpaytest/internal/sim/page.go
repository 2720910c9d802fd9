package sim

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qpay-go/qpay/status"
)

// The hosted payment page: what a shopper sees at transaction.url (Tap),
// _links.redirect.href (Checkout) or the gateway's redirect. One template
// (page.html), one stylesheet (page.css) and one small script (page.js)
// serve every route and language; a route supplies data only (Page), the
// words are in words.go. Its element IDs are stable, for browser tests:
// header#banner, #merchant, #amount, #reference, time#expires (and
// #countdown, filled by the script), form#qpay-form, inputs #card_number,
// #expiry, #pin, #otp, buttons #pay and #cancel; after a refused form
// div#error (the summary, every problem at once) and p#<input>-error
// next to each input; aside#test-cards; and on a finished payment
// p#outcome (with a data-status attribute) and a#return.

// The documented test cards (see the package documentation).
const (
	TestCardNumber    = "4215375500883243" // Tap's NAPS/QPay test card: captured
	DeclineCardNumber = "4000000000000002" // declined, insufficient funds
	FailedOTP         = "000000"           // declined, authentication failed
)

//go:embed page.html
var pageHTML string

//go:embed page.css
var pageCSS string

//go:embed page.js
var pageJS string

// pageTemplate is the one page of every route, in every language: the
// route supplies data (Page), words.go the words.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{"group": groupDigits}).Parse(pageHTML))

// pagePolicy allows the page's own style and script only (by hash), so
// that nothing a merchant sent (a reference, a name) can run, even if an
// escape were missed; and no framing, as providers' pages refuse it.
var pagePolicy = "default-src 'none'; style-src '" + hashSource(pageCSS) + "'; script-src '" + hashSource(pageJS) +
	"'; base-uri 'none'; frame-ancestors 'none'"

func hashSource(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// doha is Qatar's time zone (UTC+3 all year, no daylight saving), in
// which the page states its expiry.
var doha = time.FixedZone("Doha", 3*60*60)

type pageData struct {
	W          *words
	CSS        template.CSS
	Script     template.JS
	NotFound   bool
	Amount     string
	Merchant   string
	Provider   string
	Reference  string
	Pending    bool
	Action     string
	ExpiresISO string
	// ExpiresText is the expiry in Doha time, what the page says without
	// JavaScript; Remaining the seconds left, from which the script counts
	// down (the simulator's clock, which a test may inject, not the
	// browser's).
	ExpiresText string
	Remaining   int64
	Forms       []pageForm
	Errors      []pageError // every problem at once, in the form's order
	Status      string
	Outcome     string
	Return      string
	QPay        bool // the QPay form is shown
	Card        bool // the card form is shown (a hosted page)
	Choice      bool // both are: the shopper picks one

	TestCard, DeclineCard, TestVisa, FailedOTP string
}

// pageForm is one method's form. Its IDs are the stable ones of the
// package documentation.
type pageForm struct {
	ID, Section, Method, Heading string
	Fields                       []pageField
	PayID, PayLabel              string
	Cancel                       bool
}

// pageField is one input with its label, hint and error.
type pageField struct {
	ID, Name, Label, Hint, Type, Autocomplete, Placeholder, Size string
	Value, Error                                                 string
}

// pageError is one line of the error summary, linking to its field.
type pageError struct{ Href, Msg string }

// fieldProblem is one entry the page refuses: the form field's name and
// what to tell the shopper.
type fieldProblem struct {
	Field string
	Msg   func(*words) string
}

// pageFor fills the page of p in lang. The caller holds the lock.
func (c *Core) pageFor(p *Payment, lang string) pageData {
	rp := p.Route.Page(p)
	w := wordsFor(lang)
	d := pageData{
		W:         w,
		CSS:       template.CSS(pageCSS),
		Script:    template.JS(pageJS),
		Amount:    w.Currency(p.Amount.Fixed(), p.Amount.Currency()),
		Merchant:  rp.Merchant,
		Provider:  rp.Provider,
		Reference: rp.Reference,
		Pending:   p.State == status.Pending,
		Action:    "/pay/" + p.Token,
		Status:    p.View().String(),
		Outcome:   w.Outcomes[p.Result],
		QPay:      p.Offers(MethodQPay),
		Card:      p.Offers(MethodCard),

		TestCard: TestCardNumber, DeclineCard: DeclineCardNumber, TestVisa: TestVisaNumber, FailedOTP: FailedOTP,
	}
	if d.Merchant == "" {
		d.Merchant = c.opts.MerchantName
	}
	if d.Merchant == "" {
		d.Merchant = w.DefaultMerchant
	}
	if lang != LangEnglish {
		// The language was chosen: it stays through the form's POST.
		d.Action += "?lang=" + lang
	}
	d.Choice = d.QPay && d.Card
	if d.Pending {
		d.ExpiresISO = p.Expires.UTC().Format(time.RFC3339)
		d.ExpiresText = p.Expires.In(doha).Format("15:04") + " " + w.DohaTime
		if left := p.Expires.Sub(c.now()); left > 0 {
			d.Remaining = int64(left / time.Second)
		}
		d.Forms = c.forms(p, w, d)
	} else {
		d.Return = rp.Return
	}
	return d
}

// forms are the forms p's page offers, empty and without errors.
func (c *Core) forms(p *Payment, w *words, d pageData) []pageForm {
	var out []pageForm
	if d.QPay {
		heading := w.HeadingDirect
		if d.Choice {
			heading = w.QPayHeading
		}
		out = append(out, pageForm{
			ID: "qpay-form", Section: "qpay-method", Method: MethodQPay, Heading: heading,
			PayID: "pay", PayLabel: w.Pay, Cancel: true,
			Fields: []pageField{
				{ID: "card_number", Name: "card_number", Label: w.CardNumber, Hint: w.HintCardNumber, Type: "text", Autocomplete: "cc-number"},
				{ID: "expiry", Name: "expiry", Label: w.Expiry, Hint: w.HintExpiry, Type: "text", Autocomplete: "cc-exp", Placeholder: "MM/YY", Size: "short"},
				{ID: "pin", Name: "pin", Label: w.PIN, Hint: w.HintPIN, Type: "password", Autocomplete: "off", Size: "short"},
				{ID: "otp", Name: "otp", Label: w.OTP, Hint: w.HintOTP, Type: "text", Autocomplete: "one-time-code", Size: "short"},
			},
		})
	}
	if d.Card {
		out = append(out, pageForm{
			ID: "card-form", Section: "card-method", Method: MethodCard, Heading: w.CardHeading,
			PayID: "pay-card", PayLabel: w.PayCard, Cancel: !d.QPay,
			Fields: []pageField{
				{ID: "card-number", Name: "card_number", Label: w.CardNumber, Hint: w.HintCardNumber, Type: "text", Autocomplete: "cc-number"},
				{ID: "card-expiry", Name: "expiry", Label: w.Expiry, Hint: w.HintExpiry, Type: "text", Autocomplete: "cc-exp", Placeholder: "MM/YY", Size: "short"},
				{ID: "card-cvc", Name: "cvc", Label: w.CVC, Hint: w.HintCVC, Type: "text", Autocomplete: "cc-csc", Size: "short"},
			},
		})
	}
	return out
}

// keptFields are what the page fills in again after refusing a form:
// what the shopper typed, escaped by html/template, but never the PIN or
// the security code, which no payment page shows back.
var keptFields = map[string]bool{"card_number": true, "expiry": true, "otp": true}

// refuse puts every problem on the page at once: each against its field
// of the form for method (its value kept, aria-invalid set), and all in
// the summary, linking to the fields.
func (d *pageData) refuse(method string, problems []fieldProblem, typed map[string][]string) {
	for i := range d.Forms {
		f := &d.Forms[i]
		if f.Method != method {
			continue
		}
		for j := range f.Fields {
			fd := &f.Fields[j]
			if keptFields[fd.Name] && len(typed[fd.Name]) > 0 {
				fd.Value = typed[fd.Name][0]
			}
			for _, pr := range problems {
				if pr.Field == fd.Name && fd.Error == "" {
					fd.Error = pr.Msg(d.W)
					d.Errors = append(d.Errors, pageError{Href: fd.ID, Msg: fd.Error})
				}
			}
		}
	}
	for _, pr := range problems {
		if pr.Field == "" {
			d.Errors = append(d.Errors, pageError{Msg: pr.Msg(d.W)})
		}
	}
}

// groupDigits writes a card number in groups of four, as printed on it.
func groupDigits(n string) string {
	var b strings.Builder
	for i, r := range n {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *Core) render(w http.ResponseWriter, code int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pagePolicy)
	h.Set("Content-Language", d.W.Lang)
	h.Set("Vary", "Accept-Language")
	w.WriteHeader(code)
	if err := pageTemplate.Execute(w, d); err != nil {
		c.logf(slog.LevelError, "qpaytest: payment page", slog.String("error", err.Error()))
	}
}

func (c *Core) notFoundPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, http.StatusNotFound, pageData{
		W: wordsFor(pageLanguage(r, "")), CSS: template.CSS(pageCSS), Script: template.JS(pageJS), NotFound: true,
	})
}

func (c *Core) servePage(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	p := c.byToken[r.PathValue("token")]
	if p == nil {
		c.mu.Unlock()
		c.notFoundPage(w, r)
		return
	}
	out := c.ExpireIfDue(p)
	d := c.pageFor(p, pageLanguage(r, p.Route.Page(p).Language))
	c.mu.Unlock()
	c.Send(out)
	c.render(w, http.StatusOK, d)
}

// submitPage applies the shopper's Pay or Cancel, sends the webhooks, and
// only then sends the shopper back the way the provider does (303 See
// Other), to where the route's Page says (Tap: redirect.url with tap_id
// added; Checkout: success_url or failure_url with cko-session-id added).
func (c *Core) submitPage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	formErr := r.ParseForm()
	c.mu.Lock()
	p := c.byToken[r.PathValue("token")]
	if p == nil {
		c.mu.Unlock()
		c.notFoundPage(w, r)
		return
	}
	out := c.ExpireIfDue(p)
	lang := pageLanguage(r, p.Route.Page(p).Language)
	if p.State == status.Pending {
		var problems []fieldProblem
		method := r.PostForm.Get("method")
		switch action := r.PostForm.Get("action"); {
		case formErr != nil:
			problems = formProblem(func(w *words) string { return w.ErrForm })
		case action == "cancel":
			out = append(out, c.finish(p, ResCanceled)...)
		case action == "pay" && method == MethodCard:
			card := HostedCard{
				Number: strings.NewReplacer(" ", "", "-", "").Replace(r.PostForm.Get("card_number")),
				Expiry: strings.TrimSpace(r.PostForm.Get("expiry")),
				CVC:    strings.TrimSpace(r.PostForm.Get("cvc")),
			}
			if problems = methodProblem(p, MethodCard); problems == nil {
				problems = card.problems()
			}
			if problems == nil {
				paidWith(p, MethodCard, card.Number, VisaScheme)
				out = append(out, c.finish(p, c.decideCard(p, card))...)
			}
		case action == "pay":
			method = MethodQPay
			if problems = methodProblem(p, MethodQPay); problems != nil {
				break
			}
			card := Card{
				Number: strings.NewReplacer(" ", "", "-", "").Replace(r.PostForm.Get("card_number")),
				Expiry: strings.TrimSpace(r.PostForm.Get("expiry")),
				PIN:    strings.TrimSpace(r.PostForm.Get("pin")),
				OTP:    strings.TrimSpace(r.PostForm.Get("otp")),
			}
			if problems = card.problems(); problems == nil {
				paidWith(p, MethodQPay, card.Number, "NAPS")
				out = append(out, c.finish(p, c.decide(p, card))...)
			}
		default:
			problems = formProblem(func(w *words) string { return w.ErrAction })
		}
		if problems != nil {
			// Nothing happened: the shopper gets the form back with every
			// problem at once, as a real page validates before it submits.
			d := c.pageFor(p, lang)
			d.refuse(method, problems, r.PostForm)
			c.mu.Unlock()
			c.Send(out)
			c.render(w, http.StatusUnprocessableEntity, d)
			return
		}
	}
	target := p.Route.Page(p).Return
	d := c.pageFor(p, lang)
	c.mu.Unlock()
	c.Send(out)
	if target == "" {
		c.render(w, http.StatusOK, d) // no return URL: the outcome is shown here
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// formProblem is a problem of the whole form, shown in the summary only.
func formProblem(msg func(*words) string) []fieldProblem {
	return []fieldProblem{{Msg: msg}}
}

// decide is what paying with card c does to p (see the package
// documentation's table). The caller holds the lock.
func (c *Core) decide(p *Payment, card Card) Result {
	return c.decideWith(p, TestCardNumber, card)
}

// decideWith is what paying p with card does on a form whose test card is
// accepted (TestCardNumber on the QPay form, TestVisaNumber on a hosted
// page's card form, whose cards carry no OTP). The caller holds the lock.
func (c *Core) decideWith(p *Payment, accepted string, card Card) Result {
	switch {
	case p.forceDecline:
		return ResIssuerDeclined
	case card.Number == DeclineCardNumber:
		return ResInsufficientFunds
	case card.Number != accepted:
		return ResInvalidCard
	case card.expired(c.now()):
		return ResExpiredCard
	case card.OTP == FailedOTP:
		return ResAuthenticationFailed
	}
	if res := MagicDecline(p.Amount); res != ResNone {
		return res
	}
	return ResCaptured
}

// problems are every entry the page refuses, nil if none.
func (c Card) problems() []fieldProblem {
	var out []fieldProblem
	if len(c.Number) < 12 || len(c.Number) > 19 || !allDigits(c.Number) {
		out = append(out, fieldProblem{"card_number", func(w *words) string { return w.ErrCardNumber }})
	}
	if !validExpiry(c.Expiry) {
		out = append(out, fieldProblem{"expiry", func(w *words) string { return w.ErrExpiry }})
	}
	if len(c.PIN) != 4 || !allDigits(c.PIN) {
		out = append(out, fieldProblem{"pin", func(w *words) string { return w.ErrPIN }})
	}
	if len(c.OTP) < 4 || len(c.OTP) > 8 || !allDigits(c.OTP) {
		out = append(out, fieldProblem{"otp", func(w *words) string { return w.ErrOTP }})
	}
	return out
}

// expired reports whether the card's expiry month is over at now.
func (c Card) expired(now time.Time) bool {
	mm, _ := strconv.Atoi(c.Expiry[:2])
	yy, _ := strconv.Atoi(c.Expiry[3:])
	endOfMonth := time.Date(2000+yy, time.Month(mm)+1, 1, 0, 0, 0, 0, time.UTC)
	return !now.Before(endOfMonth)
}

func validExpiry(s string) bool {
	if len(s) != 5 || s[2] != '/' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return false
	}
	mm, _ := strconv.Atoi(s[:2])
	return mm >= 1 && mm <= 12
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
