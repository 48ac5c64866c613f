package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/views"
)

// sandboxJSON is the sandbox's state for the API (boss only).
type sandboxJSON struct {
	BaseURL string         `json:"baseUrl"`
	Counts  map[string]int `json:"counts"`
	Limits  limitsJSON     `json:"limits"`
	Faults  faultsJSON     `json:"faults"`
	Usage   usageJSON      `json:"usage"`
}

type limitsJSON struct {
	Burst           int `json:"burst"`
	Daily           int `json:"daily"`
	SearchPerSecond int `json:"searchPerSecond"`
}

type faultsJSON struct {
	ErrorRate      float64 `json:"errorRate"`
	LatencyMs      int64   `json:"latencyMs"`
	TimeoutRate    float64 `json:"timeoutRate"`
	TimeoutAfterMs int64   `json:"timeoutAfterMs"`
	Force401       bool    `json:"force401"`
	Force403       bool    `json:"force403"`
}

type usageJSON struct {
	WindowUsed int `json:"windowUsed"`
	DailyUsed  int `json:"dailyUsed"`
}

// showSandboxAPI answers the sandbox's counts, limits, faults and usage.
func (h *handler) showSandboxAPI(c *fiber.Ctx) error {
	counts, err := h.sandbox.Counts(c.UserContext())
	if err != nil {
		return err
	}
	l, f, u := h.sandbox.Limits(), h.sandbox.Faults(), h.sandbox.Usage()
	return c.JSON(sandboxJSON{
		BaseURL: c.BaseURL() + sandbox.MountPath, Counts: counts,
		Limits: limitsJSON{Burst: l.Burst, Daily: l.Daily, SearchPerSecond: l.SearchPerSecond},
		Faults: faultsJSON{ErrorRate: f.ErrorRate, LatencyMs: f.Latency.Milliseconds(), TimeoutRate: f.TimeoutRate,
			TimeoutAfterMs: f.TimeoutAfter.Milliseconds(), Force401: f.Force401, Force403: f.Force403},
		Usage: usageJSON{WindowUsed: u.WindowUsed, DailyUsed: u.DailyUsed},
	})
}

// updateSandboxLimitsAPI replaces the limits from {"burst","daily","searchPerSecond"}.
func (h *handler) updateSandboxLimitsAPI(c *fiber.Ctx) error {
	var in limitsJSON
	if err := readJSON(c, &in, `a JSON object with "burst", "daily" and "searchPerSecond" (0 turns a limit off)`); err != nil {
		return err
	}
	fe := views.FormErrors{}
	if in.Burst < 0 || in.Burst > 100_000 {
		fe["burst"] = "must be 0 (off) to 100,000"
	}
	if in.Daily < 0 || in.Daily > 1_000_000_000 {
		fe["daily"] = "must be 0 (off) to 1,000,000,000"
	}
	if in.SearchPerSecond < 0 || in.SearchPerSecond > 10_000 {
		fe["searchPerSecond"] = "must be 0 (off) to 10,000"
	}
	if len(fe) > 0 {
		return failFields(c, "limits", fe)
	}
	if err := h.sandbox.SetLimits(sandbox.Limits{Burst: in.Burst, Daily: in.Daily, SearchPerSecond: in.SearchPerSecond}); err != nil {
		return failJSON(c, fiber.StatusUnprocessableEntity, err.Error(), nil)
	}
	h.log.Info("sandbox limits changed", "user", currentUser(c).ID, "burst", in.Burst, "daily", in.Daily, "search", in.SearchPerSecond, "via", "api")
	return h.showSandboxAPI(c)
}

// updateSandboxFaultsAPI replaces the injected faults (rates 0–1, durations in ms).
func (h *handler) updateSandboxFaultsAPI(c *fiber.Ctx) error {
	var in faultsJSON
	if err := readJSON(c, &in, `a JSON object with "errorRate", "latencyMs", "timeoutRate", "timeoutAfterMs", "force401", "force403"`); err != nil {
		return err
	}
	fe := views.FormErrors{}
	if in.ErrorRate < 0 || in.ErrorRate > 1 {
		fe["errorRate"] = "must be between 0 and 1"
	}
	if in.TimeoutRate < 0 || in.TimeoutRate > 1 {
		fe["timeoutRate"] = "must be between 0 and 1"
	}
	if in.LatencyMs < 0 || in.LatencyMs > 60_000 {
		fe["latencyMs"] = "must be 0 to 60,000"
	}
	if in.TimeoutAfterMs < 0 || in.TimeoutAfterMs > 600_000 {
		fe["timeoutAfterMs"] = "must be 0 (the default) to 600,000"
	}
	if in.Force401 && in.Force403 {
		fe["force403"] = "choose force401 or force403, not both"
	}
	if len(fe) > 0 {
		return failFields(c, "faults", fe)
	}
	f := sandbox.Faults{ErrorRate: in.ErrorRate, Latency: time.Duration(in.LatencyMs) * time.Millisecond, TimeoutRate: in.TimeoutRate,
		TimeoutAfter: time.Duration(in.TimeoutAfterMs) * time.Millisecond, Force401: in.Force401, Force403: in.Force403}
	if err := h.sandbox.SetFaults(f); err != nil {
		return failJSON(c, fiber.StatusUnprocessableEntity, err.Error(), nil)
	}
	h.log.Info("sandbox faults changed", "user", currentUser(c).ID, "error_rate", f.ErrorRate, "latency", f.Latency,
		"timeout_rate", f.TimeoutRate, "force401", f.Force401, "force403", f.Force403, "via", "api")
	return h.showSandboxAPI(c)
}

// resetSandboxAPI empties the sandbox: 204.
func (h *handler) resetSandboxAPI(c *fiber.Ctx) error {
	if err := h.sandbox.Reset(c.UserContext()); err != nil {
		return err
	}
	h.log.Warn("sandbox reset", "user", currentUser(c).ID, "via", "api")
	return c.SendStatus(fiber.StatusNoContent)
}
