package sim

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Card is what a shopper types on the payment page (qpaytest.Card).
type Card struct {
	Number string // 12 to 19 digits; spaces and dashes are ignored
	Expiry string // MM/YY
	PIN    string // 4 digits
	OTP    string // the one-time password, 4 to 8 digits
}

// TestCard is Tap's documented NAPS/QPay test card with an expiry far in the
// future (Tap's own, 12/25, has passed): paying with it captures the
// payment, unless a magic amount or a control says otherwise.
var TestCard = Card{Number: TestCardNumber, Expiry: "12/49", PIN: "1234", OTP: "1234"}

// DeclineCard is declined for insufficient funds.
var DeclineCard = Card{Number: DeclineCardNumber, Expiry: "12/49", PIN: "1234", OTP: "1234"}

// ErrNotPending is returned by Pay and Cancel for a page whose payment is
// already finished (paid, declined, canceled or expired).
var ErrNotPending = errors.New("qpaytest: the payment is no longer pending")

// Pay plays the shopper the way a browser does, over real HTTP: it opens
// redirectURL (a payment's RedirectURL), reads the form, fills in card
// and presses Pay. It does not follow the provider's 303 but returns its
// Location: the merchant's return URL with tap_id (Tap) or cko-session-id
// (Checkout) added. The webhooks have been delivered when it returns. The
// URL is nil when the payment has no return URL (a Checkout payment made
// without success_url). A card the page refuses (a malformed number,
// expiry, PIN or OTP) is an error and changes nothing.
func (c *Core) Pay(ctx context.Context, redirectURL string, card Card) (*url.URL, error) {
	return c.submitForm(ctx, redirectURL, MethodQPay, url.Values{
		"action":      {"pay"},
		"card_number": {card.Number},
		"expiry":      {card.Expiry},
		"pin":         {card.PIN},
		"otp":         {card.OTP},
	})
}

// Cancel plays the shopper pressing Cancel on the payment page; otherwise
// it works as Pay.
func (c *Core) Cancel(ctx context.Context, redirectURL string) (*url.URL, error) {
	return c.submit(ctx, redirectURL, url.Values{"action": {"cancel"}})
}

var (
	formTag  = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	inputTag = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attr     = regexp.MustCompile(`(?is)\b([a-z_-]+)="([^"]*)"`)
	// The error summary is a div (a title and a list), a single message a p.
	summaryTag = regexp.MustCompile(`(?is)<div\b[^>]*\bid="error"[^>]*>(.*?)</div>`)
	messageTag = regexp.MustCompile(`(?is)<p\b[^>]*\bid="(?:error|outcome)"[^>]*>(.*?)</p>`)
	anyTag     = regexp.MustCompile(`(?s)<[^>]*>`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attr.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// pageMessage is the page's error summary (every problem, on one line)
// or its outcome text.
func pageMessage(page string) string {
	m := summaryTag.FindStringSubmatch(page)
	if m == nil {
		m = messageTag.FindStringSubmatch(page)
	}
	if m != nil {
		text := anyTag.ReplaceAllString(m[1], " ")
		return html.UnescapeString(strings.Join(strings.Fields(text), " "))
	}
	return ""
}

func (c *Core) submit(ctx context.Context, pageURL string, fields url.Values) (*url.URL, error) {
	return c.submitForm(ctx, pageURL, "", fields)
}

// submitForm fills in and submits the page's form for method (the first
// form for ""), as a browser does.
func (c *Core) submitForm(ctx context.Context, pageURL, method string, fields url.Values) (*url.URL, error) {
	page, err := c.fetch(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return nil, err
	}
	if page.status != http.StatusOK {
		return nil, fmt.Errorf("qpaytest: payment page %s answered %d: %s", pageURL, page.status, pageMessage(page.body))
	}
	block := pickForm(page.body, method)
	if block == "" && formTag.MatchString(page.body) {
		return nil, fmt.Errorf("qpaytest: the payment page %s does not offer %s", pageURL, method)
	}
	form := formTag.FindString(block)
	if form == "" {
		return nil, fmt.Errorf("%w: %s", ErrNotPending, pageMessage(page.body))
	}
	fa := attrs(form)
	action, err := page.url.Parse(fa["action"])
	if err != nil {
		return nil, fmt.Errorf("qpaytest: the payment page's form action %q: %w", fa["action"], err)
	}
	values := url.Values{}
	for _, in := range inputTag.FindAllString(block, -1) {
		// Hidden fields go back as a browser sends them.
		if a := attrs(in); strings.EqualFold(a["type"], "hidden") && a["name"] != "" {
			values.Set(a["name"], a["value"])
		}
	}
	for k, v := range fields {
		values[k] = v
	}
	answer, err := c.fetch(ctx, http.MethodPost, action.String(), values)
	if err != nil {
		return nil, err
	}
	switch answer.status {
	case http.StatusSeeOther:
		return answer.url.Parse(answer.location)
	case http.StatusOK:
		return nil, nil // finished, with nowhere to return to
	}
	return nil, fmt.Errorf("qpaytest: the payment page refused the form (%d): %s", answer.status, pageMessage(answer.body))
}

type fetched struct {
	url      *url.URL
	status   int
	location string
	body     string
}

func (c *Core) fetch(ctx context.Context, method, target string, form url.Values) (*fetched, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("qpaytest: payment page %q: %w", target, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html")
	resp, err := c.shopper.Do(req)
	if err != nil {
		return nil, fmt.Errorf("qpaytest: payment page: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("qpaytest: payment page: %w", err)
	}
	return &fetched{url: req.URL, status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}, nil
}
