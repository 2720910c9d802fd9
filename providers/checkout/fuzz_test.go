package checkout_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/store"
)

// fuzzWebhookSecret signs and verifies the fuzzed deliveries.
var fuzzWebhookSecret = qpay.NewSecret("whsec_fuzz_0f8e2a9c7b6d5e4f")

// fuzzSeeds are the webhook bodies of testdata, as Checkout documents them.
// More seeds (edge cases) are in testdata/fuzz.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, name := range []string{"webhook-payment-captured.json", "webhook-payment-refunded.json", "webhook-payment-refund-declined.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		seeds = append(seeds, b)
	}
	return seeds
}

func fuzzProvider(f *testing.F) qpay.Provider {
	f.Helper()
	// No request is ever made: webhooks are parsed offline.
	p, err := checkout.New(checkout.Config{
		SecretKey:     qpay.NewSecret("sk_sbox_fuzzwebhookskeyabcdefghijklmn="),
		WebhookSecret: fuzzWebhookSecret,
		BaseURL:       "http://127.0.0.1:9",
	})
	require.NoError(f, err)
	return p
}

// FuzzParseWebhook signs whatever body it is given with the webhook
// secret, as Checkout would, so that the fuzzer reaches the decoding behind
// the signature check, then parses it. Whatever the body: no panic; an
// error is an *qpay.Error naming Checkout and the operation, and never a
// signature error; a success is a complete event that store.Process would
// accept.
func FuzzParseWebhook(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	p := fuzzProvider(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{}
		h.Set(checkout.SignatureHeader, checkout.Signature(fuzzWebhookSecret, body))
		ev, err := p.ParseWebhook(context.Background(), h, body)
		if err != nil {
			checkParseError(t, ev, err)
			if len(body) <= driver.DefaultMaxWebhookBytes {
				require.NotErrorIs(t, err, qpay.KindInvalidSignature, "a correctly signed body was refused as unsigned")
			}
			return
		}
		checkEvent(t, ev, body)
	})
}

// FuzzParseWebhookUnsigned sends arbitrary bodies under an arbitrary
// header, without the secret. Nothing may be accepted unless the header is
// Cko-Signature carrying the body's true signature, which only the seeds
// can know.
func FuzzParseWebhookUnsigned(f *testing.F) {
	for i, seed := range fuzzSeeds(f) {
		sig := checkout.Signature(fuzzWebhookSecret, seed)
		f.Add("Cko-Signature", sig, seed)                        // the true signature: accepted
		f.Add("Cko-Signature", strings.ToUpper(sig), seed)       // in any hex case
		f.Add("cko-signature", sig, seed)                        // a hand-filled, non-canonical key
		f.Add("Cko-Signature", sig, bytes.Repeat(seed, i%2+1))   // another body
		f.Add("Authorization", fuzzWebhookSecret.Reveal(), seed) // the secret itself is not a signature
	}
	p := fuzzProvider(f)
	f.Fuzz(func(t *testing.T, name, value string, body []byte) {
		h := http.Header{name: {value}} // as filled by hand, not canonicalised
		ev, err := p.ParseWebhook(context.Background(), h, body)
		if err != nil {
			checkParseError(t, ev, err)
			return
		}
		want, _ := hex.DecodeString(checkout.Signature(fuzzWebhookSecret, body))
		got, hexErr := hex.DecodeString(strings.TrimSpace(value))
		require.True(t, textproto.CanonicalMIMEHeaderKey(name) == checkout.SignatureHeader && hexErr == nil && bytes.Equal(got, want),
			"accepted a delivery without its signature: %s: %q", name, value)
		checkEvent(t, ev, body)
	})
}

func checkParseError(t *testing.T, ev *qpay.WebhookEvent, err error) {
	t.Helper()
	require.Nil(t, ev, "an event came with the error %v", err)
	var e *qpay.Error
	require.ErrorAs(t, err, &e, "not a *qpay.Error: %T %v", err, err)
	require.NotEqual(t, qpay.KindUnknown, e.Kind, "%v", err)
	require.Equal(t, "checkout", e.Provider)
	require.Equal(t, qpay.OpParseWebhook, e.Op)
}

// checkEvent asserts that ev is complete: what a merchant (and store.Keys)
// relies on.
func checkEvent(t *testing.T, ev *qpay.WebhookEvent, body []byte) {
	t.Helper()
	require.NotNil(t, ev)
	require.Equal(t, "checkout", ev.Provider)
	require.NotEmpty(t, ev.ID)
	require.NotEmpty(t, ev.RawType)
	require.Equal(t, body, []byte(ev.Raw))
	require.NoError(t, qpay.ValidateID(ev.PaymentID), "payment ID %q", ev.PaymentID)
	var amount money.Money
	switch ev.Type {
	case qpay.EventPayment:
		require.NotNil(t, ev.Payment)
		require.Nil(t, ev.Refund)
		require.Equal(t, ev.PaymentID, ev.Payment.ID)
		amount = ev.Payment.Amount
	case qpay.EventRefund:
		require.NotNil(t, ev.Refund)
		require.Nil(t, ev.Payment)
		require.NoError(t, qpay.ValidateID(ev.Refund.ID), "refund ID %q", ev.Refund.ID)
		require.Equal(t, ev.PaymentID, ev.Refund.PaymentID)
		amount = ev.Refund.Amount
	default:
		t.Fatalf("event type %v", ev.Type)
	}
	require.True(t, money.Known(amount.Currency()), "currency %q", amount.Currency())
	_, err := money.New(amount.Amount(), amount.Currency())
	require.NoError(t, err, "the amount %v is not one qpay can hold", amount)
	_, _, err = store.Keys(ev)
	require.NoError(t, err, "a store would refuse the event")
}
