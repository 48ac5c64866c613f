package jobs

import (
	"context"
	"slices"
	"sort"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage"
)

// Replay strategies: which candidates a replay takes first.
const (
	ReplayOldest = "oldest"
	ReplayNewest = "newest"
	ReplayRandom = "random"
)

// replaySelection is what a replay (or its dry run) takes.
type replaySelection struct {
	storage.DLQCandidates
	Entries  []storage.DLQEntry // the rows taken, with payloads, in strategy order
	Selected map[string]int64   // … counted per category
}

// selectForReplay takes up to limit of the open rows matching the request's
// filter: per category at most MaxPerCategory (0 = no cap) in strategy order, then
// a fair share across the categories (one from each in turn) until the limit.
func (t *Triage) selectForReplay(ctx context.Context, req ReplayRequest) (replaySelection, error) {
	per := req.Limit
	if req.MaxPerCategory > 0 && req.MaxPerCategory < per {
		per = req.MaxPerCategory
	}
	order := storage.DLQOldestFirst
	switch req.Strategy {
	case ReplayNewest:
		order = storage.DLQNewestFirst
	case ReplayRandom:
		order = storage.DLQRandomOrder
	}
	c, err := t.store.DLQReplayCandidates(ctx, req.Filter, order, per)
	if err != nil {
		return replaySelection{}, err
	}
	sel := replaySelection{DLQCandidates: c, Selected: map[string]int64{}}
	sel.Entries, err = t.store.DLQEntriesByID(ctx, fairShare(c.IDs, req.Strategy, req.Limit))
	for _, e := range sel.Entries {
		sel.Selected[e.Category]++
	}
	return sel, err
}

// fairShare takes one id from each category in turn (in hubspot.Categories
// order) until limit, each category's ids in the order given, and returns them
// in strategy order: oldest (ascending id), newest (descending), or as drawn
// (random).
func fairShare(byCategory map[string][]int64, strategy string, limit int) []int64 {
	cats := make([]string, 0, len(byCategory))
	for c := range byCategory {
		cats = append(cats, c)
	}
	slices.SortFunc(cats, func(a, b string) int { return hubspot.Category(a).Order() - hubspot.Category(b).Order() })
	var ids []int64
	for round := 0; len(ids) < limit; round++ {
		took := false
		for _, c := range cats {
			if round < len(byCategory[c]) && len(ids) < limit {
				ids = append(ids, byCategory[c][round])
				took = true
			}
		}
		if !took {
			break
		}
	}
	switch strategy {
	case ReplayNewest:
		sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	case ReplayRandom:
	default:
		slices.Sort(ids)
	}
	return ids
}
