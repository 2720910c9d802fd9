package sim

import (
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qpay-go/qpay/status"
)

// The hosted payment page: what a shopper sees at transaction.url (Tap) or
// _links.redirect.href (Checkout). Its element IDs are stable, for browser
// tests: form#qpay-form, inputs #card_number, #expiry, #pin, #otp, buttons
// #pay and #cancel, and on a finished payment p#outcome (with a
// data-status attribute) and a#return.

// The documented test cards (see the package documentation).
const (
	TestCardNumber    = "4215375500883243" // Tap's NAPS/QPay test card: captured
	DeclineCardNumber = "4000000000000002" // declined, insufficient funds
	FailedOTP         = "000000"           // declined, authentication failed
)

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Choice}}Payment{{else}}QPay payment{{end}} – {{.Amount}}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label{display:block;margin-top:.8rem}input{font-size:1.1rem;width:100%}button{margin:1rem .5rem 0 0;font-size:1.1rem}#error{color:#a00}</style>
</head>
<body>
<main>
<h1>{{if .Choice}}Checkout{{else if .QPay}}QPay{{else}}Card payment{{end}}</h1>
<p>Pay <strong id="amount">{{.Amount}}</strong> to <span id="merchant">{{.Merchant}}</span> for order <strong id="reference">{{.Reference}}</strong>.</p>
{{- if .Error}}
<p id="error" role="alert">{{.Error}}</p>
{{- end}}
{{- if .Pending}}
{{- if .Choice}}
<p id="choose">Choose how to pay: QPay (NAPS debit card) or a credit card.</p>
{{- end}}
{{- if .QPay}}
<section id="qpay-method">
{{- if .Choice}}<h2>Pay with QPay</h2>{{end}}
<form id="qpay-form" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="method" value="qpay">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" required value="{{.CardNumber}}"{{if .Error}} aria-describedby="error"{{end}}>
<label for="expiry">Expiry date (MM/YY)</label>
<input id="expiry" name="expiry" placeholder="MM/YY" autocomplete="cc-exp" required value="{{.Expiry}}">
<label for="pin">PIN</label>
<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" required>
<label for="otp">One-time password (OTP)</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" required>
<button id="pay" type="submit" name="action" value="pay">Pay {{.Amount}}</button>
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>
</section>
{{- end}}
{{- if .Card}}
<section id="card-method">
{{- if .Choice}}<h2>Pay by card</h2>{{end}}
<form id="card-form" method="post" action="{{.Action}}" autocomplete="off">
<input type="hidden" name="method" value="card">
<label for="card-number">Card number</label>
<input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" required>
<label for="card-expiry">Expiry date (MM/YY)</label>
<input id="card-expiry" name="expiry" placeholder="MM/YY" autocomplete="cc-exp" required>
<label for="card-cvc">Security code (CVC)</label>
<input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
<button id="pay-card" type="submit" name="action" value="pay">Pay {{.Amount}} by card</button>
{{- if not .QPay}}
<button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
{{- end}}
</form>
</section>
{{- end}}
{{- else}}
<p id="outcome" role="status" data-status="{{.Status}}">{{.Outcome}}</p>
{{- if .Return}}
<p><a id="return" href="{{.Return}}">Return to the merchant</a></p>
{{- end}}
{{- end}}
</main>
</body>
</html>
`))

type pageData struct {
	Amount     string
	Merchant   string
	Reference  string
	Pending    bool
	Action     string
	CardNumber string
	Expiry     string
	Error      string
	Status     string
	Outcome    string
	Return     string
	QPay       bool // the QPay form is shown
	Card       bool // the card form is shown (a hosted page)
	Choice     bool // both are: the shopper picks one
}

// pageFor fills the page of p. The caller holds the lock.
func (c *Core) pageFor(p *Payment) pageData {
	rp := p.Route.Page(p)
	d := pageData{
		Amount:    p.Amount.String(),
		Merchant:  rp.Merchant,
		Reference: rp.Reference,
		Pending:   p.State == status.Pending,
		Action:    "/pay/" + p.Token,
		Status:    p.View().String(),
		Outcome:   p.Result.shopper(),
		QPay:      p.Offers(MethodQPay),
		Card:      p.Offers(MethodCard),
	}
	d.Choice = d.QPay && d.Card
	if !d.Pending {
		d.Return = rp.Return
	}
	return d
}

func (c *Core) render(w http.ResponseWriter, code int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if err := pageTemplate.Execute(w, d); err != nil {
		c.logf(slog.LevelError, "qpaytest: payment page", slog.String("error", err.Error()))
	}
}

func (c *Core) notFoundPage(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>QPay</title></head><body><main><h1>QPay</h1><p id=\"error\" role=\"alert\">This payment does not exist.</p></main></body></html>\n"))
}

func (c *Core) servePage(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	p := c.byToken[r.PathValue("token")]
	if p == nil {
		c.mu.Unlock()
		c.notFoundPage(w)
		return
	}
	out := c.ExpireIfDue(p)
	d := c.pageFor(p)
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
		c.notFoundPage(w)
		return
	}
	out := c.ExpireIfDue(p)
	if p.State == status.Pending {
		var problem string
		switch action := r.PostForm.Get("action"); {
		case formErr != nil:
			problem = "The form could not be read."
		case action == "cancel":
			out = append(out, c.finish(p, ResCanceled)...)
		case action == "pay" && r.PostForm.Get("method") == MethodCard:
			card := HostedCard{
				Number: strings.NewReplacer(" ", "", "-", "").Replace(r.PostForm.Get("card_number")),
				Expiry: strings.TrimSpace(r.PostForm.Get("expiry")),
				CVC:    strings.TrimSpace(r.PostForm.Get("cvc")),
			}
			if problem = methodProblem(p, MethodCard); problem == "" {
				problem = card.problem()
			}
			if problem == "" {
				paidWith(p, MethodCard, card.Number, VisaScheme)
				out = append(out, c.finish(p, c.decideCard(p, card))...)
			}
		case action == "pay":
			if problem = methodProblem(p, MethodQPay); problem != "" {
				break
			}
			card := Card{
				Number: strings.NewReplacer(" ", "", "-", "").Replace(r.PostForm.Get("card_number")),
				Expiry: strings.TrimSpace(r.PostForm.Get("expiry")),
				PIN:    strings.TrimSpace(r.PostForm.Get("pin")),
				OTP:    strings.TrimSpace(r.PostForm.Get("otp")),
			}
			if problem = card.problem(); problem == "" {
				paidWith(p, MethodQPay, card.Number, "NAPS")
				out = append(out, c.finish(p, c.decide(p, card))...)
			}
		default:
			problem = "Choose Pay or Cancel."
		}
		if problem != "" {
			// Nothing happened: the shopper gets the form back, as a real
			// page validates before it submits.
			d := c.pageFor(p)
			d.Error = problem
			d.CardNumber = r.PostForm.Get("card_number")
			d.Expiry = r.PostForm.Get("expiry")
			c.mu.Unlock()
			c.Send(out)
			c.render(w, http.StatusUnprocessableEntity, d)
			return
		}
	}
	target := p.Route.Page(p).Return
	d := c.pageFor(p)
	c.mu.Unlock()
	c.Send(out)
	if target == "" {
		c.render(w, http.StatusOK, d) // no return URL: the outcome is shown here
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
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

// problem is what the page refuses to submit, "" if nothing.
func (c Card) problem() string {
	switch {
	case len(c.Number) < 12 || len(c.Number) > 19 || !allDigits(c.Number):
		return "Enter the card number: 12 to 19 digits."
	case !validExpiry(c.Expiry):
		return "Enter the expiry date as MM/YY."
	case len(c.PIN) != 4 || !allDigits(c.PIN):
		return "Enter your 4-digit PIN."
	case len(c.OTP) < 4 || len(c.OTP) > 8 || !allDigits(c.OTP):
		return "Enter the one-time password: 4 to 8 digits."
	}
	return ""
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
