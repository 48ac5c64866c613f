package web

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// thinningPanelEvents is how many recent decisions the panel lists.
const thinningPanelEvents = 10

// showThinningPanel answers the polled thinning panel of a simulation (286 once it
// is finished, so polling stops).
func (h *handler) showThinningPanel(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	return render(c, pollStatus(s.Finished()), views.ThinningPanel(h.thinningPanelView(c.UserContext(), s)))
}

// thinningPanelView builds the thinning panel: decisions from Redis (none while it
// is away) and thinned counts from the metrics hash or the database counters.
func (h *handler) thinningPanelView(ctx context.Context, s storage.Simulation) views.ThinningPanelView {
	v := views.ThinningPanelView{SimID: s.ID, Finished: s.Finished(), Cap: h.cfg.ThinningMax}
	t := h.thinning(ctx, s.ID, thinningPanelEvents)
	v.Source, v.Stored, v.CountsSource = t.Source, t.Stored, t.CountsSource
	if len(t.Events) > 0 {
		v.HasFactor, v.Factor, v.Waiting = true, t.Events[0].Factor, t.Events[0].TotalWaiting
	}
	for _, e := range t.Events {
		v.Events = append(v.Events, views.ThinningEventRow{At: time.UnixMilli(e.TS).UTC().Format("15:04:05"), RecordIndex: e.RecordIndex,
			Before: e.Before, After: e.After, Factor: strconv.FormatFloat(e.Factor, 'f', -1, 64), Waiting: e.TotalWaiting})
	}
	for _, typ := range t.types() {
		v.Thinned = append(v.Thinned, views.TypeCount{Type: typ, Count: t.Thinned[typ]})
	}
	v.ThinnedTotal = t.Total
	if t.Err != "" {
		v.Unavailable = t.Err
	}
	return v
}

// thinningState is a simulation's recent thinning decisions and thinned counts.
type thinningState struct {
	Source       string // redis or redis-disabled
	Events       []jobs.ThinningEvent
	Stored       int64
	Thinned      map[string]int64 // per plural type: notes, calls, tasks, meetings
	Total        int64
	CountsSource string // redis or db
	Err          string
}

func (t thinningState) types() []string {
	out := make([]string, 0, len(t.Thinned))
	for k := range t.Thinned {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// thinning reads the newest n thinning events and the thinned counters.
func (h *handler) thinning(ctx context.Context, simID int64, n int) thinningState {
	t := thinningState{Source: "redis", Thinned: map[string]int64{}}
	raw, stored, err := h.redis.ListHead(ctx, jobs.ThinningEventsKey(simID), n)
	if err != nil {
		t.Source = "redis-disabled"
	}
	t.Stored = stored
	for _, r := range raw {
		var e jobs.ThinningEvent
		if json.Unmarshal([]byte(r), &e) == nil {
			t.Events = append(t.Events, e)
		}
	}
	counters, err := h.redis.HashCounts(ctx, jobs.MetricsKey(simID))
	t.CountsSource = "redis"
	if err != nil || len(counters) == 0 {
		t.CountsSource = "db"
		if counters, err = h.store.SimulationCounters(ctx, simID); err != nil {
			h.log.Error("thinned counters", "simulation", simID, "err", err)
			t.Err = "The thinned counts cannot be read right now."
			return t
		}
	}
	for k, n := range counters {
		if typ, ok := strings.CutSuffix(k, "s_thinned"); ok && typ != "" {
			t.Thinned[typ+"s"] = n
			t.Total += n
		}
	}
	return t
}
