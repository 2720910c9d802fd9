package qpay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

func fmtV(v any, format string) string { return fmt.Sprintf(format, v) }

func TestSecretNeverPrints(t *testing.T) {
	const key = "sk_live_0123456789abcdefghijklmn"
	type config struct {
		Name   string
		Key    qpay.Secret
		Nested struct{ Webhook qpay.Secret }
		Ptr    *qpay.Secret
	}
	s := qpay.NewSecret(key)
	c := config{Name: "merchant-1", Key: s, Ptr: &s}
	c.Nested.Webhook = s

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%p", "%d", "%z"} {
		out = append(out, fmt.Sprintf(verb, s), fmt.Sprintf(verb, c))
	}
	out = append(out, fmt.Sprint(s), fmt.Sprintln(c), s.String())

	j, err := json.Marshal(c)
	require.NoError(t, err)
	out = append(out, string(j))

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("config", "key", s, "config", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "key", s, "config", c)
	out = append(out, logs.String())

	for _, o := range out {
		assert.NotContains(t, o, key)
		assert.NotContains(t, o, "0123456789")
	}
	assert.Equal(t, key, s.Reveal())
	assert.Equal(t, "[REDACTED]", fmt.Sprint(s))
	assert.Equal(t, "", fmt.Sprint(qpay.NewSecret("")), "a missing key stays visible as empty")
}

func TestSecretLoadsFromJSON(t *testing.T) {
	var c struct{ Key qpay.Secret }
	require.NoError(t, json.Unmarshal([]byte(`{"Key":"sk_test_abc"}`), &c))
	assert.Equal(t, "sk_test_abc", c.Key.Reveal())
}
