package checkout

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// ParseWebhook decodes an event's envelope and data in one pass when
// decodeOnePass says that reads the same as decoding them one after the
// other. These tests hold the two ways to the same outcome, on the
// documented events and on bodies built to pull them apart (a repeated or
// differently spelled "data", escapes, nulls, other event types).

var onePassSecret = qpay.NewSecret("whsec_onepass_5c1d")

func onePassSeeds(t testing.TB) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, name := range []string{"webhook-payment-captured.json", "webhook-payment-refunded.json", "webhook-payment-refund-declined.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR"},"data":{"id":"pay_2","currency":"QAR"}}`,
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR"},"Data":{"id":"pay_2"}}`,
		`{"id":"evt_1","type":"payment_captured","d\u0061ta":{"id":"pay_1","amount":100,"currency":"QAR"}}`,
		`{"id":"evt_1","type":"payment_captured","DATA":{"id":"pay_1","amount":100,"currency":"QAR"}}`,
		`{"id":"evt_1","type":"payment_captured","data":null}`,
		`{"id":"evt_1","type":"payment_captured"}`,
		`{"id":"evt_1","type":"payment_captured","data":5}`,
		`{"id":"evt_1","type":"dispute_received","data":{"amount":"not a number"}}`,
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR","description":"data"}}`,
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR","source":{"type":"card"}}}`,
		`{"id":"evt_1","type":"payment_refunded","data":{"id":"pay_1","action_id":"act_1","amount":50,"currency":"QAR","response_code":10000}}`,
		`{"id":"","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR"}}`,
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":-1,"currency":"QAR"}}`,
		`{"id":"evt_1","type":"payment_captured","data":{"id":"pay_1","amount":100,"currency":"QAR","metadata":{"a":"\u00e9","b":[1]}}}`,
		`[]`,
		`not json`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func onePassAdapter(t testing.TB) *adapter {
	t.Helper()
	a, err := newAdapter(Config{SecretKey: qpay.NewSecret("sk_sbox_onepass"), WebhookSecret: onePassSecret, BaseURL: "http://127.0.0.1:9"})
	require.NoError(t, err)
	return a
}

func requireSameOutcome(t *testing.T, a *adapter, header http.Header, body []byte) {
	t.Helper()
	onePass, err1 := a.parseWebhook(header, body, true)
	stepwise, err2 := a.parseWebhook(header, body, false)
	require.Equal(t, stepwise, onePass, "events differ for %s", body)
	if err2 == nil {
		require.NoError(t, err1, "body %s", body)
		return
	}
	require.Error(t, err1, "body %s", body)
	require.Equal(t, err2.Error(), err1.Error(), "body %s", body)
	var e1, e2 *qpay.Error
	require.True(t, errors.As(err1, &e1) && errors.As(err2, &e2))
	require.Equal(t, e2.Kind, e1.Kind)
}

func TestWebhookOnePassMatchesStepwise(t *testing.T) {
	a := onePassAdapter(t)
	onePassTaken := 0
	for _, body := range onePassSeeds(t) {
		if decodeOnePass(body) != nil {
			onePassTaken++
		}
		requireSameOutcome(t, a, http.Header{SignatureHeader: {Signature(onePassSecret, body)}}, body)
		requireSameOutcome(t, a, http.Header{}, body)
	}
	require.GreaterOrEqual(t, onePassTaken, 3, "the documented events must take the one pass")
}

func TestDecodeOnePassDeclines(t *testing.T) {
	for _, body := range []string{
		`{"id":"e","type":"t","data":{"amount":1},"data":{"amount":2}}`, // repeated: merged here, last one wins in two steps
		`{"id":"e","type":"t","data":{"amount":1},"DaTa":{"amount":2}}`, // names match without regard to case
		`{"id":"e","type":"t","d\u0061ta":{"amount":1}}`,                // an escaped name
		`{"id":"e","type":"t","data":null}`,
		`{"id":"e","type":"t"}`,
		`{"id":"e","type":"t","data":"x"}`,
	} {
		require.Nil(t, decodeOnePass([]byte(body)), body)
	}
	require.NotNil(t, decodeOnePass([]byte(`{"id":"e","type":"t","data":{"amount":1}}`)))
}

func FuzzWebhookOnePassMatchesStepwise(f *testing.F) {
	for _, seed := range onePassSeeds(f) {
		f.Add(seed)
	}
	a := onePassAdapter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameOutcome(t, a, http.Header{SignatureHeader: {Signature(onePassSecret, body)}}, body)
	})
}
