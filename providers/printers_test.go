package providers_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers"
	"github.com/qpay-go/qpay/providers/checkout"
	"github.com/qpay-go/qpay/providers/internal/driver"
	"github.com/qpay-go/qpay/providers/internal/redact"
	"github.com/qpay-go/qpay/providers/internal/transport"
	"github.com/qpay-go/qpay/providers/mpgs"
	"github.com/qpay-go/qpay/providers/tap"
	"github.com/qpay-go/qpay/qpaytest"
)

// The secrets of TestNoPrinterShowsASecret. Every one holds canary, which
// must appear in no output.
const canary = "LEAKCANARY"

var (
	canaryTapKey      = "sk_test_" + canary + "Tap0000000000000"
	canaryCkoKey      = "sk_sbox_" + canary + "checkoutkeyabcdefgh="
	canaryWebhook     = "whsec_" + canary + "_checkout_hook"
	canaryAuth        = "Basic " + canary + "QXV0aG9yaXphdGlvbg=="
	canaryPreviousTap = "sk_test_" + canary + "PreviousTap000000"
	canaryPreviousCko = "whsec_" + canary + "_previous_hook"
	canaryMPGSPass    = canary + "MPGSApiPassword0000"
	canaryMPGSHook    = canary + "MPGSNOTIFICATIONSECRET"
)

// farFuture ends the rotation windows of these tests.
var farFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

// printers are every way a merchant's code, a logger or a test framework
// turns a value into text.
var printers = func() map[string]func(v any) string {
	m := map[string]func(v any) string{}
	verbs := []string{
		"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%b", "%o", "%O", "%e", "%f", "%g",
		"%c", "%U", "%t", "%T", "%z" /* a bad verb */, "%10s", "%-40v", "%+q", "%#x", "% x", "%08d", "%.3s",
		"%#p", "%v %d" /* a missing operand */, "%!",
	}
	for _, verb := range verbs {
		m["fmt "+verb] = func(v any) string { return fmt.Sprintf(verb, v) }
		// The same verb reaching the value as a field, behind a pointer, in
		// a slice and in a map: fmt prints nested values by reflection.
		m["fmt "+verb+" nested"] = func(v any) string {
			type holder struct {
				Field any
				ptr   *any
			}
			return fmt.Sprintf(verb, holder{v, &v}) + fmt.Sprintf(verb, []any{v}) + fmt.Sprintf(verb, map[string]any{"k": v})
		}
		m["fmt "+verb+" pointer"] = func(v any) string { return fmt.Sprintf(verb, pointerTo(v)) }
	}
	m["fmt.Sprint"] = func(v any) string { return fmt.Sprint(v) + fmt.Sprintln(v, v) }
	m["encoding/json"] = func(v any) string {
		b, _ := json.Marshal(v)
		c, _ := json.MarshalIndent(map[string]any{"v": v}, "", " ")
		return string(b) + string(c)
	}
	m["encoding/xml"] = func(v any) string {
		b, _ := xml.Marshal(v)
		return string(b)
	}
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		m[name] = func(v any) string {
			var b bytes.Buffer
			l := slog.New(newHandler(&b))
			l.Info("config", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
			l.With("w", v).Info("with")
			return b.String()
		}
	}
	for _, text := range []string{`{{.}}`, `{{printf "%p" .}}`, `{{printf "%x" .}}`, `{{printf "%#v" .}}`, `{{js .}}`, `{{html .}}`, `{{urlquery .}}`, `{{print .}}`} {
		m["text/template "+text] = func(v any) string {
			var b bytes.Buffer
			_ = template.Must(template.New("").Parse(text)).Execute(&b, v)
			return b.String()
		}
		m["html/template "+text] = func(v any) string {
			var b bytes.Buffer
			_ = htmltemplate.Must(htmltemplate.New("").Parse(text)).Execute(&b, v)
			return b.String()
		}
	}
	// testify's failure messages dump both values with spew (which reads
	// unexported fields) and diff them.
	m["testify failure message"] = func(v any) string {
		var t capture
		assert.Equal(&t, v, "another value")
		assert.Equal(&t, v, pointerTo(v))
		assert.Empty(&t, v)
		return t.String()
	}
	m["reflect walk"] = func(v any) string {
		var b strings.Builder
		walk(&b, reflect.ValueOf(v), map[uintptr]bool{}, 0)
		return b.String()
	}
	return m
}()

// capture is a testing.T for testify that keeps what it would report.
type capture struct{ strings.Builder }

func (c *capture) Errorf(format string, args ...any) { fmt.Fprintf(&c.Builder, format, args...) }

func pointerTo(v any) any {
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p.Interface()
}

// walk writes every string and byte slice reachable from v by reflection,
// unexported fields included, as a dump written with reflect would.
func walk(b *strings.Builder, v reflect.Value, seen map[uintptr]bool, depth int) {
	if !v.IsValid() || depth > 40 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		b.WriteString(v.String() + "\n")
	case reflect.Pointer, reflect.UnsafePointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		if v.Kind() == reflect.Pointer {
			walk(b, v.Elem(), seen, depth+1)
		}
	case reflect.Interface:
		walk(b, v.Elem(), seen, depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			walk(b, v.Field(i), seen, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			b.Write(v.Bytes())
			return
		}
		for i := range min(v.Len(), 1000) {
			walk(b, v.Index(i), seen, depth+1)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			walk(b, it.Key(), seen, depth+1)
			walk(b, it.Value(), seen, depth+1)
		}
	}
	// Funcs and channels lead nowhere a reflect walker can follow: a
	// closure's captured variables are out of its reach.
}

// TestNoPrinterShowsASecret prints every exported type that holds a key or
// a webhook secret, and the Providers and Registry built from them, with
// every printer above. None may show a secret (issue 12, finding 6: fmt's
// %p printed a Config's key, because fmt prints a bad verb's operand by
// reflection, calling no method).
func TestNoPrinterShowsASecret(t *testing.T) {
	secret := qpay.NewSecret(canaryTapKey)
	tapCfg := providers.Config{Provider: providers.Tap, Account: "m-1", SecretKey: secret, BaseURL: "http://127.0.0.1:9",
		PreviousSecretKey: qpay.NewSecret(canaryPreviousTap), PreviousSecretKeyUntil: farFuture}
	ckoCfg := providers.Config{Provider: providers.Checkout, Account: "m-2", SecretKey: qpay.NewSecret(canaryCkoKey),
		WebhookSecret: qpay.NewSecret(canaryWebhook), WebhookAuthorization: qpay.NewSecret(canaryAuth), BaseURL: "http://127.0.0.1:9",
		PreviousWebhookSecret: qpay.NewSecret(canaryPreviousCko), PreviousWebhookSecretUntil: farFuture}
	mpgsCfg := providers.Config{Provider: providers.MPGS, Account: "m-3", MerchantID: "TESTCANARY", APIPassword: qpay.NewSecret(canaryMPGSPass),
		GatewayHost: "http://127.0.0.1:9", WebhookSecret: qpay.NewSecret(canaryMPGSHook),
		PreviousWebhookSecret: qpay.NewSecret(canaryPreviousCko), PreviousWebhookSecretUntil: farFuture}
	mpgsP, err := providers.Open(mpgsCfg)
	require.NoError(t, err)
	tapP, err := providers.Open(tapCfg)
	require.NoError(t, err)
	ckoP, err := providers.Open(ckoCfg)
	require.NoError(t, err)
	reg := providers.NewRegistry()
	require.NoError(t, reg.Configure("m-1", tapCfg))
	require.NoError(t, reg.Configure("m-2", ckoCfg))
	require.NoError(t, reg.Configure("m-3", mpgsCfg))
	simOpts := qpaytest.Options{TapSecretKey: secret, CheckoutSecretKey: qpay.NewSecret(canaryCkoKey),
		CheckoutWebhookSecret: qpay.NewSecret(canaryWebhook), CheckoutWebhookAuthorization: qpay.NewSecret(canaryAuth),
		MPGSAPIPassword: qpay.NewSecret(canaryMPGSPass), MPGSWebhookSecret: qpay.NewSecret(canaryMPGSHook)}
	sim, err := qpaytest.NewServer(simOpts)
	require.NoError(t, err)
	// Closed before it is printed: a walk of a serving Server would race
	// with its goroutines. What it holds stays.
	sim.Close()

	keyring, err := driver.NewKeyring("k", secret, []qpay.PreviousSecret{{Secret: qpay.NewSecret(canaryPreviousTap), Until: farFuture}})
	require.NoError(t, err)
	values := map[string]any{
		"qpay.Secret":          secret,
		"qpay.PreviousSecret":  qpay.PreviousSecret{Secret: qpay.NewSecret(canaryPreviousCko), Until: farFuture},
		"providers.Config tap": tapCfg,
		"providers.Config cko": ckoCfg,
		"tap.Config": tap.Config{SecretKey: secret, Account: "m-1",
			PreviousSecretKeys: []qpay.PreviousSecret{{Secret: qpay.NewSecret(canaryPreviousTap), Until: farFuture}}},
		"checkout.Config": checkout.Config{SecretKey: qpay.NewSecret(canaryCkoKey), WebhookSecret: qpay.NewSecret(canaryWebhook),
			WebhookAuthorization:   qpay.NewSecret(canaryAuth),
			PreviousWebhookSecrets: []qpay.PreviousSecret{{Secret: qpay.NewSecret(canaryPreviousCko), Until: farFuture}}},
		"providers.Config mpgs": mpgsCfg,
		"mpgs.Config": mpgs.Config{MerchantID: "TESTCANARY", APIPassword: qpay.NewSecret(canaryMPGSPass), WebhookSecret: qpay.NewSecret(canaryMPGSHook),
			PreviousWebhookSecrets: []qpay.PreviousSecret{{Secret: qpay.NewSecret(canaryPreviousCko), Until: farFuture}}},
		"qpay.Provider mpgs":  mpgsP,
		"qpay.Provider tap":   tapP,
		"qpay.Provider cko":   ckoP,
		"*providers.Registry": reg,
		"qpaytest.Options":    simOpts,
		// Internal types that hold secrets, reachable inside a Provider.
		"transport.Config": transport.Config{Provider: "tap", Secrets: []qpay.Secret{secret, qpay.NewSecret(canaryWebhook)},
			Authorize: func(h http.Header) { h.Set("Authorization", "Bearer "+canaryTapKey) }},
		"redact.Redactor":  redact.New(secret, qpay.NewSecret(canaryWebhook)),
		"driver.Keyring":   keyring,
		"*qpaytest.Server": sim,
	}
	checked := 0
	for vname, v := range values {
		for pname, print := range printers {
			out := print(v)
			checked++
			if strings.Contains(out, canary) {
				i := strings.Index(out, canary)
				t.Errorf("%s printed with %s shows a secret: ...%s...", vname, pname, out[max(0, i-60):min(len(out), i+40)])
			}
		}
	}
	t.Logf("%d values x %d printers", len(values), len(printers))
	require.Equal(t, len(values)*len(printers), checked)

	// The mask, and an empty secret shown as empty.
	assert.Equal(t, "[REDACTED]", fmt.Sprint(secret))
	assert.Equal(t, "", fmt.Sprint(qpay.Secret{}))
	assert.Equal(t, canaryTapKey, secret.Reveal(), "Reveal is the one way back")
}
