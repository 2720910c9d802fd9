package qpaytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/qpaytest/internal/checkoutsim"
	"github.com/qpay-go/qpay/status"
)

// createFor creates a payment of amount over raw HTTP, with its webhooks
// going to r.
func createFor(t *testing.T, s *Server, provider, amount string, r *receiver) (id, page string) {
	t.Helper()
	if provider == ProviderTap {
		return createTap(t, s, with(tapChargeReq(r.URL), "amount", json.Number(amount)))
	}
	s.SetCheckoutWebhookURL(r.URL)
	minor := strings.ReplaceAll(amount, ".", "")
	return createCheckout(t, s, with(ckoPaymentReq(), "amount", json.Number(strings.TrimLeft(minor, "0"))))
}

func getPage(t *testing.T, page string) (int, string) {
	t.Helper()
	resp, err := http.Get(page)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestPageIsAnAccessibleForm(t *testing.T) {
	s := startServer(t, Options{})
	_, page := createTap(t, s, tapChargeReq(""))
	resp, err := http.Get(page)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	body := string(b)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, want := range []string{
		`<html lang="en" dir="ltr">`,
		`<header id="banner" class="banner" role="note"><strong>TEST · SIMULATOR</strong>`,
		`<span id="merchant">Test merchant</span> <span class="via">via <bdi>Tap Payments</bdi></span>`,
		`<strong id="amount"><bdi>QAR 79.10</bdi></strong>`,
		`<strong id="reference"><bdi>ORD-1</bdi></strong>`,
		// The expiry is stated without JavaScript; the script counts down.
		`This page expires at <time id="expires" datetime="`,
		`<form id="qpay-form" method="post"`,
		`novalidate>`, // the server shows every error at once, not the browser one at a time
		`<label for="card_number">Card number</label>`, `<input id="card_number" name="card_number"`,
		`<label for="expiry">Expiry date (MM/YY)</label>`, `<input id="expiry" name="expiry"`,
		`<label for="pin">PIN</label>`, `<input id="pin" name="pin" type="password"`,
		`<label for="otp">One-time password (OTP)</label>`, `<input id="otp" name="otp"`,
		`aria-describedby="card_number-hint"`,
		`<button id="pay" class="pay" type="submit" name="action" value="pay">Pay <bdi>QAR 79.10</bdi></button>`,
		`<button id="cancel" class="cancel" type="submit" name="action" value="cancel"`,
		// The test cards and OTP are listed, after the form in focus order.
		`<code dir="ltr">4215 3755 0088 3243</code>`, `<code dir="ltr">4000 0000 0000 0002</code>`, `<code dir="ltr">000000</code>`,
	} {
		assert.Contains(t, body, want)
	}
	assert.Less(t, strings.Index(body, `id="pay"`), strings.Index(body, `id="test-cards"`), "the form comes before the test cards")
	assert.NotContains(t, body, "aria-invalid", "no error yet")
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'")
	assert.Contains(t, csp, "script-src 'sha256-", "only the page's own script runs")
	assert.Equal(t, "en", resp.Header.Get("Content-Language"))

	code, body := getPage(t, s.URL()+"/pay/nosuchtoken")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, body, `<p id="error" class="alert" role="alert">This payment does not exist.</p>`)
}

// postPage submits the page's form as a browser does, with fields, and
// returns the status and the page answered.
func postPage(t *testing.T, page string, header http.Header, fields url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, page, strings.NewReader(fields.Encode()))
	require.NoError(t, err)
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestPageShowsEveryErrorAtOnceKeepingWhatWasTyped(t *testing.T) {
	s := startServer(t, Options{})
	id, page := createTap(t, s, tapChargeReq(""))
	code, body := postPage(t, page, nil, url.Values{
		"method": {"qpay"}, "action": {"pay"},
		"card_number": {`4215"><script>alert(1)</script>`}, "expiry": {"13/49"}, "pin": {"98"}, "otp": {"12"},
	})
	require.Equal(t, http.StatusUnprocessableEntity, code)
	for _, want := range []string{
		`<title>Error: QPay payment`,
		`<div id="error" class="alert" role="alert" tabindex="-1">`,
		`<li><a href="#card_number">Enter the card number: 12 to 19 digits.</a></li>`,
		`<li><a href="#expiry">Enter the expiry date as MM/YY.</a></li>`,
		`<li><a href="#pin">Enter your 4-digit PIN.</a></li>`,
		`<li><a href="#otp">Enter the one-time password: 4 to 8 digits.</a></li>`,
		`<p id="card_number-error" class="field-error">`,
		`aria-describedby="card_number-hint card_number-error" aria-invalid="true"`,
		`aria-describedby="pin-hint pin-error" aria-invalid="true"`,
		// What was typed is kept, escaped.
		`value="4215&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`value="13/49"`, `value="12"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.Equal(t, 4, strings.Count(body, `class="field-error"`), "every field's error at once")
	assert.Equal(t, 4, strings.Count(body, `aria-invalid="true"`))
	assert.NotContains(t, body, "<script>alert", "nothing typed is markup")
	assert.NotContains(t, body, `value="98"`, "a PIN is never shown back")

	// One wrong field: one error, the others untouched.
	_, body = postPage(t, page, nil, url.Values{
		"method": {"qpay"}, "action": {"pay"}, "card_number": {TestCardNumber}, "expiry": {"12/49"}, "pin": {"1234"}, "otp": {""},
	})
	assert.Equal(t, 1, strings.Count(body, `class="field-error"`))
	assert.Contains(t, body, `aria-describedby="otp-hint otp-error" aria-invalid="true"`)
	assert.Contains(t, body, `value="4215375500883243"`)

	// Server.Pay reports every problem on one line.
	_, err := s.Pay(context.Background(), page, Card{"12", "1349", "1", "1"})
	require.Error(t, err)
	for _, want := range []string{"card number", "MM/YY", "PIN", "one-time password"} {
		assert.Contains(t, err.Error(), want)
	}
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, v.Status, "nothing happened")
}

func TestHostedPageCardFormShowsEveryErrorAtOnce(t *testing.T) {
	s := startServer(t, Options{})
	_, page := createTap(t, s, with(tapChargeReq(""), "source.id", "src_all"))
	code, body := postPage(t, page, nil, url.Values{
		"method": {"card"}, "action": {"pay"}, "card_number": {"4242"}, "expiry": {"00/30"}, "cvc": {"98765"},
	})
	require.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Equal(t, 3, strings.Count(body, `class="field-error"`))
	for _, want := range []string{
		`<li><a href="#card-number">`, `<li><a href="#card-expiry">`, `<li><a href="#card-cvc">Enter the card&#39;s 3- or 4-digit security code.</a></li>`,
		`<input id="card-number" name="card_number"`, `value="4242"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, `value="98765"`, "a security code is never shown back")
	assert.NotContains(t, body, `id="card_number-error"`, "the QPay form the shopper did not use has no error")
	assert.Contains(t, body, `<code dir="ltr">4242 4242 4242 4242</code>`, "the test Visa is listed")
}

func TestPageInArabic(t *testing.T) {
	arabicWords := []string{
		`<html lang="ar" dir="rtl">`,
		`<strong>تجريبي · محاكي</strong>`,
		`<label for="card_number">رقم البطاقة</label>`,
		`<label for="pin">الرقم السري</label>`,
		`<strong id="amount"><bdi>79.10 ر.ق</bdi></strong>`,
		`>ادفع <bdi>79.10 ر.ق</bdi></button>`,
		`<h2 id="test-cards-title">بطاقات الاختبار</h2>`,
		`<span id="merchant">تاجر تجريبي</span>`,
	}
	s := startServer(t, Options{})
	_, ckoPage := createCheckout(t, s, with(ckoPaymentReq(), "source.language", "ar"))
	_, tapPage := createTap(t, s, tapChargeReq(""))
	cases := []struct {
		name   string
		page   string
		header http.Header
	}{
		{"Checkout's source.language", ckoPage, nil},
		{"Tap, with ?lang=ar on the page", tapPage + "?lang=ar", nil},
		{"Tap, with the browser's Accept-Language", tapPage, http.Header{"Accept-Language": {"ar-QA,ar;q=0.9,en;q=0.5"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.page, nil)
			require.NoError(t, err)
			req.Header = c.header
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			body := string(b)
			for _, want := range arabicWords {
				assert.Contains(t, body, want)
			}
			assert.NotContains(t, body, "Card number", "no English word left")
			assert.NotContains(t, body, "Pay <bdi>")
			assert.Equal(t, "ar", resp.Header.Get("Content-Language"))

			// The errors are Arabic too, and the language stays through the POST.
			code, body := postPage(t, c.page, c.header, url.Values{"method": {"qpay"}, "action": {"pay"}, "card_number": {"1"}})
			assert.Equal(t, http.StatusUnprocessableEntity, code)
			assert.Contains(t, body, `<html lang="ar" dir="rtl">`)
			assert.Contains(t, body, `<title>خطأ: `)
			assert.Contains(t, body, `<li><a href="#card_number">أدخل رقم البطاقة: من 12 إلى 19 رقمًا.</a></li>`)
			assert.Equal(t, 4, strings.Count(body, `class="field-error"`))
			if c.header == nil {
				assert.Contains(t, body, `action="/pay/`)
				assert.Regexp(t, `action="/pay/[a-z0-9]+\?lang=ar"`, body, "the form posts back in Arabic")
			}
		})
	}

	// English stays the default, and an explicit ?lang=en wins over the
	// route's language.
	_, body := getPage(t, tapPage)
	assert.Contains(t, body, `<html lang="en" dir="ltr">`)
	_, body = getPage(t, ckoPage+"?lang=en")
	assert.Contains(t, body, `<html lang="en" dir="ltr">`)
}

func TestPageShowsTheMerchantName(t *testing.T) {
	s := startServer(t, Options{MerchantName: `Souq <Waqif> & Co`})
	_, page := createCheckout(t, s, ckoPaymentReq())
	_, body := getPage(t, page)
	assert.Contains(t, body, `<span id="merchant">Souq &lt;Waqif&gt; &amp; Co</span> <span class="via">via <bdi>Checkout.com</bdi></span>`)
}

func TestPayRedirectsTheWayEachProviderDoes(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		r := newReceiver(t)
		s := startServer(t, Options{})
		id, page := createFor(t, s, provider, "79.10", r)

		back, err := s.Pay(context.Background(), page, TestCard)
		require.NoError(t, err)
		v, err := s.Lookup(id)
		require.NoError(t, err)
		assert.Equal(t, status.Captured, v.Status)
		if provider == ProviderTap {
			assert.Equal(t, "shop.example", back.Host)
			assert.Equal(t, "/qpay/return", back.Path)
			assert.Equal(t, url.Values{"order": {"ORD-1"}, "tap_id": {id}}, back.Query(), "redirect.url keeps its query")
			assert.Equal(t, "CAPTURED", v.RawStatus)
		} else {
			assert.Equal(t, "/qpay/success", back.Path)
			assert.Equal(t, url.Values{"cko-session-id": {v.SessionID}}, back.Query())
			assert.Equal(t, "Captured", v.RawStatus)
		}

		// The webhook arrived before Pay returned, correctly signed.
		got := r.all()
		require.NotEmpty(t, got)
		last := got[len(got)-1]
		if provider == ProviderTap {
			want, err := tap.Hashstring(s.TapSecretKey(), last.body)
			require.NoError(t, err)
			assert.Equal(t, want, last.header.Get(tap.SignatureHeader))
			var c map[string]any
			require.NoError(t, json.Unmarshal(last.body, &c))
			assert.Equal(t, "CAPTURED", c["status"])
			assert.Equal(t, "POST", c["method"])
			assert.Equal(t, float64(1), c["post"].(map[string]any)["attempt"])
			assert.Equal(t, "NAPS", c["card"].(map[string]any)["scheme"])
			assert.Len(t, got, 1, "nothing for INITIATED")
		} else {
			assert.Equal(t, checkout.Signature(s.CheckoutWebhookSecret(), last.body), last.header.Get(checkout.SignatureHeader))
			var ev checkoutsim.Event
			require.NoError(t, json.Unmarshal(last.body, &ev))
			assert.Equal(t, "payment_captured", ev.Type)
			assert.Equal(t, id, ev.Data.ID)
			assert.Equal(t, int64(7910), ev.Data.Amount)
			assert.Regexp(t, `^evt_[a-z2-7]{26}$`, ev.ID)
			assert.Regexp(t, `^act_[a-z2-7]{26}$`, ev.Data.ActionID)
			assert.Len(t, got, 2, "payment_pending, then payment_captured")
		}

		// A finished payment's page shows the outcome, not the form.
		code, body := getPage(t, page)
		assert.Equal(t, http.StatusOK, code)
		assert.NotContains(t, body, "<form")
		assert.Contains(t, body, `data-status="captured"`)
		_, err = s.Pay(context.Background(), page, TestCard)
		assert.ErrorIs(t, err, ErrNotPending)
		assert.Len(t, r.all(), len(got), "paying again sends nothing")
	})
}

func TestPayOutcomes(t *testing.T) {
	expiredCard := TestCard
	expiredCard.Expiry = "01/20"
	unknownCard := TestCard
	unknownCard.Number = "4111111111111111"
	failedOTP := TestCard
	failedOTP.OTP = FailedOTP
	cases := []struct {
		name     string
		amount   string
		card     Card
		control  func(s *Server, id string) error
		tap      [2]string // status, response code
		checkout [2]string // status, qpay_status
		event    string
	}{
		{"test card", "10.00", TestCard, nil, [2]string{"CAPTURED", "000"}, [2]string{"Captured", "0000"}, "payment_captured"},
		{"decline card", "10.00", DeclineCard, nil, [2]string{"DECLINED", "505"}, [2]string{"Declined", "0051"}, "payment_declined"},
		{"unknown card", "10.00", unknownCard, nil, [2]string{"FAILED", "405"}, [2]string{"Declined", "0014"}, "payment_declined"},
		{"expired card", "10.00", expiredCard, nil, [2]string{"FAILED", "407"}, [2]string{"Declined", "0054"}, "payment_declined"},
		{"failed OTP", "10.00", failedOTP, nil, [2]string{"DECLINED", "516"}, [2]string{"Declined", "0055"}, "payment_declined"},
		{"amount .51", "10.51", TestCard, nil, [2]string{"DECLINED", "505"}, [2]string{"Declined", "0051"}, "payment_declined"},
		{"amount .05", "10.05", TestCard, nil, [2]string{"DECLINED", "507"}, [2]string{"Declined", "0001"}, "payment_declined"},
		{"ForceDecline", "10.00", TestCard, (*Server).ForceDecline, [2]string{"DECLINED", "507"}, [2]string{"Declined", "0001"}, "payment_declined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			both(t, func(t *testing.T, provider string) {
				r := newReceiver(t)
				s := startServer(t, Options{})
				id, page := createFor(t, s, provider, c.amount, r)
				if c.control != nil {
					require.NoError(t, c.control(s, id))
				}
				back, err := s.Pay(context.Background(), page, c.card)
				require.NoError(t, err)
				v, err := s.Lookup(id)
				require.NoError(t, err)
				ds := s.Deliveries()
				require.NotEmpty(t, ds)
				if provider == ProviderTap {
					assert.Equal(t, c.tap, [2]string{v.RawStatus, v.Code})
					assert.Equal(t, "charge "+c.tap[0], ds[len(ds)-1].Event)
					assert.Equal(t, id, back.Query().Get("tap_id"))
				} else {
					assert.Equal(t, c.checkout, [2]string{v.RawStatus, v.Code})
					assert.Equal(t, c.event, ds[len(ds)-1].Event)
					wantPath := "/qpay/failure"
					if c.event == "payment_captured" {
						wantPath = "/qpay/success"
					}
					assert.Equal(t, wantPath, back.Path)
				}
				assert.NotEmpty(t, v.Message)
			})
		})
	}
}

func TestDeclineNextHitsOnlyTheNextPayment(t *testing.T) {
	s := startServer(t, Options{})
	s.DeclineNext()
	first, firstPage := createTap(t, s, tapChargeReq(""))
	second, secondPage := createCheckout(t, s, ckoPaymentReq())
	for _, page := range []string{firstPage, secondPage} {
		_, err := s.Pay(context.Background(), page, TestCard)
		require.NoError(t, err)
	}
	v1, _ := s.Lookup(first)
	v2, _ := s.Lookup(second)
	assert.Equal(t, status.Failed, v1.Status)
	assert.Equal(t, status.Captured, v2.Status)
}

func TestCancel(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		r := newReceiver(t)
		s := startServer(t, Options{})
		id, page := createFor(t, s, provider, "5.00", r)
		back, err := s.Cancel(context.Background(), page)
		require.NoError(t, err)
		v, err := s.Lookup(id)
		require.NoError(t, err)
		assert.Equal(t, status.Canceled, v.Status)
		ds := s.Deliveries()
		if provider == ProviderTap {
			assert.Equal(t, [2]string{"CANCELLED", "302"}, [2]string{v.RawStatus, v.Code})
			assert.Equal(t, "charge CANCELLED", ds[len(ds)-1].Event, "a failure: Tap posts it")
			assert.Equal(t, id, back.Query().Get("tap_id"))
		} else {
			assert.Equal(t, "Canceled", v.RawStatus)
			assert.Equal(t, "payment_canceled", ds[len(ds)-1].Event)
			assert.Equal(t, "/qpay/failure", back.Path)
		}
	})
}

func TestPageRefusesMalformedEntries(t *testing.T) {
	s := startServer(t, Options{})
	id, page := createTap(t, s, tapChargeReq(""))
	cases := []struct {
		name string
		card Card
		msg  string
	}{
		{"short card number", Card{"1234", "12/49", "1234", "1234"}, "card number"},
		{"letters in the card number", Card{"4215abcd00883243", "12/49", "1234", "1234"}, "card number"},
		{"month 13", Card{TestCardNumber, "13/49", "1234", "1234"}, "MM/YY"},
		{"expiry without a slash", Card{TestCardNumber, "1249", "1234", "1234"}, "MM/YY"},
		{"3-digit PIN", Card{TestCardNumber, "12/49", "944", "1234"}, "PIN"},
		{"no OTP", Card{TestCardNumber, "12/49", "1234", ""}, "one-time password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Pay(context.Background(), page, c.card)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, v.Status, "nothing happened")
	assert.Empty(t, s.Deliveries())
	_, err = s.Pay(context.Background(), page, Card{"4215 3755 0088 3243", "12/49", "1234", "1234"})
	require.NoError(t, err, "spaces in the card number are fine")
}

func TestExpiry(t *testing.T) {
	both(t, func(t *testing.T, provider string) {
		c := newClock()
		r := newReceiver(t)
		s := startServer(t, Options{Now: c.Now, Expiry: 10 * time.Minute})
		id, page := createFor(t, s, provider, "5.00", r)
		before := len(r.all())

		c.Advance(10 * time.Minute)
		code, body := getPage(t, page) // any access applies the expiry
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `data-status="expired"`)
		v, err := s.Lookup(id)
		require.NoError(t, err)
		assert.Equal(t, status.Expired, v.Status)
		if provider == ProviderTap {
			assert.Equal(t, [2]string{"ABANDONED", "304"}, [2]string{v.RawStatus, v.Code})
			assert.Len(t, r.all(), before, "Tap posts nothing for ABANDONED")
		} else {
			assert.Equal(t, "Expired", v.RawStatus)
			got := r.all()
			require.Len(t, got, before+1)
			var ev checkoutsim.Event
			require.NoError(t, json.Unmarshal(got[len(got)-1].body, &ev))
			assert.Equal(t, "payment_expired", ev.Type)
		}
		_, err = s.Pay(context.Background(), page, TestCard)
		assert.ErrorIs(t, err, ErrNotPending)
	})
}

func TestExpireControl(t *testing.T) {
	s := startServer(t, Options{})
	id, _ := createCheckout(t, s, ckoPaymentReq())
	require.NoError(t, s.Expire(id))
	got := send(t, s, http.MethodGet, "/checkout/payments/"+id, ckoAuth(s), nil).object(t)
	assert.Equal(t, "Expired", got["status"])
	assert.ErrorIs(t, s.Expire(id), ErrNotPending)
	assert.Error(t, s.Expire("pay_notthere"))
}

func TestCheckoutWithoutSuccessURLShowsTheOutcome(t *testing.T) {
	s := startServer(t, Options{})
	_, page := createCheckout(t, s, with(with(ckoPaymentReq(), "success_url", remove{}), "failure_url", remove{}))
	back, err := s.Pay(context.Background(), page, TestCard)
	require.NoError(t, err)
	assert.Nil(t, back, "nowhere to send the shopper")
}

func TestWebhookRetries(t *testing.T) {
	r := newReceiver(t)
	r.answer(http.StatusInternalServerError)
	s := startServer(t, Options{WebhookRetryWait: time.Millisecond})
	id, page := createTap(t, s, tapChargeReq(r.URL))
	_, err := s.Pay(context.Background(), page, TestCard)
	require.NoError(t, err)

	ds := s.Deliveries()
	require.Len(t, ds, 1)
	d := ds[0]
	assert.False(t, d.Delivered())
	assert.Equal(t, 3, d.Attempts, "the first attempt and two more")
	assert.Equal(t, http.StatusInternalServerError, d.Status)
	assert.Len(t, r.all(), 3)
	var c map[string]any
	require.NoError(t, json.Unmarshal(d.Body, &c))
	assert.Equal(t, float64(3), c["post"].(map[string]any)["attempt"])
	assert.Equal(t, id, c["id"])

	// Once the receiver recovers, a delivery needs one attempt.
	r.answer(http.StatusOK)
	id2, page2 := createTap(t, s, tapChargeReq(r.URL))
	_, err = s.Pay(context.Background(), page2, DeclineCard)
	require.NoError(t, err)
	ds = s.Deliveries()
	assert.Equal(t, 1, ds[1].Attempts)
	assert.True(t, ds[1].Delivered())
	h, body, err := s.Webhook(id2)
	require.NoError(t, err)
	assert.Equal(t, ds[1].Header.Get(tap.SignatureHeader), h.Get(tap.SignatureHeader), "Webhook rebuilds the delivery")
	assert.NotEmpty(t, body)
}

func TestCheckoutWebhookAuthorizationHeader(t *testing.T) {
	r := newReceiver(t)
	s := startServer(t, Options{CheckoutWebhookURL: r.URL, CheckoutWebhookAuthorization: qpay.NewSecret("Basic c2hvcDpzZWNyZXQ=")})
	createCheckout(t, s, ckoPaymentReq())
	got := r.all()
	require.Len(t, got, 1)
	assert.Equal(t, "Basic c2hvcDpzZWNyZXQ=", got[0].header.Get("Authorization"))
}
