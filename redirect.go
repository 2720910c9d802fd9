package qpay

import (
	"fmt"
	"net/http"
)

// SendShopper sends the shopper's browser on to the payment page of
// pending payment p, from the merchant's handler that answers the
// shopper's request r: a 303 to p.RedirectURL, or, for a provider that
// answers with a page instead of a URL (the Mastercard Gateway's
// browserPayment.redirectHtml, p.RedirectHTML), that page as the whole
// response, with framing forbidden and caching off. A payment with
// neither is an *Error of kind KindInvalidRequest, and nothing is written.
func SendShopper(w http.ResponseWriter, r *http.Request, p *Payment) error {
	switch {
	case p == nil:
		return &Error{Kind: KindInvalidRequest, Message: "no payment to send the shopper to"}
	case p.RedirectURL != "":
		http.Redirect(w, r, p.RedirectURL, http.StatusSeeOther)
		return nil
	case p.RedirectHTML != "":
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		// The QPay page must be the top-level page, never inside a frame
		// of another site.
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>QPay</title></head><body>\n%s\n</body></html>\n", p.RedirectHTML)
		return nil
	}
	return &Error{Provider: p.Provider, Kind: KindInvalidRequest,
		Message: fmt.Sprintf("payment %s gives no redirect URL or page for the shopper (status %s)", p.ID, p.Status)}
}
