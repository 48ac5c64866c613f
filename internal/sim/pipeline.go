package sim

// Pipeline is the deal pipeline deals move through: open stages in pipeline
// order, then one won and one lost stage. The zero value means HubSpot's
// default pipeline.
type Pipeline struct {
	ID   string
	Open []string // open stage ids in pipeline order; at least one
	Won  string
	Lost string
}

// DefaultPipeline is HubSpot's default sales pipeline.
func DefaultPipeline() Pipeline {
	return Pipeline{ID: "default", Open: OpenDealStages[:], Won: StageWon, Lost: StageLost}
}

// orDefault returns p, or the default pipeline when p is incomplete.
func (p Pipeline) orDefault() Pipeline {
	if len(p.Open) == 0 || p.Won == "" || p.Lost == "" {
		return DefaultPipeline()
	}
	return p
}

// Position is a stage's place in the pipeline: open stages 0…len(Open)-1, won
// and lost after them (both end the pipeline); -1 for an unknown stage.
func (p Pipeline) Position(stage string) int {
	p = p.orDefault()
	for i, s := range p.Open {
		if s == stage {
			return i
		}
	}
	if stage == p.Won || stage == p.Lost {
		return len(p.Open)
	}
	return -1
}

// openStage maps a weighted draw over the scenario's five stage weights onto
// a pipeline with n open stages, keeping the relative position.
func openStage(weighted, n int) int {
	return min(weighted*n/len(OpenDealStages), n-1)
}
