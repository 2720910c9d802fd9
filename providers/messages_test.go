package providers_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/providers"
)

// TestErrorsNameWhatWasSet checks that a configuration read from the
// environment is explained in the names the operator set, and that a bad
// duration or number says what would have worked.
func TestErrorsNameWhatWasSet(t *testing.T) {
	lookup := func(env map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	}
	for name, tc := range map[string]struct {
		env      map[string]string
		want     []string
		notWants []string
	}{
		"missing key": {
			env:      map[string]string{"QPAY_PROVIDER": "checkout"},
			want:     []string{"QPAY_SECRET_KEY is required", "QPAY_WEBHOOK_SECRET is required for checkout"},
			notWants: []string{"secret_key", "webhook_secret"},
		},
		"duration without a unit": {
			env:  map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_1", "QPAY_CALL_TIMEOUT": "5"},
			want: []string{`QPAY_CALL_TIMEOUT: "5" is not a duration: write a number with a unit, such as "20s"`},
		},
		"negative duration": {
			env:  map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_1", "QPAY_MAX_BACKOFF": "-1s"},
			want: []string{`QPAY_MAX_BACKOFF: "-1s" is negative`},
		},
		"attempts not a number": {
			env:      map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_1", "QPAY_MAX_ATTEMPTS": "four"},
			want:     []string{`QPAY_MAX_ATTEMPTS: "four" is not a whole number, such as "4"`},
			notWants: []string{"strconv"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := providers.FromLookup("QPAY_", lookup(tc.env))
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			for _, w := range append(tc.notWants, "time:") {
				assert.NotContains(t, err.Error(), w)
			}
			assert.Equal(t, 1, strings.Count(err.Error(), "providers:"), "one prefix: %s", err)
		})
	}
	// LoadJSON names the JSON fields.
	_, err := providers.LoadJSON(strings.NewReader(`{"provider":"tap"}`))
	assert.ErrorContains(t, err, "secret_key is required")
}
