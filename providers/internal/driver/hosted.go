package driver

import (
	"fmt"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
)

// Capable is implemented by drivers that can do more than the direct QPay
// page: a provider's hosted page (qpay.PaymentRequest.Page) or
// marketplace splits (Splits). Supports reports, before any request,
// whether the driver can carry out req as asked: nil if it can, or an
// *qpay.Error of kind qpay.KindUnsupported saying what the provider
// cannot do. A driver that does not implement Capable gets every such
// request refused the same way, so that no driver, present or future,
// can drop a page or a split silently.
type Capable interface {
	Supports(req qpay.PaymentRequest) error
}

// Unsupported is the error a Capable driver returns for what its provider
// cannot do.
func Unsupported(format string, args ...any) error {
	return &qpay.Error{Kind: qpay.KindUnsupported, Message: fmt.Sprintf(format, args...)}
}

// supports asks the driver about a request beyond the direct QPay page.
func (w *portable) supports(req qpay.PaymentRequest) error {
	if req.Page == qpay.PageQPay && len(req.Splits) == 0 {
		return nil
	}
	c, ok := w.d.(Capable)
	if !ok {
		return Unsupported("%s: qpay takes payments on the direct QPay page only for this provider (asked: page %s, %d splits)",
			w.d.Name(), req.Page, len(req.Splits))
	}
	return c.Supports(req)
}

// created completes a payment just created from req with what the request
// said and the provider need not echo.
func created(req qpay.PaymentRequest, p *qpay.Payment) {
	if p.Metadata == nil && len(req.Metadata) > 0 {
		// As for the amount: what the provider does not echo (Checkout's
		// 202 and 201), the request says.
		p.Metadata = make(map[string]string, len(req.Metadata))
		for k, v := range req.Metadata {
			p.Metadata[k] = v
		}
	}
	readMetadata(p)
	if p.Page == qpay.PageQPay {
		p.Page = req.Page
	}
	p.RequireQPay = p.RequireQPay || req.RequireQPay
	if p.Page == qpay.PageQPay && !p.Method.Known() {
		// The direct page takes nothing else.
		p.Method = qpay.Method{Type: qpay.MethodQPay}
	}
}

// read completes a payment read back (GetPayment, PaymentForRefund, a
// webhook): the page, the QPay requirement and the splits sent travel in
// its metadata.
func read(p *qpay.Payment) {
	readMetadata(p)
}

// requestMetadata returns the metadata to send for req: req.Metadata plus
// the keys qpay reserves (qpay.MetadataPage, qpay.MetadataRequireQPay,
// qpay.MetadataSplits) for what the request asks beyond the direct QPay
// page, or req.Metadata itself when none is needed. The caller's map is
// never changed.
func requestMetadata(req qpay.PaymentRequest) map[string]string {
	if req.Page == qpay.PageQPay && !req.RequireQPay && len(req.Splits) == 0 {
		return req.Metadata
	}
	md := make(map[string]string, len(req.Metadata)+3)
	for k, v := range req.Metadata {
		md[k] = v
	}
	if req.Page != qpay.PageQPay {
		md[qpay.MetadataPage] = req.Page.String()
	}
	if req.RequireQPay {
		md[qpay.MetadataRequireQPay] = qpay.MethodQPay
	}
	if len(req.Splits) > 0 {
		md[qpay.MetadataSplits] = encodeSplits(req.Splits)
	}
	return md
}

// readMetadata moves the keys requestMetadata added from p.Metadata into
// p.Page, p.RequireQPay and, where the provider's answer reports no
// split, p.Splits. A page the adapter already read from the provider's
// answer is kept, and so are the splits the provider reports: they say
// where the money went. A split record qpay cannot read is left in
// p.Metadata, where refundSplits finds it and refuses the refund: the
// payment was split, and the shares are not known.
func readMetadata(p *qpay.Payment) {
	if p == nil || len(p.Metadata) == 0 {
		return
	}
	page, hasPage := p.Metadata[qpay.MetadataPage]
	req, hasReq := p.Metadata[qpay.MetadataRequireQPay]
	rec, hasSplits := p.Metadata[qpay.MetadataSplits]
	if !hasPage && !hasReq && !hasSplits {
		return
	}
	var recorded []qpay.Split
	keepRecord := false
	if hasSplits {
		var err error
		recorded, err = decodeSplits(rec, p.Amount.Currency())
		keepRecord = err != nil && len(p.Splits) == 0
	}
	md := make(map[string]string, len(p.Metadata))
	for k, v := range p.Metadata {
		switch k {
		case qpay.MetadataPage, qpay.MetadataRequireQPay:
		case qpay.MetadataSplits:
			if keepRecord {
				md[k] = v
			}
		default:
			md[k] = v
		}
	}
	if len(md) == 0 {
		md = nil
	}
	p.Metadata = md
	if pg, ok := qpay.ParsePage(page); ok && hasPage && p.Page == qpay.PageQPay {
		p.Page = pg
	}
	if hasReq && strings.EqualFold(req, qpay.MethodQPay) {
		p.RequireQPay = true
	}
	if len(p.Splits) == 0 && len(recorded) > 0 {
		p.Splits = recorded
	}
}

// maxSplitsRecord bounds the split record read back: the metadata value
// limit, which every record qpay writes is under (qpay.MaxSplits shares
// of at most qpay.MaxRecipientLen bytes and an amount each).
const maxSplitsRecord = qpay.MaxMetadataValLen

// encodeSplits writes validated splits as qpay.MetadataSplits holds them.
// A recipient is letters, digits, '_' and '-', an amount a plain decimal,
// so neither ':' nor ',' can occur inside one.
func encodeSplits(splits []qpay.Split) string {
	parts := make([]string, len(splits))
	for i, s := range splits {
		parts[i] = s.Recipient + ":" + s.Amount.Fixed()
	}
	return strings.Join(parts, ",")
}

// decodeSplits reads a split record in the payment's currency.
func decodeSplits(rec, currency string) ([]qpay.Split, error) {
	if len(rec) > maxSplitsRecord {
		return nil, fmt.Errorf("the split record is %d bytes, at most %d", len(rec), maxSplitsRecord)
	}
	parts := strings.Split(rec, ",")
	if len(parts) > qpay.MaxSplits {
		return nil, fmt.Errorf("the split record has %d shares, at most %d", len(parts), qpay.MaxSplits)
	}
	out := make([]qpay.Split, 0, len(parts))
	for _, part := range parts {
		recipient, amount, ok := strings.Cut(part, ":")
		if !ok || qpay.ValidateID(recipient) != nil {
			return nil, fmt.Errorf("the split record's share %.40q names no recipient", part)
		}
		m, err := money.Parse(amount, currency)
		if err != nil || !m.IsPositive() {
			return nil, fmt.Errorf("the split record's share to %s has no usable amount", recipient)
		}
		out = append(out, qpay.Split{Recipient: recipient, Amount: m})
	}
	return out, nil
}

// sameSplits reports whether got names the recipients of want with the
// same amounts, in any order (a recipient appears once in a request).
// References are not compared: no provider qpay speaks echoes one.
func sameSplits(want, got []qpay.Split) bool {
	if len(want) != len(got) {
		return false
	}
	left := make(map[string]money.Money, len(want))
	for _, s := range want {
		left[s.Recipient] = s.Amount
	}
	for _, s := range got {
		m, ok := left[s.Recipient]
		if !ok || !m.Equal(s.Amount) {
			return false
		}
		delete(left, s.Recipient)
	}
	return len(left) == 0
}

// describeSplits is splits for an error message.
func describeSplits(splits []qpay.Split) string {
	if len(splits) == 0 {
		return "none"
	}
	parts := make([]string, len(splits))
	for i, s := range splits {
		parts[i] = s.Recipient + " " + s.Amount.String()
	}
	return strings.Join(parts, ", ")
}

// refundSplits divides a refund of a split payment between its
// recipients in proportion to their shares (money.Share, rounded down:
// the remainder is taken from the merchant), which is what a refund
// carries to providers that take back a share per recipient (Tap's
// destinations). The payment's splits are those read back with it: the
// provider's echo, else qpay's record (readMetadata). A payment without
// splits gives none; a split payment whose shares cannot be known (its
// record unreadable) is refused with KindIntegrity, before any request,
// rather than refunded with no shares, which would take all of it from
// the merchant.
func refundSplits(req qpay.RefundRequest, p *qpay.Payment) ([]qpay.Split, error) {
	if len(p.Splits) == 0 {
		if _, ok := p.Metadata[qpay.MetadataSplits]; ok {
			return nil, integrity("payment %s was made with splits, but its split record (metadata %s) cannot be read and the provider reports no split: the recipients' shares of a refund are not known; refund it from the provider's dashboard",
				p.ID, qpay.MetadataSplits)
		}
		return nil, nil
	}
	// Splits adding up to more than the payment would take more back
	// from the recipients than the refund gives.
	sum, err := money.FromMinor(0, p.Amount.Currency())
	for _, s := range p.Splits {
		if err == nil {
			sum, err = sum.Add(s.Amount)
		}
	}
	if c, cerr := sum.Cmp(p.Amount); err != nil || cerr != nil || c > 0 {
		return nil, integrity("payment %s of %s reports splits adding up to more (%s): the recipients' shares of a refund are not known",
			p.ID, p.Amount, describeSplits(p.Splits))
	}
	out := make([]qpay.Split, 0, len(p.Splits))
	for _, s := range p.Splits {
		part, err := money.Share(s.Amount, p.Amount, req.Amount)
		if err != nil {
			return nil, &qpay.Error{Kind: qpay.KindIntegrity, Err: err,
				Message: fmt.Sprintf("payment %s reports a split to %s of %s, which cannot be shared out of %s", p.ID, s.Recipient, s.Amount, p.Amount)}
		}
		if part.IsPositive() {
			out = append(out, qpay.Split{Recipient: s.Recipient, Amount: part, Reference: s.Reference})
		}
	}
	return out, nil
}
