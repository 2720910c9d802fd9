package transport

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/qpay-go/qpay"
)

// CheckBaseURL checks and normalizes an adapter's API base URL, named field
// in provider's configuration, for every adapter alike: an absolute http(s)
// URL without credentials, query or fragment, and plain http only in test
// mode or on the loopback (an offline simulator), because a live key must
// never cross the network in the clear. The URL is named in an error only
// once it is known to carry no credentials. The answer has no trailing
// slash.
func CheckBaseURL(provider, field, raw string, mode qpay.Mode) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %s is not a URL", provider, field)
	case u.User != nil:
		return "", fmt.Errorf("%s: %s must not carry credentials", provider, field)
	case u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "", fmt.Errorf("%s: %s %q is not an absolute http(s) URL", provider, field, raw)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("%s: %s %q must not carry a query or a fragment", provider, field, raw)
	case u.Scheme == "http" && mode == qpay.LiveMode && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("%s: %s %q is plain http; a live key is only sent over https", provider, field, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
