package tap_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/store"
)

// fuzzKey signs and verifies the fuzzed deliveries. It is Tap's documented
// sandbox key, so the fixture's recorded hashstring is a valid seed too.
var fuzzKey = qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")

// fuzzSeeds are the Tap objects of testdata: what Tap posts, as Tap
// documents it. More seeds (edge cases) are in testdata/fuzz.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, name := range []string{"charge-captured.json", "charge-declined.json", "charge-initiated.json", "refund-pending.json", "refund-refunded.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		seeds = append(seeds, b)
	}
	return seeds
}

// fuzzProvider returns a provider whose read-back of a webhook's object
// (Tap signs seven fields only, so every event is read back) is answered
// in process with object: the fuzzed body plays the object Tap holds. Each
// input gets its own, so that no read-back of another input is kept.
func fuzzProvider(t *testing.T, object []byte) qpay.Provider {
	t.Helper()
	client := &http.Client{Transport: objectTransport(object)}
	p, err := tap.New(tap.Config{SecretKey: fuzzKey, BaseURL: "http://tap.invalid",
		HTTP: qpay.HTTPOptions{Client: client, MaxAttempts: 1}})
	require.NoError(t, err)
	return p
}

// objectTransport answers every request with its bytes, as Tap answers GET
// /v2/charges/{id} or GET /v2/refunds/{id}; no request leaves the process.
type objectTransport []byte

func (o objectTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(o)),
		ContentLength: int64(len(o)),
		Request:       r,
	}, nil
}

// FuzzParseWebhook signs whatever body it is given, as Tap would, so that
// the fuzzer reaches the decoding behind the signature check, then parses
// it. Whatever the body: no panic; an error is an *qpay.Error naming Tap
// and the operation, and never a signature error for a body that was
// signed; a success is a complete event that store.Process would accept.
func FuzzParseWebhook(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p := fuzzProvider(t, body)
		h := http.Header{}
		sig, signErr := tap.Hashstring(fuzzKey, body)
		if signErr == nil {
			h.Set(tap.SignatureHeader, sig)
		}
		ev, err := p.ParseWebhook(context.Background(), h, body)
		if err != nil {
			checkParseError(t, ev, err)
			if signErr == nil && len(body) <= driver.DefaultMaxWebhookBytes {
				require.NotErrorIs(t, err, qpay.KindInvalidSignature, "a correctly signed body was refused as unsigned")
			}
			return
		}
		require.NoError(t, signErr, "a body that cannot be signed was accepted")
		checkEvent(t, ev, body)
	})
}

// FuzzParseWebhookUnsigned sends arbitrary bodies under an arbitrary
// header, without the key. Nothing may be accepted unless the header is
// the hashstring header carrying the body's true signature, which only the
// seeds can know.
func FuzzParseWebhookUnsigned(f *testing.F) {
	for i, seed := range fuzzSeeds(f) {
		sig, err := tap.Hashstring(fuzzKey, seed)
		require.NoError(f, err)
		f.Add("hashstring", sig, seed)                      // the true signature: accepted
		f.Add("HashString", strings.ToUpper(sig), seed)     // in any case
		f.Add("hashstring", sig, bytes.Repeat(seed, i%2+1)) // another body
		f.Add("Authorization", "Bearer "+fuzzKey.Reveal(), seed)
	}
	f.Fuzz(func(t *testing.T, name, value string, body []byte) {
		p := fuzzProvider(t, body)
		h := http.Header{name: {value}} // as filled by hand, not canonicalised
		ev, err := p.ParseWebhook(context.Background(), h, body)
		if err != nil {
			checkParseError(t, ev, err)
			return
		}
		want, signErr := tap.Hashstring(fuzzKey, body)
		require.NoError(t, signErr)
		got, hexErr := hex.DecodeString(strings.TrimSpace(value))
		wantRaw, _ := hex.DecodeString(want)
		require.True(t, strings.EqualFold(name, tap.SignatureHeader) && hexErr == nil && bytes.Equal(got, wantRaw),
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
	require.Equal(t, "tap", e.Provider)
	require.Equal(t, qpay.OpParseWebhook, e.Op)
}

// checkEvent asserts that ev is complete: what a merchant (and store.Keys)
// relies on.
func checkEvent(t *testing.T, ev *qpay.WebhookEvent, body []byte) {
	t.Helper()
	require.NotNil(t, ev)
	require.Equal(t, "tap", ev.Provider)
	require.True(t, strings.HasPrefix(ev.ID, "tap:"), "event ID %q", ev.ID)
	require.Equal(t, body, []byte(ev.Raw))
	require.NoError(t, qpay.ValidateID(ev.PaymentID), "payment ID %q", ev.PaymentID)
	var amount money.Money
	switch ev.Type {
	case qpay.EventPayment:
		require.NotNil(t, ev.Payment)
		require.Nil(t, ev.Refund)
		require.Equal(t, ev.PaymentID, ev.Payment.ID)
		require.Equal(t, "tap:"+ev.Payment.ID+":"+ev.Payment.RawStatus, ev.ID)
		amount = ev.Payment.Amount
	case qpay.EventRefund:
		require.NotNil(t, ev.Refund)
		require.Nil(t, ev.Payment)
		require.NoError(t, qpay.ValidateID(ev.Refund.ID), "refund ID %q", ev.Refund.ID)
		require.Equal(t, ev.PaymentID, ev.Refund.PaymentID)
		require.Equal(t, "tap:"+ev.Refund.ID+":"+ev.Refund.RawStatus, ev.ID)
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
