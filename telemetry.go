package qpay

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Telemetry names where qpay sends OpenTelemetry traces and metrics: the
// caller's own TracerProvider and MeterProvider, never a global one. The
// zero value sends nothing and costs nothing: no span, no instrument, no
// allocation is made. Either field may be set alone.
//
// It is set in HTTPOptions (so in tap.Config, checkout.Config and
// providers.Config) for the Provider's calls and their HTTP attempts, given
// to store.WithTelemetry for what a store decides about webhooks, and set
// in reconcile.Reconciler for its rounds.
//
// Spans (instrumentation scope "github.com/qpay-go/qpay"):
//
//	qpay.CreatePayment, qpay.GetPayment, qpay.Refund, qpay.ParseWebhook,
//	qpay.GetRefund, qpay.PaymentsByReference,
//	qpay.PaymentWithRefunds, qpay.RefundRemaining  one per portable call
//	qpay.http.attempt                          one per HTTP attempt, a child of its call
//	qpay.store.Track, qpay.store.Process, qpay.store.Payment,
//	qpay.store.LeaseDue, qpay.store.ReleaseDue  store.WithTelemetry
//	qpay.reconcile.RunOnce, qpay.reconcile.Item  reconcile.Reconciler.Telemetry;
//	                                           an item's read-back and store work are its children
//
// Their attributes are the provider, the operation, the merchant account,
// the attempt number, the HTTP status, the error kind, whether a retry
// follows and its wait, and for a refund or a webhook its outcome. No span
// or metric ever carries a key, a header value, a body or an error message
// (which may quote a provider's body): the error is named by its Kind only.
//
// Metrics:
//
//	qpay.call.duration       histogram (us) provider, operation, outcome ("ok" or the error kind)
//	qpay.http.attempts       counter        provider, operation, http status (0: no answer)
//	qpay.http.retries        counter        provider, operation, the kind that caused the retry
//	qpay.http.retry.wait     histogram (ms) provider, operation
//	qpay.refunds             counter        provider, outcome: created, existing (found under its
//	                                        reference, nothing new made), or the error kind
//	qpay.webhook.verifications counter      provider, outcome: verified, invalid_signature,
//	                                        unsupported, or the error kind (malformed: protocol)
//	qpay.webhook.events      counter        provider, outcome as a store decided it: applied,
//	                                        duplicate, stale, illegal, unchanged, integrity, or
//	                                        the error kind
//	qpay.reconcile.items     counter        provider, action: applied, unchanged, failed, skipped
//
// The histograms count whole microseconds and milliseconds rather than
// OpenTelemetry's usual float seconds: the module has no floating point.
type Telemetry struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// Enabled reports whether t sends anything.
func (t Telemetry) Enabled() bool { return t.TracerProvider != nil || t.MeterProvider != nil }
