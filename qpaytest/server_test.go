package qpaytest

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay/status"
)

func TestServerListensWhereAsked(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	s := startServer(t, Options{Addr: addr})
	assert.Equal(t, "http://"+addr, s.URL())
	assert.Equal(t, s.URL()+"/tap", s.TapBaseURL())
	assert.Equal(t, s.URL()+"/checkout", s.CheckoutBaseURL())
	_, err = NewServer(Options{Addr: addr})
	assert.Error(t, err, "the address is taken")

	d := startServer(t, Options{})
	assert.True(t, strings.HasPrefix(d.URL(), "http://127.0.0.1:"), "loopback by default: %s", d.URL())
}

func TestServerDefaults(t *testing.T) {
	s := startServer(t, Options{})
	assert.Equal(t, DefaultTapSecretKey, s.TapSecretKey().Reveal())
	assert.Regexp(t, `^sk_sbox_[a-z2-7]{26}[a-z2-7*#$=]$`, s.CheckoutSecretKey().Reveal(), "the shape of a current-platform sandbox key")
	assert.Equal(t, DefaultCheckoutWebhookSecret, s.CheckoutWebhookSecret().Reveal())
	id, _ := createTap(t, s, tapChargeReq(""))
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, DefaultExpiry, v.Expires.Sub(v.Created))
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLoggerGetsRequestsAndWebhooksButNoKeys(t *testing.T) {
	var buf syncBuffer
	r := newReceiver(t)
	s := startServer(t, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil)), CheckoutWebhookURL: r.URL})
	id, page := createCheckout(t, s, ckoPaymentReq())
	_, err := s.Pay(context.Background(), page, TestCard)
	require.NoError(t, err)

	out := buf.String()
	assert.Contains(t, out, `msg="qpaytest: answered" provider=checkout op=create_payment status=202`)
	assert.Contains(t, out, `msg="qpaytest: webhook" provider=checkout event=payment_captured status=200 attempts=1`)
	for _, secret := range []string{s.TapSecretKey().Reveal(), s.CheckoutSecretKey().Reveal(), s.CheckoutWebhookSecret().Reveal()} {
		assert.NotContains(t, out, secret)
	}
	v, err := s.Lookup(id)
	require.NoError(t, err)
	assert.Equal(t, status.Captured, v.Status)
}
