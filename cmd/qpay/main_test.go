package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/qpay-go/qpay/qpaytest"
)

// TestMain fails the tests if a command leaves anything running: the
// sandbox's server, an HTTP connection, a retry timer.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// invocation is one run of qpay: its environment, its stdin and its
// arguments.
type invocation struct {
	env   map[string]string
	stdin string
	args  []string
}

// qpayCmd runs the command in-process, exactly as main does.
func qpayCmd(t *testing.T, inv invocation) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	lookup := func(name string) (string, bool) {
		v, ok := inv.env[name]
		return v, ok
	}
	code := run(context.Background(), inv.args, strings.NewReader(inv.stdin), &stdout, &stderr, lookup)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// args is shorthand for an invocation with arguments only.
func args(a ...string) invocation { return invocation{args: a} }

// simulatorSecrets are the keys of the simulator's accounts, which only
// 'qpay sandbox' may print.
func simulatorSecrets() []string {
	return []string{
		qpaytest.DefaultTapSecretKey,
		qpaytest.DefaultCheckoutSecretKey,
		qpaytest.DefaultCheckoutWebhookSecret,
	}
}

// assertNoSecret checks that none of secrets appears in what the command
// printed.
func assertNoSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		assert.NotContains(t, r.stdout, s, "a key leaked to stdout")
		assert.NotContains(t, r.stderr, s, "a key leaked to stderr")
	}
}

// syncBuffer is a bytes.Buffer that a running command writes to while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
