package providers

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// A Tap platform key serves several merchants and signs every one's
// webhooks with the same secret, so a key shared by two merchants of a
// Registry lets a genuine delivery of one verify at the other's endpoint.
// What keeps them apart is the owner check (Payment.Owner against
// Config.MerchantID, qpay.KindForeignAccount), which needs each of them to
// name its merchant ID: without one, nothing can be compared. Configure
// therefore refuses a Tap configuration whose keys another merchant's
// configuration uses too unless both name their MerchantID, and two that
// name the same one (the same sub-merchant under two merchant IDs, whose
// events would settle under whichever endpoint they reached).
//
// Test keys (sk_test_) are not compared: one sandbox account commonly
// stands in for many merchants in tests and staging, where a misrouted
// event moves no money, and the owner check still applies to every one
// that names its merchant ID.

// sharedKey is what a Tap configuration's keys are compared by: digests,
// never the keys.
type sharedKey struct {
	keys       []string // digests of the keys that verify its webhooks
	merchantID string
}

func tapKeys(cfg Config) *sharedKey {
	if cfg.Provider != Tap {
		return nil
	}
	sk := &sharedKey{merchantID: cfg.MerchantID}
	for _, k := range []string{cfg.SecretKey.Reveal(), cfg.PreviousSecretKey.Reveal()} {
		if k != "" && !strings.HasPrefix(k, "sk_test_") {
			sum := sha256.Sum256([]byte("qpay-registry-tap-key\x00" + k))
			sk.keys = append(sk.keys, string(sum[:]))
		}
	}
	return sk
}

// checkSharedKey refuses e for merchantID when another merchant's
// configuration shares a Tap key with it and the two cannot be told apart.
// r.mu is held.
func (r *Registry) checkSharedKey(merchantID string, e entry) error {
	if e.tap == nil {
		return nil
	}
	for other, mc := range r.m {
		if other == merchantID {
			continue
		}
		for _, o := range append([]entry{mc.current}, mc.older...) {
			if o.tap == nil || !shareAny(o.tap.keys, e.tap.keys) {
				continue
			}
			switch {
			case e.tap.merchantID == "" || o.tap.merchantID == "":
				return fmt.Errorf("providers: merchant %q: its Tap key is also merchant %q's; a platform key serving several merchants needs each to name its merchant_id, or one merchant's webhooks verify at the other's endpoint", merchantID, other)
			case e.tap.merchantID == o.tap.merchantID:
				return fmt.Errorf("providers: merchant %q: merchant %q already uses the same Tap key and merchant_id %q", merchantID, other, e.tap.merchantID)
			}
		}
	}
	return nil
}

func shareAny(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
