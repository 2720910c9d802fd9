package mpgs

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/adaptertest"
)

// A test merchant profile. None of these is real.
const (
	testHost        = "https://test-gateway.mastercard.com"
	testMerchant    = "TESTQPAY01"
	testBasePath    = "/api/rest/version/100/merchant/" + testMerchant
	fixtureOrderID  = "ord-7f3a9c"
	fixtureRefundID = "ref-INV-1001-r1"
)

// The test merchant's secrets.
var (
	testPassword   = qpay.NewSecret("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	testHookSecret = qpay.NewSecret("5B8D1C7E2F9A4E6B3D0C8A7F1E2D3C4B")
)

// fixture reads a file of testdata/.
func fixture(t testing.TB, name string) []byte { t.Helper(); return adaptertest.Fixture(t, name) }

// patch decodes a JSON object, lets edit change it, and encodes it again.
func patch(t *testing.T, body []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	return adaptertest.Patch(t, body, edit)
}

// obj returns m[key] as an object, for patch.
func obj(m map[string]any, key string) map[string]any { return adaptertest.Obj(m, key) }

// testHTTP returns transport options whose client gock intercepts.
func testHTTP(t *testing.T) qpay.HTTPOptions { t.Helper(); return adaptertest.GockHTTP(t) }

// testConfig is the test merchant's configuration on gock.
func testConfig(t *testing.T) Config {
	return Config{
		MerchantID:    testMerchant,
		APIPassword:   testPassword,
		Host:          testHost,
		WebhookSecret: testHookSecret,
		HTTP:          testHTTP(t),
	}
}

// newTestProvider builds the provider a merchant would, on gock.
func newTestProvider(t *testing.T, cfg Config) qpay.Provider {
	t.Helper()
	p, err := New(cfg)
	require.NoError(t, err)
	return p
}

// notification returns the headers of a delivery carrying secret.
func notification(secret qpay.Secret, id string) http.Header {
	h := http.Header{}
	h.Set(SecretHeader, secret.Reveal())
	if id != "" {
		h.Set(NotificationIDHeader, id)
	}
	h.Set(AttemptHeader, "1")
	return h
}

func mustDecimal(s string) decimal.Decimal { return decimal.RequireFromString(s) }
