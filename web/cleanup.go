package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// cleanupView reads a simulation's clean-up: the dry run's counts per type, and the
// state of a clean-up started.
func (h *handler) cleanupView(c *fiber.Ctx, s storage.Simulation) (views.CleanupView, error) {
	ctx := c.UserContext()
	v := views.CleanupView{SimID: s.ID, CSRF: csrfToken(c, h.cfg.SessionSecret)}
	counts, err := h.store.CleanupCounts(ctx, s.ID)
	if err != nil {
		return v, err
	}
	for _, k := range jobs.CleanupOrder {
		n := counts[string(k)]
		r := views.CleanupRow{Type: k.Plural(), Pending: n[storage.CleanupPending], Shared: n[storage.CleanupShared],
			Archived: n[storage.CleanupArchived], Failed: n[storage.CleanupFailed]}
		v.Rows = append(v.Rows, r)
		v.Total.Pending += r.Pending
		v.Total.Shared += r.Shared
		v.Total.Archived += r.Archived
		v.Total.Failed += r.Failed
	}
	cl, err := h.store.Cleanup(ctx, s.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return v, err
	default:
		v.Status, v.Message, v.Found = cl.Status, cl.Message, cl.Found
	}
	switch {
	case !s.Finished():
		v.Why = "A simulation can be cleaned up once it has finished."
	case v.Running():
	case v.Total.Pending == 0:
		v.Why = "Nothing of this simulation is left in the target."
	default:
		v.CanStart = true
	}
	return v, nil
}

// showCleanupPanel is the clean-up panel alone (polled while it runs; 286 stops
// the polling once it is done).
func (h *handler) showCleanupPanel(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	v, err := h.cleanupView(c, s)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if !v.Running() {
		status = 286
	}
	return render(c, status, views.CleanupPanel(v))
}

// startCleanup starts archiving a finished simulation's objects in its target.
func (h *handler) startCleanup(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	err = h.lifecycle.StartCleanup(c.UserContext(), s.ID, currentUser(c).ID)
	if errors.Is(err, storage.ErrConflict) {
		return h.fail(c, fiber.StatusConflict, "Simulation "+strconv.FormatInt(s.ID, 10)+" is "+s.Status+": clean it up once it has finished.")
	}
	if err != nil {
		return err
	}
	h.log.Info("cleanup started", "simulation", s.ID, "user", currentUser(c).ID)
	switch {
	case isAPI(c):
		v, err := h.cleanupView(c, s)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(cleanupJSONOf(v))
	case isHTMX(c):
		v, err := h.cleanupView(c, s)
		if err != nil {
			return err
		}
		return render(c, fiber.StatusOK, views.CleanupPanel(v))
	}
	return c.Redirect("/simulations/"+strconv.FormatInt(s.ID, 10)+"/report", fiber.StatusSeeOther)
}

type cleanupJSON struct {
	Status   string                    `json:"status"` // "" (dry run only), running, done
	Message  string                    `json:"message,omitempty"`
	CanStart bool                      `json:"canStart"`
	Found    int                       `json:"found"`
	Types    map[string]cleanupRowJSON `json:"types"`
	Total    cleanupRowJSON            `json:"total"`
}

type cleanupRowJSON struct {
	Pending  int64 `json:"pending"`  // still in the target, to archive
	Shared   int64 `json:"shared"`   // another simulation has it too: kept
	Archived int64 `json:"archived"` // gone from the target
	Failed   int64 `json:"failed"`   // in the DLQ
}

func cleanupRowJSONOf(r views.CleanupRow) cleanupRowJSON {
	return cleanupRowJSON{Pending: r.Pending, Shared: r.Shared, Archived: r.Archived, Failed: r.Failed}
}

func cleanupJSONOf(v views.CleanupView) cleanupJSON {
	out := cleanupJSON{Status: v.Status, Message: v.Message, CanStart: v.CanStart, Found: v.Found, Types: map[string]cleanupRowJSON{},
		Total: cleanupRowJSONOf(v.Total)}
	for _, r := range v.Rows {
		out.Types[r.Type] = cleanupRowJSONOf(r)
	}
	return out
}

// showCleanupAPI is the dry run and the state of a clean-up.
func (h *handler) showCleanupAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	v, err := h.cleanupView(c, s)
	if err != nil {
		return err
	}
	return c.JSON(cleanupJSONOf(v))
}
