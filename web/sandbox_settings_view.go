package web

import (
	"fmt"
	"github.com/simcrm/simcrm/internal/format"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/views"
)

// sandboxSettingsView is the settings page's model with both forms showing the
// sandbox's current limits and faults.
func (h *handler) sandboxSettingsView(c *fiber.Ctx) views.SandboxSettingsView {
	u := h.sandbox.Usage()
	return views.SandboxSettingsView{
		BaseURL:   c.BaseURL() + sandbox.MountPath,
		EngineURL: h.cfg.SandboxURL,
		Token:     h.sandbox.Token(),
		Usage:     views.SandboxUsage{WindowUsed: u.WindowUsed, Burst: u.Burst, DailyUsed: u.DailyUsed, Daily: u.Daily},
		Limits:    limitsForm(h.sandbox.Limits()),
		Faults:    faultsForm(h.sandbox.Faults()),
	}
}

func limitsForm(l sandbox.Limits) views.SandboxLimitsForm {
	return views.SandboxLimitsForm{Burst: strconv.Itoa(l.Burst), Daily: strconv.Itoa(l.Daily), Search: strconv.Itoa(l.SearchPerSecond)}
}

func faultsForm(f sandbox.Faults) views.SandboxFaultsForm {
	after := f.TimeoutAfter
	if after <= 0 {
		after = sandbox.DefaultTimeoutAfter
	}
	form := views.SandboxFaultsForm{ErrorRate: format.Rate(f.ErrorRate), Latency: strconv.FormatInt(f.Latency.Milliseconds(), 10),
		TimeoutRate: format.Rate(f.TimeoutRate), TimeoutAfter: strconv.FormatInt(int64(after/time.Second), 10),
		Force401: f.Force401, Force403: f.Force403}
	if f.ErrorRate > 0 {
		form.Active = append(form.Active, format.Rate(f.ErrorRate)+"% 5xx")
	}
	if f.Latency > 0 {
		form.Active = append(form.Active, "+"+f.Latency.String()+" latency")
	}
	if f.TimeoutRate > 0 {
		form.Active = append(form.Active, format.Rate(f.TimeoutRate)+"% timeouts")
	}
	if f.Force401 {
		form.Active = append(form.Active, "every call 401")
	}
	if f.Force403 {
		form.Active = append(form.Active, "every call 403")
	}
	return form
}

// wholeIn reads a whole number in lo..hi; the message says what is wrong.
func wholeIn(s string, lo, hi int, what string) (int, string) {
	n, msg := parseWhole(s, "Enter "+what+".", "Enter a whole number.")
	switch {
	case msg != "":
		return 0, msg
	case n < int64(lo) || n > int64(hi):
		return 0, fmt.Sprintf("Enter a number from %s to %s.", format.Count(lo), format.Count(hi))
	}
	return int(n), ""
}

// percentIn reads a percentage 0–100 as a rate 0–1; blank is 0.
func percentIn(s string) (float64, string) {
	f, msg := parseDecimal(s, "", "Enter a percentage such as 10 or 2.5.")
	switch {
	case msg != "":
		return 0, msg
	case f < 0 || f > 100:
		return 0, "Enter a percentage from 0 to 100."
	}
	return f / 100, ""
}

// readLimits checks the limits form.
func readLimits(c *fiber.Ctx) (sandbox.Limits, views.SandboxLimitsForm) {
	form := views.SandboxLimitsForm{Burst: strings.Clone(c.FormValue("burst")), Daily: strings.Clone(c.FormValue("daily")),
		Search: strings.Clone(c.FormValue("search")), Errors: views.FormErrors{}}
	var l sandbox.Limits
	var msg string
	if l.Burst, msg = wholeIn(form.Burst, 0, 100_000, "calls per 10 s (0 for no limit)"); msg != "" {
		form.Errors["burst"] = msg
	}
	if l.Daily, msg = wholeIn(form.Daily, 0, 1_000_000_000, "calls per day (0 for no limit)"); msg != "" {
		form.Errors["daily"] = msg
	}
	if l.SearchPerSecond, msg = wholeIn(form.Search, 0, 10_000, "searches per second (0 for no limit)"); msg != "" {
		form.Errors["search"] = msg
	}
	return l, form
}

// readFaults checks the faults form; "clear" turns every fault off.
func readFaults(c *fiber.Ctx) (sandbox.Faults, views.SandboxFaultsForm) {
	if c.FormValue("clear") != "" {
		return sandbox.Faults{}, faultsForm(sandbox.Faults{})
	}
	form := views.SandboxFaultsForm{ErrorRate: strings.Clone(c.FormValue("errorRate")), Latency: strings.Clone(c.FormValue("latency")),
		TimeoutRate: strings.Clone(c.FormValue("timeoutRate")), TimeoutAfter: strings.Clone(c.FormValue("timeoutAfter")),
		Force401: c.FormValue("force401") != "", Force403: c.FormValue("force403") != "", Errors: views.FormErrors{}}
	f := sandbox.Faults{Force401: form.Force401, Force403: form.Force403}
	var msg string
	if f.ErrorRate, msg = percentIn(form.ErrorRate); msg != "" {
		form.Errors["errorRate"] = msg
	}
	if f.TimeoutRate, msg = percentIn(form.TimeoutRate); msg != "" {
		form.Errors["timeoutRate"] = msg
	}
	if strings.TrimSpace(form.Latency) != "" {
		ms, msg := wholeIn(form.Latency, 0, 60_000, "milliseconds")
		if msg != "" {
			form.Errors["latency"] = msg
		}
		f.Latency = time.Duration(ms) * time.Millisecond
	}
	if strings.TrimSpace(form.TimeoutAfter) != "" {
		secs, msg := wholeIn(form.TimeoutAfter, 1, 600, "seconds")
		if msg != "" {
			form.Errors["timeoutAfter"] = msg
		}
		f.TimeoutAfter = time.Duration(secs) * time.Second
	}
	if form.Force401 && form.Force403 {
		form.Errors["force403"] = "Choose 401 or 403, not both: a refused token never reaches the scope check."
	}
	return f, form
}
