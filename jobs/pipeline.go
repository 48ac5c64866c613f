package jobs

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
)

// pipelineOf reads a deal pipeline's stages from the target, once per target: its
// open stages in display order, and the closed stages won (probability 1) and lost
// (probability 0). Deals walk these stages in order.
func (t *target) pipelineOf(ctx context.Context, id string) (sim.Pipeline, error) {
	t.setup.Lock()
	p, ok := t.pipelines[id]
	t.setup.Unlock()
	if ok {
		return p, nil
	}
	var list []hubspot.Pipeline
	if err := t.do(ctx, "", func(ctx context.Context) error {
		var err error
		list, err = t.client.Pipelines(ctx, hubspot.Deals)
		return err
	}); err != nil {
		return sim.Pipeline{}, fmt.Errorf("jobs: %s: deal pipelines: %w", t.name, err)
	}
	for _, pl := range list {
		if pl.ID != id {
			continue
		}
		p, err := pipelineStages(pl)
		if err != nil {
			return sim.Pipeline{}, fmt.Errorf("jobs: %s: %w", t.name, err)
		}
		t.setup.Lock()
		if t.pipelines == nil {
			t.pipelines = map[string]sim.Pipeline{}
		}
		t.pipelines[id] = p
		t.setup.Unlock()
		return p, nil
	}
	return sim.Pipeline{}, fmt.Errorf("jobs: %s has no deal pipeline %q", t.name, id)
}

// pipelineStages sorts a pipeline's stages into open, won and lost.
func pipelineStages(pl hubspot.Pipeline) (sim.Pipeline, error) {
	stages := append([]hubspot.PipelineStage(nil), pl.Stages...)
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].DisplayOrder < stages[j].DisplayOrder })
	p := sim.Pipeline{ID: pl.ID}
	for _, s := range stages {
		if s.Archived {
			continue
		}
		prob, err := strconv.ParseFloat(s.Metadata["probability"], 64)
		closed := s.Metadata["isClosed"] == "true"
		switch {
		case closed && err == nil && prob >= 1 && p.Won == "":
			p.Won = s.ID
		case closed && err == nil && prob <= 0 && p.Lost == "":
			p.Lost = s.ID
		case !closed:
			p.Open = append(p.Open, s.ID)
		}
	}
	if len(p.Open) == 0 || p.Won == "" || p.Lost == "" {
		return sim.Pipeline{}, fmt.Errorf("deal pipeline %q needs open stages, a won stage and a lost stage", pl.ID)
	}
	return p, nil
}
