package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
)

// The -json forms. They are the portable types' normalized fields, never the
// provider's raw body, in snake_case; absent values are left out.
type (
	paymentView struct {
		Provider       string            `json:"provider"`
		ID             string            `json:"id"`
		Status         string            `json:"status"`
		RawStatus      string            `json:"raw_status"`
		Amount         *money.Money      `json:"amount,omitempty"`
		Refunded       *money.Money      `json:"refunded,omitempty"`
		Reference      string            `json:"reference,omitempty"`
		RedirectURL    string            `json:"redirect_url,omitempty"`
		FailureCode    string            `json:"failure_code,omitempty"`
		FailureMessage string            `json:"failure_message,omitempty"`
		Metadata       map[string]string `json:"metadata,omitempty"`
		CreatedAt      *time.Time        `json:"created_at,omitempty"`
	}
	refundView struct {
		Provider       string       `json:"provider"`
		ID             string       `json:"id"`
		PaymentID      string       `json:"payment_id"`
		Status         string       `json:"status"`
		RawStatus      string       `json:"raw_status"`
		Amount         *money.Money `json:"amount,omitempty"`
		Reference      string       `json:"reference,omitempty"`
		FailureCode    string       `json:"failure_code,omitempty"`
		FailureMessage string       `json:"failure_message,omitempty"`
		CreatedAt      *time.Time   `json:"created_at,omitempty"`
		// Existing: the refund was found under its reference; nothing new
		// was refunded by this command.
		Existing bool `json:"existing,omitempty"`
	}
	eventView struct {
		ID             string       `json:"id"`
		Provider       string       `json:"provider"`
		Type           string       `json:"type"`
		RawType        string       `json:"raw_type,omitempty"`
		PaymentID      string       `json:"payment_id,omitempty"`
		RefundID       string       `json:"refund_id,omitempty"`
		Status         string       `json:"status"`
		RawStatus      string       `json:"raw_status"`
		Amount         *money.Money `json:"amount,omitempty"`
		Reference      string       `json:"reference,omitempty"`
		FailureCode    string       `json:"failure_code,omitempty"`
		FailureMessage string       `json:"failure_message,omitempty"`
	}
)

func viewPayment(p *qpay.Payment) paymentView {
	return paymentView{
		Provider: p.Provider, ID: p.ID, Status: p.Status.String(), RawStatus: p.RawStatus,
		Amount: moneyOrNil(p.Amount), Refunded: moneyOrNil(p.Refunded), Reference: p.Reference,
		RedirectURL: p.RedirectURL, FailureCode: p.FailureCode, FailureMessage: p.FailureMessage,
		Metadata: p.Metadata, CreatedAt: timeOrNil(p.CreatedAt),
	}
}

func viewRefund(r *qpay.Refund) refundView {
	return refundView{
		Provider: r.Provider, ID: r.ID, PaymentID: r.PaymentID, Status: r.Status.String(),
		RawStatus: r.RawStatus, Amount: moneyOrNil(r.Amount), Reference: r.Reference,
		FailureCode: r.FailureCode, FailureMessage: r.FailureMessage, CreatedAt: timeOrNil(r.CreatedAt),
		Existing: r.Existing,
	}
}

func viewEvent(ev *qpay.WebhookEvent) eventView {
	v := eventView{ID: ev.ID, Provider: ev.Provider, Type: ev.Type.String(), RawType: ev.RawType, PaymentID: ev.PaymentID}
	switch {
	case ev.Payment != nil:
		p := ev.Payment
		v.Status, v.RawStatus, v.Amount, v.Reference = p.Status.String(), p.RawStatus, moneyOrNil(p.Amount), p.Reference
		v.FailureCode, v.FailureMessage = p.FailureCode, p.FailureMessage
	case ev.Refund != nil:
		r := ev.Refund
		v.RefundID = r.ID
		v.Status, v.RawStatus, v.Amount, v.Reference = r.Status.String(), r.RawStatus, moneyOrNil(r.Amount), r.Reference
		v.FailureCode, v.FailureMessage = r.FailureCode, r.FailureMessage
	}
	return v
}

// moneyOrNil leaves out an amount the provider did not report, instead of
// printing the zero Money as if it were one.
func moneyOrNil(m money.Money) *money.Money {
	if m.Currency() == "" {
		return nil
	}
	return &m
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

func (v paymentView) text(w io.Writer) {
	fmt.Fprintf(w, "%s payment %s\n", v.Provider, v.ID)
	payAt := ""
	if v.Status == status.Pending.String() {
		// Providers keep the page's link after the shopper is done with it;
		// printed then, it would invite paying twice.
		payAt = v.RedirectURL
	}
	writeFields(w,
		"status", statusText(v.Status, v.RawStatus),
		"amount", moneyText(v.Amount),
		"refunded", moneyText(v.Refunded),
		"reference", v.Reference,
		"pay at", payAt,
		"failure", failureText(v.FailureCode, v.FailureMessage),
		"metadata", metadataText(v.Metadata),
		"created", timeText(v.CreatedAt),
	)
}

func (v refundView) text(w io.Writer) {
	fmt.Fprintf(w, "%s refund %s of payment %s\n", v.Provider, v.ID, v.PaymentID)
	writeFields(w,
		"status", statusText(v.Status, v.RawStatus),
		"amount", moneyText(v.Amount),
		"reference", v.Reference,
		"failure", failureText(v.FailureCode, v.FailureMessage),
		"created", timeText(v.CreatedAt),
	)
}

func (v eventView) text(w io.Writer) {
	fmt.Fprintf(w, "verified %s webhook\n", v.Provider)
	typ := v.Type
	if v.RawType != "" {
		typ += " (" + v.RawType + ")"
	}
	writeFields(w,
		"event ID", v.ID,
		"type", typ,
		"payment ID", v.PaymentID,
		"refund ID", v.RefundID,
		"status", statusText(v.Status, v.RawStatus),
		"amount", moneyText(v.Amount),
		"reference", v.Reference,
		"failure", failureText(v.FailureCode, v.FailureMessage),
	)
}

// writeFields prints label/value pairs aligned, leaving out empty values.
func writeFields(w io.Writer, pairs ...string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			fmt.Fprintf(tw, "  %s:\t%s\n", pairs[i], pairs[i+1])
		}
	}
	_ = tw.Flush()
}

func statusText(normalized, raw string) string {
	if raw == "" {
		return normalized
	}
	return fmt.Sprintf("%s (raw %q)", normalized, raw)
}

func moneyText(m *money.Money) string {
	if m == nil {
		return ""
	}
	return m.String()
}

func failureText(code, msg string) string {
	return strings.TrimSpace(code + " " + msg)
}

func metadataText(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m) // sorted keys, quoted values
	if err != nil {
		return ""
	}
	return string(b)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
