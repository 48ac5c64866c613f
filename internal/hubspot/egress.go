package hubspot

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotAllowed is the error of a call whose target address is not public
// (loopback, private, link-local, cloud metadata and other special ranges). It is
// checked on the resolved address of every connection the client opens, so a
// host name that resolves inward and a redirect that points inward are refused
// too.
var ErrNotAllowed = errors.New("hubspot: target address not allowed")

// Egress says where calls to a user-given base URL may go.
type Egress struct {
	// SandboxURL is this SimCRM's own sandbox (SANDBOX_URL). It comes from the
	// configuration, not from a user, so a connection to it is trusted.
	SandboxURL string
	// AllowPrivate lets calls reach non-public addresses (ALLOW_PRIVATE_TARGETS).
	AllowPrivate bool
}

// IsSandbox reports whether baseURL is this SimCRM's own sandbox.
func (e Egress) IsSandbox(baseURL string) bool {
	return e.SandboxURL != "" && strings.TrimRight(baseURL, "/") == strings.TrimRight(e.SandboxURL, "/")
}

// Options are the client options for calls to baseURL: public addresses only,
// unless it is the sandbox or private targets are allowed.
func (e Egress) Options(baseURL string) []Option {
	if e.AllowPrivate || e.IsSandbox(baseURL) {
		return nil
	}
	return []Option{WithPublicAddressesOnly()}
}

// HTTPClient is a client for other URLs people type, such as webhooks: every
// connection it opens (redirects included) reaches public addresses only, unless
// private targets are allowed.
func (e Egress) HTTPClient(timeout time.Duration) *http.Client {
	if e.AllowPrivate {
		return &http.Client{Timeout: timeout}
	}
	return &http.Client{Timeout: timeout, Transport: publicTransport()}
}

// WithPublicAddressesOnly makes every connection the client opens (redirects
// included) refuse non-public addresses with ErrNotAllowed, after DNS resolution.
// It replaces the HTTP client, so give it after WithHTTPClient.
func WithPublicAddressesOnly() Option {
	return func(c *Client) { c.http = &http.Client{Transport: publicTransport()} }
}

var publicTransport = sync.OnceValue(func() *http.Transport {
	return guardedTransport(func(ap netip.AddrPort) bool { return PublicAddr(ap.Addr()) })
})

// guardedTransport is the default transport with a check of every address it
// connects to (after DNS resolution, redirects included): allow false refuses the
// connection with ErrNotAllowed before it is made.
func guardedTransport(allow func(netip.AddrPort) bool) *http.Transport {
	t := defaultTransport().Clone()
	// Through a proxy the check would see the proxy, not the target.
	t.Proxy = nil
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !allow(ap) {
				return ErrNotAllowed
			}
			return nil
		}}
	t.DialContext = d.DialContext
	return t
}

// nonPublic are special-purpose ranges beyond what netip's predicates name:
// shared address space, benchmarking, IETF and documentation nets, the reserved
// 240/4, NAT64 and 6to4 (which embed IPv4 addresses), and Teredo.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32",
		"2001:db8::/32", "2002::/16"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// PublicAddr reports whether ip is a public unicast address: not loopback,
// private, link-local (169.254.169.254, the cloud metadata address, included),
// multicast, unspecified or another special range.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
