package web

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/views"
)

// showSandboxRecord shows one sandbox record with every property and its
// associations. A player only opens records of their own simulations; others, like
// missing ones, are 404.
func (h *handler) showSandboxRecord(c *fiber.Ctx) error {
	typ, clk := strings.Clone(c.Params("type")), readerClock(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	rec, assocs, err := h.sandbox.Record(c.UserContext(), typ, id)
	if errors.Is(err, sandbox.ErrNotFound) || errors.Is(err, sandbox.ErrUnknownType) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	scope, err := h.sandboxScope(c)
	if err != nil {
		return err
	}
	simID := rec.Properties[hubspot.SimulationIDProperty]
	if !scope.boss && (simID == "" || !scope.owns(simID)) {
		return fiber.ErrNotFound
	}
	v := views.SandboxRecordView{Type: rec.Type, TypeLabel: sandboxTypeLabel(rec.Type), ID: rec.ID, Archived: rec.Archived,
		Created: clk.DateTime(rec.CreatedAt), Updated: clk.DateTime(rec.UpdatedAt),
		Simulation: simID, SimulationURL: scope.simulationURL(simID), BackURL: sandboxBackURL(rec.Type, simID, scope)}
	v.Title = rec.Properties[sandboxColumns[rec.Type][0]]
	if rec.Type == "contacts" {
		if name := strings.TrimSpace(rec.Properties["firstname"] + " " + rec.Properties["lastname"]); name != "" {
			v.Title = name
		}
	}
	if v.Title = clip(v.Title, 80); v.Title == "" {
		v.Title = sandboxTypeLabel(rec.Type) + " " + strconv.FormatInt(rec.ID, 10)
	}
	for _, name := range rec.SortedProperties() {
		v.Properties = append(v.Properties, views.SandboxProperty{Name: name, Value: clk.PropertyText(name, rec.Properties[name]), Raw: rec.Properties[name],
			SimCRM: name == hubspot.SimulationIDProperty || name == hubspot.RecordKeyProperty})
	}
	sort.SliceStable(assocs, func(i, j int) bool {
		if assocs[i].Type != assocs[j].Type {
			return assocs[i].Type < assocs[j].Type
		}
		return assocs[i].ID < assocs[j].ID
	})
	for _, a := range assocs {
		v.Associations = append(v.Associations, views.SandboxAssociation{Type: a.Type, ID: a.ID, Label: a.Label, TypeID: a.TypeID,
			URL: sandboxRecordURL(a.Type, a.ID)})
	}
	return render(c, fiber.StatusOK, views.SandboxRecordPage(h.page(c, v.Title, "sandbox"), v))
}

// sandboxBackURL is the list a record belongs in.
func sandboxBackURL(typ, simID string, scope sandboxScope) string {
	q := sandboxQuery{filter: views.SandboxFilter{Type: typ}}
	if simID != "" && scope.owns(simID) && !scope.boss {
		q.filter.Simulation = simID
	}
	return q.url(typ, 0)
}
