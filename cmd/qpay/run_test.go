package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelpGoesToStdoutAndExitsZero(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // what the help must mention
	}{
		{"--help", []string{"--help"}, []string{"sandbox", "verify-webhook", "get", "refund", "QPAY_SECRET_KEY"}},
		{"-h", []string{"-h"}, []string{"sandbox", "verify-webhook", "get", "refund"}},
		{"help", []string{"help"}, []string{"sandbox", "verify-webhook", "get", "refund"}},
		{"help --help", []string{"help", "--help"}, []string{"sandbox", "verify-webhook", "get", "refund"}},
		{"help get", []string{"help", "get"}, []string{"qpay get", "-provider", "-json", "QPAY_BASE_URL"}},
		{"sandbox --help", []string{"sandbox", "--help"}, []string{"-addr", "-checkout-webhook-url", "-expiry", "-quiet"}},
		{"verify-webhook --help", []string{"verify-webhook", "--help"}, []string{"-provider", "-file", "-json", `"headers"`, "Content-Length", "re-serialised"}},
		{"get -h", []string{"get", "-h"}, []string{"-provider", "-json", "-v", "<payment-id>"}},
		{"refund --help", []string{"refund", "--help"}, []string{"-amount", "-reference", "-reason", "never from flags"}},
		{"help after other flags", []string{"refund", "-amount", "1.00", "--help"}, []string{"-reference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := qpayCmd(t, args(tt.args...))
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.Contains(t, r.stdout, "Usage:")
			assert.Contains(t, r.stdout, "Exit status:", "every help documents the exit codes")
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

func TestUsageErrorsGoToStderrAndExitTwo(t *testing.T) {
	tapEnv := map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_cmdtestkey"}
	tests := []struct {
		name string
		inv  invocation
		want string // in stderr
	}{
		{"no command", args(), "Usage:"},
		{"unknown command", args("charge"), `unknown command "charge"`},
		{"help for an unknown command", args("help", "charge"), `unknown command "charge"`},
		{"undefined flag", args("get", "-verbose", "chg_1"), "flag provided but not defined: -verbose"},
		{"a key as a flag", args("get", "-secret-key", "sk_live_x", "chg_1"), "keys are read from the environment only"},
		{"flag without its value", invocation{env: tapEnv, args: []string{"refund", "chg_1", "-amount"}}, "flag needs an argument: -amount"},
		{"get without an ID", invocation{env: tapEnv, args: []string{"get"}}, "want exactly one payment ID, got 0"},
		{"get with two IDs", invocation{env: tapEnv, args: []string{"get", "chg_1", "chg_2"}}, "want exactly one payment ID, got 2"},
		{"get with a path for an ID", invocation{env: tapEnv, args: []string{"get", "../charges"}}, "has characters other than"},
		{"refund without an amount", invocation{env: tapEnv, args: []string{"refund", "-reference", "RFD-1", "chg_1"}}, "-amount is required"},
		{"refund with too many decimals", invocation{env: tapEnv, args: []string{"refund", "-amount", "10.001", "-reference", "RFD-1", "chg_1"}}, `-amount "10.001"`},
		{"refund of nothing", invocation{env: tapEnv, args: []string{"refund", "-amount", "0", "-reference", "RFD-1", "chg_1"}}, "greater than zero"},
		{"refund without a reference", invocation{env: tapEnv, args: []string{"refund", "-amount", "10.00", "chg_1"}}, "reference is required"},
		{"no provider", invocation{env: map[string]string{"QPAY_SECRET_KEY": "sk_test_x"}, args: []string{"get", "chg_1"}}, "set QPAY_PROVIDER"},
		{"unknown provider", invocation{env: map[string]string{"QPAY_SECRET_KEY": "sk_test_x"}, args: []string{"get", "-provider", "stripe", "chg_1"}}, `provider "stripe" is not tap or checkout`},
		{"unknown provider in the environment", invocation{env: map[string]string{"QPAY_PROVIDER": "stripe"}, args: []string{"get", "chg_1"}}, `provider "stripe" is not tap or checkout`},
		{"-provider contradicting the environment", invocation{env: tapEnv, args: []string{"get", "-provider", "checkout", "pay_1"}}, "-provider checkout contradicts QPAY_PROVIDER=tap"},
		{"tap without a key", invocation{env: map[string]string{"QPAY_PROVIDER": "tap"}, args: []string{"get", "chg_1"}}, "missing environment variable(s) for tap: QPAY_SECRET_KEY"},
		{"checkout without keys", invocation{env: map[string]string{"QPAY_PROVIDER": "checkout"}, args: []string{"refund", "-amount", "1.00", "-reference", "R", "pay_1"}}, "QPAY_SECRET_KEY, QPAY_WEBHOOK_SECRET"},
		{"an empty key is a missing key", invocation{env: map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": ""}, args: []string{"get", "chg_1"}}, "QPAY_SECRET_KEY"},
		{"checkout webhook without its secret", invocation{env: map[string]string{"QPAY_PROVIDER": "checkout"}, args: []string{"verify-webhook"}}, "for checkout: QPAY_WEBHOOK_SECRET"},
		{"unreadable setting", invocation{env: map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "sk_test_x", "QPAY_CALL_TIMEOUT": "soon"}, args: []string{"get", "chg_1"}}, "QPAY_CALL_TIMEOUT"},
		{"publishable key", invocation{env: map[string]string{"QPAY_PROVIDER": "tap", "QPAY_SECRET_KEY": "pk_test_x"}, args: []string{"get", "chg_1"}}, "publishable key"},
		{"verify-webhook with an argument", invocation{env: tapEnv, args: []string{"verify-webhook", "delivery.json"}}, "give the delivery with -file or on stdin"},
		{"sandbox with an argument", args("sandbox", "8089"), "unexpected arguments"},
		{"sandbox with no expiry", args("sandbox", "-expiry", "0s"), "-expiry must be positive"},
		{"sandbox with a relative webhook URL", args("sandbox", "-checkout-webhook-url", "/hooks"), "not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := qpayCmd(t, tt.inv)
			require.Equal(t, exitUsage, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Empty(t, r.stdout, "usage errors go to stderr")
			assert.Contains(t, r.stderr, tt.want)
			assertNoSecret(t, r, "sk_test_cmdtestkey", "sk_live_x", "pk_test_x")
		})
	}
}

func TestFlagsMayFollowArguments(t *testing.T) {
	f := newFlags("get", "qpay get", "")
	asJSON := f.Bool("json", false, "")
	provider := f.String("provider", "", "")
	rest, err := f.parse([]string{"chg_1", "-json", "-provider", "tap", "--", "-not-a-flag"})
	require.NoError(t, err)
	assert.True(t, *asJSON)
	assert.Equal(t, "tap", *provider)
	assert.Equal(t, []string{"chg_1", "-not-a-flag"}, rest, `"--" ends the flags`)
}
