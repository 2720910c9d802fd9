package tap

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// ParseWebhook decodes a delivery in one pass and falls back to the
// step-by-step path only when that pass fails. The two must never differ:
// same event, same error. These tests hold the one-pass path to the
// step-by-step one, on the documented objects and on bodies built to pull
// the two apart (repeated keys, nulls, fields of the other object kind).

// onePassSeeds are signed with the key unless unsignable.
func onePassSeeds(t testing.TB) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, name := range []string{"charge-captured.json", "charge-declined.json", "charge-initiated.json", "refund-pending.json", "refund-refunded.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`{"id":"chg_1","object":"charge","status":"CAPTURED","amount":5,"amount":null,"currency":"QAR"}`,
		`{"id":"chg_1","object":"charge","status":"CAPTURED","amount":null,"amount":5,"currency":"QAR"}`,
		`{"id":"chg_1","object":"charge","status":"CAPTURED","currency":"QAR"}`,
		`{"id":"chg_1","object":"charge","status":"CAPTURED","amount":"1.5","currency":"QAR","reference":{"merchant":{"x":1}}}`,
		`{"id":"re_1","object":"refund","status":"REFUNDED","amount":1,"currency":"QAR","charge_id":"chg_1","post":"x"}`,
		`{"id":"re_1","object":"refund","status":"REFUNDED","amount":1,"currency":"QAR","charge_id":"chg_1","created":1718797854000}`,
		`{"id":"chg_1","status":"CAPTURED","amount":1,"currency":"QAR","metadata":{"a":"\u00e9","b":2},"response":{"code":505}}`,
		`{"id":"chg_1","object":"charge","status":"CAPTURED","amount":1.001,"currency":"QAR"}`,
		`{"id":"auth_1","object":"authorize","status":"AUTHORIZED","amount":1,"currency":"QAR"}`,
		`{"ID":"chg_1","Object":"charge","STATUS":"CAPTURED","Amount":1,"currency":"QAR","Reference":{"Gateway":"00"}}`,
		`{"id":"chg_1","object":"charge","status":"CAPTURED","amount":true,"currency":"QAR"}`,
		`[1,2]`,
		`not json`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func onePassAdapter(t testing.TB) *adapter {
	t.Helper()
	a, err := newAdapter(Config{SecretKey: testKey, BaseURL: "http://127.0.0.1:9"})
	require.NoError(t, err)
	return a
}

// requireSameOutcome parses body under header both ways.
func requireSameOutcome(t *testing.T, a *adapter, header http.Header, body []byte) {
	t.Helper()
	onePass, err1 := a.ParseWebhook(context.Background(), header, body)
	stepwise, err2 := a.parseWebhookStepwise(header.Get(SignatureHeader), body)
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
	require.Equal(t, e2.Body, e1.Body)
}

func TestWebhookOnePassMatchesStepwise(t *testing.T) {
	a := onePassAdapter(t)
	for _, body := range onePassSeeds(t) {
		for name, header := range map[string]http.Header{
			"signed":    onePassHeader(body),
			"unsigned":  {},
			"wrong":     {"Hashstring": {"0011223344556677889900112233445566778899001122334455667788990011"}},
			"not hex":   {"Hashstring": {"zz"}},
			"wrong key": {"Hashstring": {mustHashstring(qpay.NewSecret("sk_test_other"), body)}},
		} {
			t.Run(name, func(t *testing.T) { requireSameOutcome(t, a, header, body) })
		}
	}
}

func FuzzWebhookOnePassMatchesStepwise(f *testing.F) {
	for _, seed := range onePassSeeds(f) {
		f.Add(seed)
	}
	a := onePassAdapter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameOutcome(t, a, onePassHeader(body), body)
	})
}

// onePassHeader signs body as Tap would, or sends no signature for a body
// that cannot be signed.
func onePassHeader(body []byte) http.Header {
	sig, err := Hashstring(testKey, body)
	if err != nil {
		return http.Header{}
	}
	return http.Header{"Hashstring": {sig}}
}

func mustHashstring(key qpay.Secret, body []byte) string {
	sig, err := Hashstring(key, body)
	if err != nil {
		return "00"
	}
	return sig
}
