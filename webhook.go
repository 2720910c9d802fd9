package qpay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// DefaultMaxWebhookBytes bounds the body a WebhookHandler reads. Real
// deliveries are a few kilobytes.
const DefaultMaxWebhookBytes = 256 << 10

// WebhookHandler is an http.Handler for provider webhooks. It reads the raw
// body under a size limit, has the Provider verify and parse it, and hands
// the event to Handle. Its answers tell the provider whether to deliver
// again:
//
//	200  Handle succeeded, or the event type is one qpay ignores, or the
//	     delivery is genuine but another merchant's (KindForeignAccount:
//	     one key serving several merchants, a delivery posted to the
//	     wrong merchant's endpoint): acknowledged, logged, never handled
//	400  the body is malformed or unreadable, or ParseWebhook failed
//	     otherwise (an error not marked Retryable)
//	401  the signature is missing or wrong
//	404  no Provider for this request (Provider returned nil or an error
//	     that is KindNotFound, such as providers.ErrUnknownMerchant)
//	503  Provider failed otherwise, the request was canceled, or
//	     ParseWebhook's error is marked Retryable: the signature is good
//	     but the read-back that verifies the event's facts failed in a
//	     way a later delivery may not (network, 5xx, 429, 409, qpay's key
//	     refused, the object not found yet; the provider's read-back
//	     decides and marks it): the provider delivers again
//	405  not a POST
//	413  the body is over the limit
//	500  Handle failed: the provider will redeliver, nothing is lost
//
// Handle must be idempotent (deliveries repeat) and order-tolerant (they
// arrive out of order); package store does both for you. A genuine webhook
// that contradicts the stored payment (the store's KindIntegrity), or
// whose read-back contradicts it (ParseWebhook's KindIntegrity), also
// answers 500, so the provider keeps it coming while someone looks; a
// Handle that prefers to alert and acknowledge returns nil for it.
type WebhookHandler struct {
	// Provider returns the Provider that verifies the request: a fixed one,
	// or one per merchant (providers.Registry.Resolver). An error that is
	// KindNotFound answers 404, any other 503.
	Provider func(r *http.Request) (Provider, error)
	// Handle receives each verified event. Returning an error answers 500 so
	// that the provider delivers again.
	Handle func(ctx context.Context, ev *WebhookEvent) error
	// MaxBodyBytes bounds the body; zero means DefaultMaxWebhookBytes.
	MaxBodyBytes int64
	// Logger, if set, gets one line per rejected or failed delivery.
	Logger *slog.Logger
}

// NewWebhookHandler returns a WebhookHandler for one Provider.
func NewWebhookHandler(p Provider, handle func(ctx context.Context, ev *WebhookEvent) error) *WebhookHandler {
	return &WebhookHandler{
		Provider: func(*http.Request) (Provider, error) { return p, nil },
		Handle:   handle,
	}
}

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, r, http.StatusMethodNotAllowed, "only POST", nil)
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxWebhookBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.answer(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", limit), err)
			return
		}
		h.answer(w, r, http.StatusBadRequest, "cannot read body", err)
		return
	}
	p, err := h.Provider(r)
	switch {
	case errors.Is(err, KindNotFound) || (err == nil && p == nil):
		h.answer(w, r, http.StatusNotFound, "no provider for this request", err)
		return
	case err != nil:
		// Not "unknown", only unreachable (a configuration store down):
		// the provider should deliver again.
		h.answer(w, r, http.StatusServiceUnavailable, "cannot find the provider now", err)
		return
	}
	ev, err := p.ParseWebhook(r.Context(), r.Header, body)
	switch {
	case errors.Is(err, KindInvalidSignature):
		h.answer(w, r, http.StatusUnauthorized, "invalid signature", err)
		return
	case errors.Is(err, KindUnsupported):
		// A signed event qpay has no use for (a dispute, a card
		// verification): acknowledge it, or the provider retries for days.
		h.answer(w, r, http.StatusOK, "ignored", err)
		return
	case errors.Is(err, KindCanceled):
		h.answer(w, r, http.StatusServiceUnavailable, "request canceled", err)
		return
	case errors.Is(err, KindForeignAccount):
		// Signed with a key this merchant shares with others, about
		// another merchant's payment: no delivery of it here will ever be
		// this merchant's, so a 401 or a 5xx would only have the provider
		// deliver it again and again. 200, and nothing handled; the log
		// line says what came (a misrouted webhook URL, or a replay).
		h.answer(w, r, http.StatusOK, "another merchant's event, ignored", err)
		return
	case errors.Is(err, KindIntegrity):
		// Signed by the provider, contradicted by its own API (a
		// read-back of another amount or currency): as for the store's
		// integrity failures, keep it coming while someone looks.
		h.answer(w, r, http.StatusInternalServerError, "contradicts the provider's records, deliver again", err)
		return
	case retryable(err):
		h.answer(w, r, http.StatusServiceUnavailable, "cannot verify the event now, deliver again", err)
		return
	case err != nil:
		h.answer(w, r, http.StatusBadRequest, "malformed webhook", err)
		return
	}
	if err := h.Handle(r.Context(), ev); err != nil {
		h.answer(w, r, http.StatusInternalServerError, "not processed, deliver again", err)
		return
	}
	h.answer(w, r, http.StatusOK, "ok", nil)
}

// answer writes a short plain-text answer; the details of a failure go to
// the log, not to whoever sent the request.
func (h *WebhookHandler) answer(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	if err != nil && h.Logger != nil {
		h.Logger.LogAttrs(r.Context(), slog.LevelWarn, "qpay: webhook "+msg,
			slog.Int("status", code), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}

// retryable reports whether err is marked Retryable: for ParseWebhook,
// whether a later delivery of the same body may succeed. Which failures
// are is the Provider's to decide (the read-back that verifies a webhook
// marks its own failures), never guessed here from a Kind: answering 400
// would make the provider give up on a genuine event.
func retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}
