package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/status"
	"github.com/qpay-go/qpay/store"
)

// The statements, in one place with the columns they read. Amounts travel
// as text in both directions (money.Money's fixed-point form one way,
// numeric::text the other), so no driver conversion can round them.
const (
	insertEvent = `INSERT INTO qpay_events (provider, id, type, payment_id, refund_id, applied, ignored, processed_at)
		VALUES ($1, $2, $3, $4, $5, false, '', $6)
		ON CONFLICT (provider, id) DO NOTHING`
	finishEvent = `UPDATE qpay_events SET applied = $3, ignored = $4 WHERE provider = $1 AND id = $2`

	// The key is provider and payment ID joined by '/', which neither may
	// contain (qpay.ValidateID); a hash collision only serializes two
	// unrelated payments.
	lockPaymentSQL = `SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))`

	paymentColumns = `provider, id, status, raw_status, currency, amount::text, refunded::text, reference, updated_at`
	selectPayment  = `SELECT ` + paymentColumns + ` FROM qpay_payments WHERE provider = $1 AND id = $2`
	upsertPayment  = `INSERT INTO qpay_payments (provider, id, status, raw_status, currency, amount, refunded, reference, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6::text::numeric, $7::text::numeric, $8, $9)
		ON CONFLICT (provider, id) DO UPDATE SET
			status = EXCLUDED.status, raw_status = EXCLUDED.raw_status, currency = EXCLUDED.currency,
			amount = EXCLUDED.amount, refunded = EXCLUDED.refunded, reference = EXCLUDED.reference,
			updated_at = EXCLUDED.updated_at`

	refundColumns = `provider, id, payment_id, status, raw_status, currency, amount::text, reference, counted, updated_at`
	selectRefund  = `SELECT ` + refundColumns + ` FROM qpay_refunds WHERE provider = $1 AND id = $2 FOR UPDATE`
	selectEarly   = `SELECT ` + refundColumns + ` FROM qpay_refunds
		WHERE provider = $1 AND payment_id = $2 AND NOT counted AND status = 'succeeded'
		ORDER BY id FOR UPDATE`
	upsertRefund = `INSERT INTO qpay_refunds (provider, id, payment_id, status, raw_status, currency, amount, reference, counted, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7::text::numeric, $8, $9, $10)
		ON CONFLICT (provider, id) DO UPDATE SET
			payment_id = EXCLUDED.payment_id, status = EXCLUDED.status, raw_status = EXCLUDED.raw_status,
			currency = EXCLUDED.currency, amount = EXCLUDED.amount, reference = EXCLUDED.reference,
			counted = EXCLUDED.counted, updated_at = EXCLUDED.updated_at`
)

func lockPayment(ctx context.Context, tx pgx.Tx, provider, id string) error {
	_, err := tx.Exec(ctx, lockPaymentSQL, provider, id)
	return err
}

// readSnapshot reads, and locks, the rows an operation on one payment
// touches. The caller holds the payment's advisory lock.
func readSnapshot(ctx context.Context, tx pgx.Tx, op, provider, paymentID, refundID string) (store.Snapshot, error) {
	var snap store.Snapshot
	p, err := scanPayment(tx.QueryRow(ctx, selectPayment+` FOR UPDATE`, provider, paymentID))
	switch {
	case err == nil:
		snap.Payment = p
	case !errors.Is(err, pgx.ErrNoRows):
		return snap, dbError(op, "reading the payment", err)
	default:
		// Refunds that succeeded before the payment was known; only a
		// payment not stored yet can have any.
		rows, err := tx.Query(ctx, selectEarly, provider, paymentID)
		if err != nil {
			return snap, dbError(op, "reading the payment's refunds", err)
		}
		snap.Uncounted, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Refund, error) {
			r, err := scanRefund(row)
			if err != nil {
				return store.Refund{}, err
			}
			return *r, nil
		})
		if err != nil {
			return snap, dbError(op, "reading the payment's refunds", err)
		}
	}
	if refundID != "" {
		r, err := scanRefund(tx.QueryRow(ctx, selectRefund, provider, refundID))
		switch {
		case err == nil:
			snap.Refund = r
		case !errors.Is(err, pgx.ErrNoRows):
			return snap, dbError(op, "reading the refund", err)
		}
	}
	return snap, nil
}

// write stores a Change in tx.
func write(ctx context.Context, tx pgx.Tx, c store.Change) error {
	if p := c.Payment; p != nil {
		if _, err := tx.Exec(ctx, upsertPayment, p.Provider, p.ID, p.Status.String(), p.RawStatus,
			p.Amount.Currency(), p.Amount.Fixed(), p.Refunded.Fixed(), p.Reference, p.UpdatedAt); err != nil {
			return err
		}
	}
	for _, r := range c.Refunds {
		if _, err := tx.Exec(ctx, upsertRefund, r.Provider, r.ID, r.PaymentID, r.Status.String(), r.RawStatus,
			r.Amount.Currency(), r.Amount.Fixed(), r.Reference, r.Counted, r.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

// scanPayment reads one payment row. A row that does not parse back (a
// status name or amount written by something else) is an error of kind
// qpay.KindProtocol, never a guess.
func scanPayment(row pgx.Row) (*store.Payment, error) {
	var (
		p                              store.Payment
		st, currency, amount, refunded string
		updatedAt                      time.Time
	)
	if err := row.Scan(&p.Provider, &p.ID, &st, &p.RawStatus, &currency, &amount, &refunded, &p.Reference, &updatedAt); err != nil {
		return nil, err
	}
	var err error
	if p.Status, err = status.Parse(st); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	if p.Amount, err = money.Parse(amount, currency); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	if p.Refunded, err = money.Parse(refunded, currency); err != nil {
		return nil, corrupt("payment", p.ID, err)
	}
	p.UpdatedAt = updatedAt.UTC()
	return &p, nil
}

// scanRefund reads one refund row, like scanPayment.
func scanRefund(row pgx.Row) (*store.Refund, error) {
	var (
		r                    store.Refund
		st, currency, amount string
		updatedAt            time.Time
	)
	if err := row.Scan(&r.Provider, &r.ID, &r.PaymentID, &st, &r.RawStatus, &currency, &amount, &r.Reference, &r.Counted, &updatedAt); err != nil {
		return nil, err
	}
	var err error
	if r.Status, err = status.ParseRefund(st); err != nil {
		return nil, corrupt("refund", r.ID, err)
	}
	if r.Amount, err = money.Parse(amount, currency); err != nil {
		return nil, corrupt("refund", r.ID, err)
	}
	r.UpdatedAt = updatedAt.UTC()
	return &r, nil
}

func corrupt(what, id string, err error) error {
	return &qpay.Error{Kind: qpay.KindProtocol, Message: fmt.Sprintf("stored %s %s cannot be read back", what, id), Err: err}
}
