package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// dashboardPageSize is how many simulations one page of the list shows.
const dashboardPageSize = 25

// dashboardStatuses are the states the list can be narrowed to ("" is every one).
var dashboardStatuses = []views.Option{{Value: "", Label: "Every state"}, {Value: "active", Label: "Queued, running or paused"},
	{Value: storage.StatusRunning, Label: "Running"}, {Value: storage.StatusPaused, Label: "Paused"},
	{Value: storage.StatusCompleted, Label: "Completed"}, {Value: storage.StatusAborted, Label: "Aborted"},
	{Value: storage.StatusFailed, Label: "Failed"}}

// showDashboard lists the user's simulations with their progress; a boss can
// ask for everyone's (?scope=all). ?q= searches names, ?status= narrows the
// state, ?page= pages.
func (h *handler) showDashboard(c *fiber.Ctx) error {
	d, err := h.dashboardView(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.DashboardPage(h.page(c, "Simulations", "dashboard"), d))
}

// showSimulationList answers the dashboard's polled list (286 once nothing on it
// is still going, so polling stops).
func (h *handler) showSimulationList(c *fiber.Ctx) error {
	d, err := h.dashboardView(c)
	if err != nil {
		return err
	}
	return render(c, pollStatus(!d.Live), views.SimulationList(d))
}

func (h *handler) dashboardView(c *fiber.Ctx) (views.DashboardView, error) {
	ctx := c.UserContext()
	u := currentUser(c)
	d := views.DashboardView{CanSeeAll: u.IsBoss(), All: u.IsBoss() && c.Query("scope") == "all",
		Query: strings.TrimSpace(c.Query("q")), Status: c.Query("status"), StatusOptions: dashboardStatuses, Page: 1}
	if utf8.RuneCountInString(d.Query) > 120 {
		return d, fiber.NewError(fiber.StatusBadRequest, "Search for at most 120 characters.")
	}
	f := storage.SimulationFilter{UserID: u.ID, Name: strings.Clone(d.Query), Limit: dashboardPageSize + 1}
	switch d.Status {
	case "":
	case "active":
		f.Statuses = []string{storage.StatusQueued, storage.StatusRunning, storage.StatusPaused}
	case storage.StatusRunning, storage.StatusPaused, storage.StatusCompleted, storage.StatusAborted, storage.StatusFailed:
		f.Statuses = []string{d.Status}
	default:
		return d, fiber.NewError(fiber.StatusBadRequest, "This list cannot be narrowed to that state; pick one from the list.")
	}
	if p := c.Query("page"); p != "" {
		n, ok := whole(p, 1, 10_000)
		if !ok {
			return d, fiber.NewError(fiber.StatusBadRequest, "This page address is broken: page must be a whole number from 1 to 10,000.")
		}
		d.Page = int(n)
	}
	f.Offset = (d.Page - 1) * dashboardPageSize
	owners := map[int64]string{}
	if d.All {
		f.UserID = 0
		users, err := h.store.Users(ctx)
		if err != nil {
			return d, err
		}
		for _, o := range users {
			owners[o.ID] = o.Email
		}
	}
	sims, err := h.store.Simulations(ctx, f)
	if err != nil {
		return d, err
	}
	more := len(sims) > dashboardPageSize
	sims = sims[:min(len(sims), dashboardPageSize)]
	conns := h.connectionNames(ctx, f.UserID)
	clk := readerClock(c)
	for _, s := range sims {
		row := views.SimulationRow{ID: s.ID, Name: s.Name, Scenario: s.Scenario, Target: targetText(s, conns),
			Status: s.Status, StatusReason: s.StatusReason, EffectiveTotal: s.EffectiveTotal,
			CreatedAt: clk.Short(s.CreatedAt), CreatedFull: clk.DateTime(s.CreatedAt)}
		if s.UserID != u.ID {
			row.Owner = owners[s.UserID]
		}
		if m, err := h.progress.Metrics(ctx, s.ID); err == nil {
			row.HasMetrics, row.Percent, row.Source = true, m.PercentComplete, m.Source
			row.Records = m.Created[sim.KindContact.Plural()]
			for _, n := range m.Failed {
				row.Failed += n
			}
		} else {
			h.log.Warn("dashboard metrics", "simulation", s.ID, "err", err)
		}
		d.Live = d.Live || !s.Finished()
		d.Rows = append(d.Rows, row)
	}
	list := func(page int) string {
		v := url.Values{}
		if d.All {
			v.Set("scope", "all")
		}
		if d.Query != "" {
			v.Set("q", d.Query)
		}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return ""
		}
		return "?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = "/" + list(d.Page-1)
	}
	if more {
		d.NextURL = "/" + list(d.Page+1)
	}
	d.ClearURL = "/" + list(0)
	if d.All {
		d.ClearURL = "/?scope=all"
	}
	d.PollURL = "/fragments/simulations" + list(d.Page)
	return d, nil
}

// showBossHome sends the boss to the DLQ triage page.
func (h *handler) showBossHome(c *fiber.Ctx) error {
	return c.Redirect("/boss/dlq", fiber.StatusSeeOther)
}
