package tap

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
	"github.com/qpay-go/qpay/providers/internal/conformance"
	"github.com/qpay-go/qpay/status"
)

// destinationsJSON is the destinations object as the gock backend echoes
// it (nil, which patchJSON deletes, for none). Tap's own echo is
// UNCONFIRMED: the request's object is the most likely.
func destinationsJSON(d []wireDest) any {
	if len(d) == 0 {
		return nil
	}
	return map[string]any{"destination": d}
}

// methodsOfSource is what Tap's page for a source offers.
func methodsOfSource(source string) []string {
	switch source {
	case "src_all":
		return []string{qpay.MethodQPay, qpay.MethodCard}
	case "src_card":
		return []string{qpay.MethodCard}
	}
	return []string{qpay.MethodQPay}
}

// HostedPages implements conformance.Hosted.
func (b *gockBackend) HostedPages() bool { return true }

// SettleHosted implements conformance.Hosted.
func (b *gockBackend) SettleHosted(t *testing.T, id, method string, to status.Status) {
	require.True(t, b.Offers(t, id, method), "charge %s's page does not offer %s", id, method)
	b.Settle(t, id, to)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.charges[id].method = method
}

// Offers implements conformance.Hosted.
func (b *gockBackend) Offers(t *testing.T, id, method string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.charges[id]
	require.True(t, ok, "no charge %s", id)
	for _, m := range methodsOfSource(c.source) {
		if m == method {
			return true
		}
	}
	return false
}

// ReturnQuery implements conformance.Hosted: Tap adds tap_id to
// redirect.url.
func (b *gockBackend) ReturnQuery(_ *testing.T, id string) url.Values {
	return url.Values{"tap_id": {id}}
}

// TakesSplits implements conformance.Splitter.
func (b *gockBackend) TakesSplits() bool { return true }

var (
	_ conformance.Hosted   = (*gockBackend)(nil)
	_ conformance.Splitter = (*gockBackend)(nil)
)
