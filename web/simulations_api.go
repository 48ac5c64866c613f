package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

// listSimulationsAPI lists the caller's simulations (everyone's for a boss).
func (h *handler) listSimulationsAPI(c *fiber.Ctx) error {
	f := storage.SimulationFilter{}
	if u := currentUser(c); !u.IsBoss() {
		f.UserID = u.ID
	}
	sims, err := h.store.Simulations(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]simulationJSON, 0, len(sims))
	for _, s := range sims {
		out = append(out, simulationJSONOf(s))
	}
	return c.JSON(fiber.Map{"simulations": out})
}

// showSimulationAPI answers one simulation.
func (h *handler) showSimulationAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return c.JSON(simulationJSONOf(s))
}

// createSimulationAPI creates a simulation from JSON: 201 with it, 422 with a
// message per field, 400 when the body is not a JSON object.
func (h *handler) createSimulationAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	text, fe, err := readSimulationJSON(c)
	if err != nil {
		return err
	}
	conns, err := h.userConnections(c)
	if err != nil {
		return err
	}
	in, parseErrs := text.parse(conns)
	mergeFieldErrors(fe, parseErrs)
	s, err := h.addSimulation(ctx, u.ID, in, fe)
	switch {
	case err != nil:
		return err
	case len(fe) > 0:
		return failFields(c, "simulation", fe)
	}
	return c.Status(fiber.StatusCreated).JSON(simulationJSONOf(s))
}

// showSimulationMetricsAPI answers a simulation's progress, from Redis or the database.
func (h *handler) showSimulationMetricsAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	m, err := h.progress.Metrics(c.UserContext(), s.ID)
	if err != nil {
		return err
	}
	return c.JSON(metricsJSONOf(s, m))
}

// showSimulationSegmentsAPI answers a simulation's segments.
func (h *handler) showSimulationSegmentsAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	segs, source, err := h.progress.Segments(c.UserContext(), s.ID)
	if err != nil {
		return err
	}
	out := make([]segmentJSON, 0, len(segs))
	for _, sg := range segs {
		out = append(out, segmentJSON{Index: sg.Index, Start: sg.Start, End: sg.End, FirstIndex: sg.FirstIndex,
			EndIndex: sg.EndIndex, State: sg.State})
	}
	return c.JSON(fiber.Map{"simulationId": s.ID, "source": source, "segments": out})
}
