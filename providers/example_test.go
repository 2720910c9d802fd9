package providers_test

import (
	"fmt"
	"strings"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
)

// One merchant's configuration, read from JSON (or from the environment
// with FromEnv), opens its provider. Printing the configuration never shows
// a key.
func ExampleOpen() {
	cfg, err := providers.LoadJSON(strings.NewReader(`{
		"provider": "checkout",
		"secret_key": "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e",
		"webhook_secret": "whsec_0f8e2a9c7b6d5e4f3a2b1c0d",
		"call_timeout": "30s"
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := providers.Open(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name())
	fmt.Printf("%s %s %s\n", cfg.Provider, cfg.SecretKey, cfg.WebhookSecret)
	// Output:
	// checkout
	// checkout [REDACTED] [REDACTED]
}

// Environment variables named by a prefix, one prefix per merchant if need
// be. FromLookup is FromEnv with another source, here a map.
func ExampleFromLookup() {
	env := map[string]string{
		"SHOP1_PROVIDER":   "tap",
		"SHOP1_SECRET_KEY": "sk_test_XKokBfNWv6FIYuTMg5sLPjhJ",
	}
	cfg, err := providers.FromLookup("SHOP1_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fmt.Println(cfg.Provider, cfg.SecretKey, err)

	_, err = providers.FromLookup("SHOP2_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	fmt.Println(err)
	// Output:
	// tap [REDACTED] <nil>
	// providers: invalid config: SHOP2_PROVIDER is required ("tap", "checkout" or "mpgs"); SHOP2_SECRET_KEY is required
}

// A marketplace holds one Provider per merchant and can move a merchant to
// another provider while serving. The old configuration stays, for the
// reads and refunds of the payments it made, until Retire, and for their
// webhooks within a window after the switch (DefaultOlderWebhookWindow).
func ExampleRegistry() {
	reg := providers.NewRegistry()
	_ = reg.Configure("karak-and-co", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")})
	_ = reg.Configure("doha-books", providers.Config{Provider: "checkout",
		SecretKey: qpay.NewSecret("sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e"), WebhookSecret: qpay.NewSecret("whsec_0f8e2a9c7b6d5e4f3a2b1c0d")})

	p, _ := reg.Get("doha-books")
	fmt.Println(reg.Merchants(), p.Name())

	_ = reg.Configure("doha-books", providers.Config{Provider: "tap", SecretKey: qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ")})
	p, _ = reg.Get("doha-books")
	fmt.Println(p.Name(), reg.Older("doha-books"))

	// Once the store has nothing of Checkout's left in flight:
	n, _ := reg.Retire("doha-books")
	fmt.Println(n, reg.Older("doha-books"))
	// Output:
	// [doha-books karak-and-co] checkout
	// tap [checkout]
	// 1 []
}
