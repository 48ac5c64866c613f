package web

import (
	"strconv"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// simulationJSON is a simulation as the API shows it.
type simulationJSON struct {
	ID              int64      `json:"id"`
	UserID          int64      `json:"userId"`
	Name            string     `json:"name"`
	Scenario        string     `json:"scenario"`
	ScenarioVersion int        `json:"scenarioVersion"`
	Distribution    string     `json:"distribution"`
	HourWeights     []float64  `json:"hourWeights,omitempty"`
	StartTime       time.Time  `json:"startTime"`
	EndTime         time.Time  `json:"endTime"`
	TimeZone        string     `json:"timeZone"`
	TotalRecords    int        `json:"totalRecords"`
	EffectiveTotal  int        `json:"effectiveTotal"`
	Pace            paceJSON   `json:"pace"`
	Target          string     `json:"target"`
	Pipeline        string     `json:"pipeline,omitempty"`
	OwnerIDs        []string   `json:"ownerIds,omitempty"`
	Seed            int64      `json:"seed"`
	Status          string     `json:"status"`
	StatusReason    string     `json:"statusReason"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	StartedAt       *time.Time `json:"startedAt,omitempty"`
	FinishedAt      *time.Time `json:"finishedAt,omitempty"`
	URL             string     `json:"url"`
}

type paceJSON struct {
	Mode   string  `json:"mode"`
	Factor float64 `json:"factor,omitempty"`
}

func simulationJSONOf(s storage.Simulation) simulationJSON {
	target := storage.TargetSandbox
	if s.TargetKind == storage.TargetHubSpot && s.ConnectionID != nil {
		target = strconv.FormatInt(*s.ConnectionID, 10)
	}
	return simulationJSON{ID: s.ID, UserID: s.UserID, Name: s.Name, Scenario: s.Scenario, ScenarioVersion: s.ScenarioVersion,
		Distribution: s.Distribution, HourWeights: s.HourWeights, StartTime: s.StartAt, EndTime: s.EndAt, TimeZone: s.TimeZone,
		TotalRecords: s.TotalRecords, EffectiveTotal: s.EffectiveTotal, Pace: paceJSON{Mode: s.PaceMode, Factor: s.PaceFactor},
		Target: target, Pipeline: s.Pipeline, OwnerIDs: s.OwnerIDs, Seed: s.Seed, Status: s.Status, StatusReason: s.StatusReason,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt,
		URL: "/simulations/" + strconv.FormatInt(s.ID, 10)}
}

// metricsJSON is a simulation's progress; every object type is present in each map.
type metricsJSON struct {
	SimulationID    int64            `json:"simulationId"`
	Source          string           `json:"source"`
	Status          string           `json:"status"`
	StatusReason    string           `json:"statusReason"`
	EffectiveTotal  int              `json:"effectiveTotal"`
	PercentComplete float64          `json:"percentComplete"`
	Processed       int64            `json:"processed"`
	Created         map[string]int64 `json:"created"`
	Scheduled       map[string]int64 `json:"scheduled"`
	Failed          map[string]int64 `json:"failed"`
	Thinned         map[string]int64 `json:"thinned"`
	Throughput      []int64          `json:"throughput"`
	// Lateness of paced runs: p50/p99 in ms after the planned moment, objects
	// measured, objects made more than a second early.
	Lateness jobs.Lateness `json:"lateness"`
}

func metricsJSONOf(s storage.Simulation, m jobs.Metrics) metricsJSON {
	every := func(in map[string]int64) map[string]int64 {
		out := make(map[string]int64, len(sim.TrackedKinds))
		for _, k := range sim.TrackedKinds {
			out[k.Plural()] = in[k.Plural()]
		}
		return out
	}
	out := metricsJSON{SimulationID: s.ID, Source: m.Source, Status: s.Status, StatusReason: s.StatusReason,
		EffectiveTotal: m.EffectiveTotal, PercentComplete: m.PercentComplete, Processed: m.Processed,
		Created: every(m.Created), Scheduled: every(m.Scheduled), Failed: every(m.Failed), Thinned: every(m.Thinned),
		Throughput: m.Throughput, Lateness: m.Lateness}
	if out.StatusReason == "" {
		out.StatusReason = m.StatusReason
	}
	if out.EffectiveTotal == 0 {
		out.EffectiveTotal = s.EffectiveTotal
	}
	if out.Throughput == nil {
		out.Throughput = []int64{}
	}
	return out
}

type segmentJSON struct {
	Index      int       `json:"index"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	FirstIndex int       `json:"firstIndex"`
	EndIndex   int       `json:"endIndex"`
	State      string    `json:"state"`
}
