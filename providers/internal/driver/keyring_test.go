package driver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qpay-go/qpay"
)

// An ended keyring treats its current secret as a previous one: it
// verifies strictly before the end, says SignedByPrevious, and an earlier
// end (its own previous secret's, or an earlier Ending) stands.
func TestKeyringEnding(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cur, prev := qpay.NewSecret("current"), qpay.NewSecret("previous")
	k, err := NewKeyring("k", cur, []qpay.PreviousSecret{{Secret: prev, Until: now.Add(2 * time.Hour)}})
	require.NoError(t, err)
	mac := func(s qpay.Secret) []byte { return []byte(s.Reveal()) }
	ended := k.Ending(now.Add(time.Hour)).Ending(now.Add(3 * time.Hour))
	cases := []struct {
		name string
		k    Keyring
		at   time.Time
		got  qpay.Secret
		want qpay.SigningKey
	}{
		{"not ended, current", k, now.Add(24 * time.Hour), cur, qpay.SignedByCurrent},
		{"ended, current before the end", ended, now.Add(time.Hour - time.Nanosecond), cur, qpay.SignedByPrevious},
		{"ended, current at the end", ended, now.Add(time.Hour), cur, ""},
		{"ended, previous before the end", ended, now, prev, qpay.SignedByPrevious},
		{"ended, previous after the end though inside its own window", ended, now.Add(90 * time.Minute), prev, ""},
	}
	for _, c := range cases {
		by, ok := c.k.Verify(c.at, mac(c.got), mac)
		assert.Equal(t, c.want, by, c.name)
		assert.Equal(t, c.want != "", ok, c.name)
	}
}
