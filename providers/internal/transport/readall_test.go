package transport

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll must read exactly what io.ReadAll reads, whatever size the
// response announced; the size only chooses the first buffer.
func TestReadAllReadsWhatReadAllReads(t *testing.T) {
	body := strings.Repeat("0123456789", 400) // 4000 bytes, past io.ReadAll's first buffer
	tests := []struct {
		name string
		size int64
	}{
		{"size announced", int64(len(body))},
		{"no size", -1},
		{"size too small", 10},
		{"size too large", int64(len(body)) * 2},
		{"size beyond the limit", 1 << 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []func() io.Reader{
				func() io.Reader { return strings.NewReader(body) },
				func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
				func() io.Reader { return iotest.DataErrReader(strings.NewReader(body)) },
			} {
				got, err := readAll(r(), tt.size, 1<<20)
				require.NoError(t, err)
				assert.Equal(t, body, string(got))
			}
		})
	}
}

func TestReadAllOneAllocationForAnAnnouncedSize(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 3000)
	r := bytes.NewReader(body)
	allocs := testing.AllocsPerRun(20, func() {
		r.Reset(body)
		_, _ = readAll(r, int64(len(body)), 1<<20)
	})
	assert.Equal(t, 1.0, allocs, "io.ReadAll would take several, doubling from 512 bytes")
}

func TestReadAllKeepsWhatCameBeforeAnError(t *testing.T) {
	boom := errors.New("connection reset")
	got, err := readAll(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom)), 100, 1<<20)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "partial", string(got))
}
