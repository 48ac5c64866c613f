package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address a request came from. X-Forwarded-For counts only when
// the connection comes from a TRUSTED_PROXIES address, and then only as far as
// trusted proxies wrote it: reading from the right, the first address that is not
// a trusted proxy is the client (anything left of it the client could have sent).
func (h *handler) clientIP(c *fiber.Ctx) string {
	remote := c.Context().RemoteIP().String()
	if len(h.proxies) == 0 || !c.IsProxyTrusted() {
		return remote
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !h.trustedProxy(ip) {
			return ip.Unmap().String()
		}
		remote = ip.Unmap().String()
	}
	return remote
}

// trustedProxy reports whether ip is in TRUSTED_PROXIES.
func (h *handler) trustedProxy(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range h.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isHTTPS reports whether the browser reached SimCRM over https: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto (Fiber believes the
// header only from TRUSTED_PROXIES).
func isHTTPS(c *fiber.Ctx) bool { return c.Protocol() == "https" }
