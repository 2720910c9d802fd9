package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/internal/driver"
)

// overlongAmounts are amounts whose text is longer than any real amount's
// (money.MaxNumberLen bytes), in the shapes of issue 12, finding 3: each
// is worth QAR 1.00, which today's recipe would sign as "1.00", and each
// used to cost arithmetic quadratic in its digits before the signature was
// even compared.
var overlongAmounts = map[string]any{
	"1. and 250,000 zeros":       json.Number("1." + strings.Repeat("0", 250_000)),
	"1. and 63 zeros (65 bytes)": json.Number("1." + strings.Repeat("0", 63)),
	"65-digit integer scaled":    json.Number("1" + strings.Repeat("0", 64) + "e-64"),
	"quoted, 250,000 zeros":      "1." + strings.Repeat("0", 250_000),
	"exponent beyond any amount": json.Number("1" + strings.Repeat("0", 40) + "e-999999999"),
}

// TestOverlongAmountIsRefusedBeforeTheSignature: a Tap delivery whose
// amount is over-long is refused as unverifiable (KindInvalidSignature,
// wrapping money.ErrInvalidAmount) whether its hashstring is forged or is
// the one the old recipe would have computed, by ParseWebhook and by
// WebhookHandler (401). What is asserted is the error, not the time: the
// refusal comes from money.ParseNumber's length bound, which counts bytes
// before any arithmetic (see money.FuzzNumberLength).
func TestOverlongAmountIsRefusedBeforeTheSignature(t *testing.T) {
	d := loadSeedDelivery(t)
	p := newTestProvider(t)
	handled := 0
	handler := qpay.NewWebhookHandler(p, func(context.Context, *qpay.WebhookEvent) error { handled++; return nil })
	// What Tap's recipe gives for an amount worth QAR 1.00, created as in
	// the seed: a genuine signature, had the body been genuine.
	genuine := recipe(testKey.Reveal(), seedChargeID, "1.00", "QAR", "00", "0519241133062344298", "CAPTURED", "1718796783000")
	forged := strings.Repeat("ab", 32)

	for name, amount := range overlongAmounts {
		body := patch(t, d.Body, map[string]any{"amount": amount})
		for _, sig := range []struct{ name, value string }{{"forged", forged}, {"old recipe", genuine}} {
			t.Run(name+"/"+sig.name, func(t *testing.T) {
				h := http.Header{SignatureHeader: {sig.value}}
				ev, err := p.ParseWebhook(context.Background(), h, body)
				require.Nil(t, ev)
				require.ErrorIs(t, err, qpay.KindInvalidSignature)
				require.ErrorIs(t, err, money.ErrInvalidAmount, "refused for its amount, before any HMAC was compared")
				assert.Less(t, len(err.Error()), 500, "the error must not carry the number")

				_, err = Hashstring(testKey, body)
				require.ErrorIs(t, err, money.ErrInvalidAmount, "the signer refuses it too")

				req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
				req.Header.Set(SignatureHeader, sig.value)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				require.Equal(t, http.StatusUnauthorized, rec.Code)
				require.Zero(t, handled)
			})
		}
	}

	t.Run("the longest accepted amount keeps the recipe", func(t *testing.T) {
		longest := json.Number("1." + strings.Repeat("0", money.MaxNumberLen-2))
		body := patch(t, d.Body, map[string]any{"amount": longest})
		readBack(t, d.Body, 1) // the charge as Tap holds it, worth QAR 1.00
		ev, err := p.ParseWebhook(context.Background(), http.Header{SignatureHeader: {genuine}}, body)
		require.NoError(t, err)
		assert.Equal(t, "QAR 1.00", ev.Payment.Amount.String())
		sig, err := Hashstring(testKey, body)
		require.NoError(t, err)
		assert.Equal(t, genuine, sig)
	})
}

// TestOverlongAmountInAnAnswer: the same bound holds for what Tap's API
// answers (GetPayment reads up to 1 MiB): a protocol error, never QAR 1.00
// read after quadratic arithmetic.
func TestOverlongAmountInAnAnswer(t *testing.T) {
	for name, amount := range overlongAmounts {
		t.Run(name, func(t *testing.T) {
			p := newTestProvider(t)
			body := patch(t, fixture(t, "charge-captured.json"), map[string]any{"amount": amount})
			tapAPI().Get("/v2/charges/" + seedChargeID).Reply(200).JSON(body)
			got, err := p.GetPayment(context.Background(), seedChargeID)
			require.Nil(t, got)
			require.ErrorIs(t, err, qpay.KindProtocol)
			require.ErrorIs(t, err, money.ErrInvalidAmount)
		})
	}
}

// FuzzWebhookAmountLength grows a delivery's amount in length (up to 1 MiB
// of digits, in several shapes) and checks, by counting rather than
// timing, that the work stays bounded: refusing an over-long amount never
// allocates more than refusing the longest allowed amount of its shape,
// whatever the length. An amount longer than money.MaxNumberLen is refused
// as unverifiable for its amount (money.ErrInvalidAmount), whether the
// hashstring is forged or the one the recipe gives for its value; an
// amount of legitimate length worth QAR 1.00 and signed by the recipe is
// accepted as QAR 1.00.
func FuzzWebhookAmountLength(f *testing.F) {
	for shape := range uint8(4) {
		for _, n := range []uint32{0, 1, 61, 62, 63, 1000, 250_000} {
			f.Add(shape, n, true)
			f.Add(shape, n, false)
		}
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "webhook-charge-captured.json"))
	require.NoError(f, err)
	var d seedDelivery
	require.NoError(f, json.Unmarshal(raw, &d))
	p := newFuzzProvider(f, d.Body)
	if _, err := p.ParseWebhook(context.Background(), http.Header{SignatureHeader: {d.Headers["hashstring"]}}, d.Body); err != nil {
		f.Fatal(err)
	}
	genuine := recipe(testKey.Reveal(), seedChargeID, "1.00", "QAR", "00", "0519241133062344298", "CAPTURED", "1718796783000")
	forged := strings.Repeat("ab", 32)
	// bounds[shape] is a constant: what refusing the longest amount of that
	// shape allowed, forged, allocates. No longer amount may cost more.
	var bounds [amountShapes]float64
	for shape := range uint8(amountShapes) {
		longest := amountOfShape(shape, 0)
		for n := 0; len(strings.Trim(amountOfShape(shape, n), `"`)) <= money.MaxNumberLen; n++ {
			longest = amountOfShape(shape, n)
		}
		body, err := patchJSON(d.Body, map[string]any{"amount": json.RawMessage(longest)})
		require.NoError(f, err)
		h := http.Header{SignatureHeader: {forged}}
		bounds[shape] = leastAllocs(func() { _, _ = p.ParseWebhook(context.Background(), h, body) })
	}

	f.Fuzz(func(t *testing.T, shape uint8, n uint32, signed bool) {
		n %= 1 << 20
		shape %= amountShapes
		amount := amountOfShape(shape, int(n))
		body, err := patchJSON(d.Body, map[string]any{"amount": json.RawMessage(amount)})
		require.NoError(t, err)
		sig := forged
		if signed {
			sig = genuine
		}
		h := http.Header{SignatureHeader: {sig}}
		ev, err := p.ParseWebhook(context.Background(), h, body)
		overlong := len(strings.Trim(amount, `"`)) > money.MaxNumberLen
		switch {
		case overlong:
			require.ErrorIs(t, err, qpay.KindInvalidSignature)
			require.ErrorIs(t, err, money.ErrInvalidAmount)
		case signed && shape != 3:
			require.NoError(t, err)
			require.Equal(t, "QAR 1.00", ev.Payment.Amount.String())
			return
		default:
			require.ErrorIs(t, err, qpay.KindInvalidSignature)
		}
		if overlong {
			allocs := leastAllocs(func() { _, _ = p.ParseWebhook(context.Background(), h, body) })
			require.LessOrEqual(t, allocs, bounds[shape], "refusing a %d-byte amount allocates more than the longest allowed one", len(amount))
		}
	})
}

// amountShapes is how many shapes amountOfShape writes.
const amountShapes = 4

// amountOfShape writes an amount with about n digits: three shapes worth
// QAR 1.00 and one that is never a QAR amount.
func amountOfShape(shape uint8, n int) string {
	switch shape {
	case 0:
		return "1." + strings.Repeat("0", n+1)
	case 1:
		return "1" + strings.Repeat("0", n) + "e-" + strconv.Itoa(n)
	case 2:
		return `"1.` + strings.Repeat("0", n+1) + `"`
	default:
		return "0." + strings.Repeat("0", n) + "1"
	}
}

// newFuzzProvider is newTestProvider for a fuzz target: the read-back of
// every accepted delivery is answered in process with object, the charge
// as Tap holds it; no request leaves the process.
func newFuzzProvider(f *testing.F, object []byte) qpay.Provider {
	f.Helper()
	client := &http.Client{Transport: answerWith(object)}
	a, err := newAdapter(Config{SecretKey: testKey, BaseURL: "http://tap.invalid", HTTP: qpay.HTTPOptions{Client: client, MaxAttempts: 1}})
	require.NoError(f, err)
	return driver.Wrap(a, driver.Options{MaxWebhookBytes: 2 << 20})
}

// answerWith answers every request with its bytes, as Tap answers GET
// /v2/charges/{id}.
type answerWith []byte

func (o answerWith) RoundTrip(r *http.Request) (*http.Response, error) {
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

// leastAllocs is the fewest allocations one call of f made in five tries:
// the fuzzing engine's own goroutines allocate meanwhile, and only ever add
// to the count.
func leastAllocs(f func()) float64 {
	least := testing.AllocsPerRun(1, f)
	for range 4 {
		least = min(least, testing.AllocsPerRun(1, f))
	}
	return least
}
