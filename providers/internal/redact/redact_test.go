package redact

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qpay-go/qpay"
)

func TestRedactor(t *testing.T) {
	r := New(qpay.NewSecret("sk_test_XKokBfNWv6FIYuTMg5sLPjhJ"), qpay.NewSecret("whsec_abcdef"), qpay.Secret{}, qpay.NewSecret("abc"))
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"Authorization: Bearer sk_test_XKokBfNWv6FIYuTMg5sLPjhJ", "Authorization: Bearer [REDACTED]"},
		{"whsec_abcdef and again whsec_abcdef", "[REDACTED] and again [REDACTED]"},
		{"abc is too short to be a secret", "abc is too short to be a secret"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.String(tt.in))
		assert.Equal(t, tt.want, string(r.Bytes([]byte(tt.in))))
	}
	assert.Equal(t, "", r.Error(nil))
	assert.Equal(t, "bad key [REDACTED]", r.Error(errors.New("bad key whsec_abcdef")))
	assert.Equal(t, "x", Redactor{}.String("x"), "the zero value changes nothing")
}
