package jobs

import (
	"slices"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

func TestPipelineStages(t *testing.T) {
	st := func(id string, order int, closed, prob string) hubspot.PipelineStage {
		return hubspot.PipelineStage{ID: id, DisplayOrder: order, Metadata: map[string]string{"isClosed": closed, "probability": prob}}
	}
	p, err := pipelineStages(hubspot.Pipeline{ID: "77", Stages: []hubspot.PipelineStage{
		st("lost", 5, "true", "0.0"), st("demo", 1, "false", "0.3"), st("won", 4, "true", "1.0"),
		st("intro", 0, "false", "0.1"), st("proposal", 2, "false", "0.7"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "77" || !slices.Equal(p.Open, []string{"intro", "demo", "proposal"}) || p.Won != "won" || p.Lost != "lost" {
		t.Errorf("want open intro, demo, proposal; won, lost; got %+v", p)
	}
	if _, err := pipelineStages(hubspot.Pipeline{ID: "x", Stages: []hubspot.PipelineStage{st("a", 0, "false", "0.1")}}); err == nil {
		t.Error("a pipeline without won and lost stages: want an error")
	}
}
