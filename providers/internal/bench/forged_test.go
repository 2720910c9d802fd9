package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/money"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/tap"
)

// forgedSize is the size of every body of BenchmarkRejectForged: the most
// an answer may be (transport's limit), four times a WebhookHandler's.
const forgedSize = 1 << 20

// forgedSignature is a well-formed signature of nothing: what an attacker
// without the key sends.
var forgedSignature = strings.Repeat("ab", 32)

// placeholder marks where sized raw JSON goes in a fixture's body.
const placeholder = "@@qpay-bench-placeholder@@"

// sized returns body with the JSON value at path (dotted) replaced by the
// raw text fill(n), n chosen so that the whole body is forgedSize bytes.
func sized(tb testing.TB, body []byte, path string, fill func(n int) string) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		tb.Fatal(err)
	}
	keys := strings.Split(path, ".")
	m := doc
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = placeholder
	out, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	quoted := `"` + placeholder + `"`
	rest := len(out) - len(quoted)
	for n := forgedSize - rest; n > 0; n-- {
		if v := fill(n); rest+len(v) <= forgedSize {
			sizedBody := bytes.Replace(out, []byte(quoted), []byte(v), 1)
			return append(sizedBody, bytes.Repeat([]byte(" "), forgedSize-len(sizedBody))...)
		}
	}
	tb.Fatal("cannot size the body")
	return nil
}

// Fills of n bytes of raw JSON.
func jsonString(n int) string { return `"` + strings.Repeat("A", n-2) + `"` }
func escapes(n int) string    { return `"` + strings.Repeat(`\u0041`, (n-2)/6) + `"` }
func longNumber(n int) string { return "1." + strings.Repeat("0", n-2) }
func nesting(n int) string    { return strings.Repeat("[", n/2) + strings.Repeat("]", n/2) }

// repeatedAmounts is n bytes of `1.000…(62 zeros),"amount":` repeated: a
// body naming its amount thousands of times, each as long as an amount may
// be, so that every one is parsed.
func repeatedAmounts(n int) string {
	one := "1." + strings.Repeat("0", money.MaxNumberLen-2)
	unit := one + `,"amount":`
	return strings.Repeat(unit, (n-len(one))/len(unit)) + one
}

// forgedCase is one hostile delivery beside the genuine body it imitates.
type forgedCase struct {
	name   string
	header http.Header
	body   []byte
}

// BenchmarkRejectForged measures the refusal of a forged 1 MiB delivery
// beside the verification of a genuine delivery of the same size, signed
// with the right key and padded in an unsigned field, in the same run and
// interleaved as every benchmark of this package: the benchmark's own
// ns/op is the refusal's, genuine-ns/op the genuine parse's, and
// x-genuine-ns their ratio (the target: at most 3). Each forged body aims
// at a different cost: a wrong signature on a genuine-looking body, an
// amount a megabyte long (issue 12, finding 3), a signed field a megabyte
// long (more to hash), a megabyte of \u escapes, nesting beyond
// encoding/json's depth, and the amount repeated in as many members as fit,
// each as long as an amount may be. Both providers verify with a current
// and a previous secret (a key rotation in progress), so every forged body
// is tried against two secrets.
func BenchmarkRejectForged(b *testing.B) {
	ctx := context.Background()
	for _, pc := range forgedProviders(b) {
		b.Run(pc.name, func(b *testing.B) {
			for _, fc := range pc.forged {
				b.Run(fc.name, func(b *testing.B) {
					if len(fc.body) != forgedSize || len(pc.genuine) != forgedSize {
						b.Fatalf("bodies of %d and %d bytes, not %d", len(fc.body), len(pc.genuine), forgedSize)
					}
					forged := func(ctx context.Context) error {
						if ev, err := pc.p.ParseWebhook(ctx, fc.header, fc.body); err == nil || ev != nil {
							return errAccepted
						}
						return nil
					}
					genuine := func(ctx context.Context) error {
						_, err := pc.p.ParseWebhook(ctx, pc.header, pc.genuine)
						return err
					}
					for _, op := range []func(context.Context) error{forged, genuine} {
						if err := op(ctx); err != nil {
							b.Fatal(err)
						}
					}
					b.SetBytes(forgedSize)
					s := interleaved(b, forged, genuine)
					b.ReportMetric(s[1].nsPerOp(), "genuine-ns/op")
					b.ReportMetric(s[0].nsPerOp()/s[1].nsPerOp(), "x-genuine-ns")
				})
			}
		})
	}
}

type forgedError string

func (e forgedError) Error() string { return string(e) }

const errAccepted = forgedError("a forged delivery was accepted")

// forgedProvider is a provider whose Provider reads 1 MiB webhooks, its
// genuine delivery and the forged ones.
type forgedProvider struct {
	name    string
	p       qpay.Provider
	header  http.Header
	genuine []byte
	forged  []forgedCase
}

func forgedProviders(tb testing.TB) []forgedProvider {
	tb.Helper()
	// Read 1 MiB bodies, as a merchant with a larger MaxBodyBytes would.
	wide := func(p qpay.Provider, err error) qpay.Provider {
		if err != nil {
			tb.Fatal(err)
		}
		return driver.Wrap(driver.Unwrap(p), driver.Options{MaxWebhookBytes: forgedSize})
	}

	// A key rotation in progress: two secrets to try.
	future := time.Now().AddDate(1, 0, 0)

	var wh struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture(tb, "tap/webhook-charge-captured.json"), &wh); err != nil {
		tb.Fatal(err)
	}
	// Tap signs seven fields, so a genuine delivery's charge is read back:
	// a loopback server answers with the charge as Tap holds it (the
	// delivery without its padding).
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(wh.Body)
	}))
	tb.Cleanup(api.Close)
	tapP := wide(tap.New(tap.Config{SecretKey: tapKey, BaseURL: api.URL, HTTP: httpOptions,
		PreviousSecretKeys: []qpay.PreviousSecret{{Secret: qpay.NewSecret("sk_test_previousbenchkey0000000"), Until: future}}}))
	tapGenuine := sized(tb, wh.Body, "metadata.udf1", jsonString)
	tapSign := func(body []byte) http.Header {
		sig, err := tap.Hashstring(tapKey, body)
		if err != nil {
			tb.Fatal(err)
		}
		return http.Header{tap.SignatureHeader: {sig}}
	}
	forgedTap := http.Header{tap.SignatureHeader: {forgedSignature}}

	ckoEvent := fixture(tb, "checkout/webhook-payment-captured.json")
	ckoP := wide(checkout.New(checkout.Config{SecretKey: ckoKey, WebhookSecret: ckoWebhookSecret, BaseURL: "http://127.0.0.1:9",
		PreviousWebhookSecrets: []qpay.PreviousSecret{{Secret: qpay.NewSecret("whsec_previous_bench_0000"), Until: future}}}))
	ckoGenuine := sized(tb, ckoEvent, "data.metadata.padding", jsonString)
	forgedCko := http.Header{checkout.SignatureHeader: {forgedSignature}}

	return []forgedProvider{
		{
			name: "tap", p: tapP, header: tapSign(tapGenuine), genuine: tapGenuine,
			forged: []forgedCase{
				{"wrong-signature", forgedTap, tapGenuine},
				{"long-amount", forgedTap, sized(tb, wh.Body, "amount", longNumber)},
				{"long-signed-field", forgedTap, sized(tb, wh.Body, "reference.payment", jsonString)},
				{"escapes", forgedTap, sized(tb, wh.Body, "metadata.udf1", escapes)},
				{"deep-nesting", forgedTap, sized(tb, wh.Body, "metadata.udf2", nesting)},
				{"repeated-amounts", forgedTap, sized(tb, wh.Body, "amount", repeatedAmounts)},
			},
		},
		{
			name: "checkout", p: ckoP, header: http.Header{checkout.SignatureHeader: {checkout.Signature(ckoWebhookSecret, ckoGenuine)}}, genuine: ckoGenuine,
			forged: []forgedCase{
				{"wrong-signature", forgedCko, ckoGenuine},
				{"long-amount", forgedCko, sized(tb, ckoEvent, "data.amount", longNumber)},
				{"escapes", forgedCko, sized(tb, ckoEvent, "data.metadata.padding", escapes)},
			},
		},
	}
}

// TestForgedBodiesAreRefused keeps BenchmarkRejectForged honest: every
// genuine body verifies, every forged one is refused as unsigned.
func TestForgedBodiesAreRefused(t *testing.T) {
	ctx := context.Background()
	for _, pc := range forgedProviders(t) {
		ev, err := pc.p.ParseWebhook(ctx, pc.header, pc.genuine)
		if err != nil || ev == nil {
			t.Fatalf("%s: the genuine body: %v", pc.name, err)
		}
		for _, fc := range pc.forged {
			ev, err := pc.p.ParseWebhook(ctx, fc.header, fc.body)
			if ev != nil || !errors.Is(err, qpay.KindInvalidSignature) {
				t.Errorf("%s/%s: got %v, want an invalid signature", pc.name, fc.name, err)
			}
		}
	}
}
