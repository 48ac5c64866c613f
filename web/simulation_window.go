package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/views"
)

// showSimulationWindow answers the form's start and end after a pace was chosen:
// a window that does not fit the pace (a backfill ending in the future, a paced
// run that is already over) becomes that pace's default; one that fits stays as
// typed. A changed window asks the form for a new preview.
func (h *handler) showSimulationWindow(c *fiber.Ctx) error {
	pace := strings.Clone(c.Query("pace"))
	f := views.SimulationForm{StartTime: strings.Clone(c.Query("startTime")), EndTime: strings.Clone(c.Query("endTime")),
		Errors: views.FormErrors{}}
	loc, err := time.LoadLocation(strings.TrimSpace(c.Query("timeZone")))
	if err != nil || c.Query("timeZone") == "" {
		loc = time.UTC
	}
	now := time.Now()
	end, err := time.ParseInLocation(datetimeLocal, strings.TrimSpace(f.EndTime), loc)
	fits := err == nil
	if fits && pace == string(sim.Backfill) {
		fits = !end.After(now)
	} else if fits {
		fits = end.After(now)
	}
	if !fits {
		f.StartTime, f.EndTime = defaultWindow(pace, now, loc)
		c.Set("HX-Trigger-After-Swap", "sim-window-changed")
	}
	return render(c, fiber.StatusOK, views.SimulationWindow(f))
}
