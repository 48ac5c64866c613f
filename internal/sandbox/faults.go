package sandbox

import (
	"math/rand/v2"
	"time"

	"github.com/gofiber/fiber/v2"
)

// addLatency delays every call by the configured latency (before anything else, so
// even 401s are slow, as a slow network would make them).
func (s *Server) addLatency(c *fiber.Ctx) error {
	if d := s.faults.Load().Latency; d > 0 {
		if !sleep(c, d) {
			return writeError(c, serverFault(fiber.StatusServiceUnavailable))
		}
	}
	return c.Next()
}

// injectFaults answers a share of calls with a 5xx, and hangs a share of them
// until the client gives up (then answers 504). It runs after authentication and
// rate limiting, so faulted calls count against the limits like real ones.
func (s *Server) injectFaults(c *fiber.Ctx) error {
	f := s.faults.Load()
	if f.TimeoutRate > 0 && rand.Float64() < f.TimeoutRate {
		after := f.TimeoutAfter
		if after <= 0 {
			after = DefaultTimeoutAfter
		}
		sleep(c, after)
		return writeError(c, serverFault(fiber.StatusGatewayTimeout))
	}
	if f.ErrorRate > 0 && rand.Float64() < f.ErrorRate {
		codes := [...]int{fiber.StatusInternalServerError, fiber.StatusBadGateway, fiber.StatusServiceUnavailable, fiber.StatusGatewayTimeout}
		return writeError(c, serverFault(codes[rand.IntN(len(codes))]))
	}
	return c.Next()
}

// sleep waits d, or less when the server shuts down; it reports whether it waited d.
func sleep(c *fiber.Ctx, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.Context().Done():
		return false
	}
}

// serverFault is the body of an injected 5xx, shaped like HubSpot's.
func serverFault(status int) *apiError {
	switch status {
	case fiber.StatusBadGateway:
		return newError(status, "BAD_GATEWAY", "Bad Gateway (fault injected by the sandbox)")
	case fiber.StatusServiceUnavailable:
		return newError(status, "SERVICE_UNAVAILABLE", "Service Unavailable (fault injected by the sandbox)")
	case fiber.StatusGatewayTimeout:
		return newError(status, "GATEWAY_TIMEOUT", "Gateway Timeout (fault injected by the sandbox)")
	}
	return newError(fiber.StatusInternalServerError, catInternal, "internal error (fault injected by the sandbox)")
}
