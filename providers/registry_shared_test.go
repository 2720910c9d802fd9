package providers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
)

// Two merchants on one Tap platform key can be kept apart only by their
// merchant IDs (the owner check): a Registry refuses the second unless
// both name theirs, and names them differently; their configurations are
// never printed.
func TestRegistryRefusesATapKeySharedWithoutMerchantIDs(t *testing.T) {
	const liveKey = "sk_live_PlatformKeyOfAGulfMarketplace1"
	tap := func(merchantID string) providers.Config {
		return providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret(liveKey), MerchantID: merchantID}
	}
	cases := []struct {
		name        string
		first, then providers.Config
		ok          bool
	}{
		{"both name their merchant", tap("599424"), tap("777777"), true},
		{"the second names none", tap("599424"), tap(""), false},
		{"the first names none", tap(""), tap("777777"), false},
		{"neither names one", tap(""), tap(""), false},
		{"both name the same", tap("599424"), tap("599424"), false},
		{"other keys", tap(""), providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret("sk_live_AnotherKeyOfAnotherShop1")}, true},
		{"the old key of a rotation", tap(""), providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret("sk_live_TheNewKeyOfTheOtherShop1"),
			PreviousSecretKey: qpay.NewSecret(liveKey), PreviousSecretKeyUntil: time.Now().Add(time.Hour)}, false},
		{"test keys are not compared", providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret(tapKey)},
			providers.Config{Provider: providers.Tap, SecretKey: qpay.NewSecret(tapKey)}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := providers.NewRegistry()
			require.NoError(t, reg.Configure("shop-a", c.first))
			err := reg.Configure("shop-b", c.then)
			if c.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "shop-a")
			assert.NotContains(t, err.Error(), liveKey)
			_, getErr := reg.Get("shop-b")
			assert.Error(t, getErr, "nothing configured on error")
			// The merchant itself may configure the same key again (a
			// rotation or a re-read configuration).
			require.NoError(t, reg.Configure("shop-a", c.first))
		})
	}
}
