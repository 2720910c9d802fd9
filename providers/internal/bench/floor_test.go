package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// jsonClient is the floor's whole HTTP layer: one request, the status
// checked, the answer decoded. It is what a hand-written Go client of either
// provider does at the least.
type jsonClient struct {
	hc   *http.Client
	base string
	auth string // Authorization header value
}

// do sends in (if not nil) as JSON and decodes a 2xx answer into out.
// header, if not empty, is sent with the constant value "floor-key": a
// stand-in for an idempotency key that costs nothing to make.
func (c *jsonClient) do(ctx context.Context, method, path string, in, out any, header string) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if header != "" {
		req.Header.Set(header, "floor-key")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

// verifyHex checks a hex HMAC-SHA256 header against mac's sum, the
// comparison every webhook floor ends with.
func verifyHex(header string, sum []byte) error {
	got, err := hex.DecodeString(header)
	if err != nil {
		return err
	}
	if !hmac.Equal(got, sum) {
		return errors.New("signature mismatch")
	}
	return nil
}

// hmacSHA256 is the keyed hash both providers sign with.
func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// fixed2 writes a JSON number with exactly two decimals ("1" is "1.00",
// "0.5" is "0.50"), as Tap's hashstring wants QAR amounts. A floor may
// assume QAR: that is all QPay takes.
func fixed2(n string) string {
	whole, frac, _ := strings.Cut(n, ".")
	switch len(frac) {
	case 0:
		return whole + ".00"
	case 1:
		return whole + "." + frac + "0"
	}
	return whole + "." + frac[:2]
}
