package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/storage"
)

// DLQLive is a simulation's dead-letter queue at a glance.
type DLQLive struct {
	Source  string             // "redis" or "db"
	Tallies map[string]int64   // failures per category (sim:<id>:dlq:counts, or the database)
	Open    map[string]int64   // open rows per category (database)
	Samples []string           // newest DLQSample snapshots as JSON (Source redis)
	Rows    []storage.DLQEntry // newest rows (Source db)
}

// DLQ reads a simulation's failure tallies and its newest samples from Redis while
// its live state there is whole (the metrics hash carries "since", as Metrics
// checks), otherwise from the database; open rows always come from the database.
func (e *Progress) DLQ(ctx context.Context, simID int64, samples int) (DLQLive, error) {
	open, err := e.store.DLQCounts(ctx, simID)
	if err != nil {
		return DLQLive{}, err
	}
	if e.whole(ctx, simID) {
		live := DLQLive{Source: "redis", Open: open}
		live.Tallies, err = e.redis.HashCounts(ctx, rediskeys.DLQCounts(simID))
		if err == nil {
			live.Samples, _, err = e.redis.ListHead(ctx, rediskeys.DLQSamples(simID), samples)
		}
		if err != nil && !errors.Is(err, storage.ErrRedisDisabled) {
			e.log.Warn("dlq from redis", "simulation", simID, "err", err)
		}
		if err == nil && (len(live.Tallies) > 0 || len(open) == 0) {
			return live, nil
		}
	}
	live := DLQLive{Source: "db", Open: open}
	if live.Tallies, err = e.store.DLQTallies(ctx, simID); err != nil {
		return DLQLive{}, err
	}
	if live.Rows, err = e.store.DLQRecent(ctx, simID, samples); err != nil {
		return DLQLive{}, err
	}
	return live, nil
}

// ThinningLive is a simulation's recent thinning decisions and thinned counts.
type ThinningLive struct {
	Source       string // "redis", or "redis-disabled" while Redis is away (no events then)
	Events       []ThinningEvent
	Stored       int64            // events kept in Redis
	Thinned      map[string]int64 // per plural type: notes, calls, tasks, meetings
	Total        int64
	CountsSource string // "redis" (a whole metrics hash) or "db"
}

// Thinning reads the newest n thinning decisions (Redis only) and the thinned
// counts: from the metrics hash while it is whole, from the database otherwise.
func (e *Progress) Thinning(ctx context.Context, simID int64, n int) (ThinningLive, error) {
	t := ThinningLive{Source: "redis", Thinned: map[string]int64{}}
	raw, stored, err := e.redis.ListHead(ctx, rediskeys.ThinningEvents(simID), n)
	if err != nil {
		t.Source = "redis-disabled"
	}
	t.Stored = stored
	for _, r := range raw {
		var ev ThinningEvent
		if json.Unmarshal([]byte(r), &ev) == nil {
			t.Events = append(t.Events, ev)
		}
	}
	counters, ok := e.redisMetrics(ctx, simID)
	t.CountsSource = "redis"
	if !ok {
		t.CountsSource = "db"
		if counters, err = e.store.SimulationCounters(ctx, simID); err != nil {
			return t, err
		}
	}
	for k, n := range counters {
		if typ, ok := strings.CutSuffix(k, "s_"+eventThinned); ok && typ != "" {
			t.Thinned[typ+"s"] = n
			t.Total += n
		}
	}
	return t, nil
}
