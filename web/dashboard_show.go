package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// showDashboard lists the user's simulations with their progress; a boss can
// ask for everyone's (?scope=all).
func (h *handler) showDashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	d := views.DashboardView{CanSeeAll: u.IsBoss(), All: u.IsBoss() && c.Query("scope") == "all"}
	f := storage.SimulationFilter{UserID: u.ID}
	owners := map[int64]string{}
	if d.All {
		f.UserID = 0
		users, err := h.store.Users(ctx)
		if err != nil {
			return err
		}
		for _, o := range users {
			owners[o.ID] = o.Email
		}
	}
	sims, err := h.store.Simulations(ctx, f)
	if err != nil {
		return err
	}
	conns := h.connectionNames(ctx, f.UserID)
	for _, s := range sims {
		row := views.SimulationRow{ID: s.ID, Name: s.Name, Scenario: s.Scenario, Target: targetText(s, conns),
			Status: s.Status, StatusReason: s.StatusReason, EffectiveTotal: s.EffectiveTotal,
			CreatedAt: s.CreatedAt.In(location(s)).Format(dateTimeFormat)}
		if s.UserID != u.ID {
			row.Owner = owners[s.UserID]
		}
		if m, err := h.progress.Metrics(ctx, s.ID); err == nil {
			row.HasMetrics, row.Percent, row.Source = true, m.PercentComplete, m.Source
			row.Records = m.Created[sim.KindContact.Plural()]
		} else {
			h.log.Warn("dashboard metrics", "simulation", s.ID, "err", err)
		}
		d.Rows = append(d.Rows, row)
	}
	return render(c, fiber.StatusOK, views.DashboardPage(h.page(c, "Simulations", "dashboard"), d))
}

// showBossHome sends the boss to the DLQ triage page.
func (h *handler) showBossHome(c *fiber.Ctx) error {
	return c.Redirect("/boss/dlq", fiber.StatusSeeOther)
}
