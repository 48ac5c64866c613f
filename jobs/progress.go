package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// Progress reads a simulation's progress: metrics, segments, and the live DLQ and
// thinning state, from Redis when it is whole, from the database otherwise.
type Progress struct{ *core }

// Metrics is a simulation's progress, from Redis when it is up, from the database
// otherwise (Source says which).
type Metrics struct {
	Source          string // "redis" or "db"
	Status          string
	StatusReason    string
	EffectiveTotal  int
	Created         map[string]int64 // per plural type: contacts, companies, deals, tickets, notes, calls, tasks, meetings
	Scheduled       map[string]int64
	Failed          map[string]int64
	Thinned         map[string]int64
	Planned         int64   // objects the simulation plans (0 while unknown)
	Processed       int64   // records whose journey is done or accounted for
	PercentComplete float64 // 0..100, against the effective total and its activities
	Throughput      []int64 // objects created per interval, oldest first, for the sparkline
	// Lateness of paced runs: how long after its planned moment each object and
	// update was made (p50, p99) and how many came more than a second early.
	Lateness Lateness
}

// SegmentView is one simulated hour of a simulation's plan.
type SegmentView struct {
	Index      int
	Start, End time.Time
	FirstIndex int    // first record index (inclusive)
	EndIndex   int    // one past the last record index
	State      string // planned | expanded | done
}

// Metrics reports a simulation's progress: from the Redis metrics hash when Redis is
// up and has it, from the database (counters, ledger, DLQ and skips) otherwise.
func (e *Progress) Metrics(ctx context.Context, id int64) (Metrics, error) {
	s, err := e.store.Simulation(ctx, id)
	if err != nil {
		return Metrics{}, err
	}
	m := Metrics{Status: s.Status, StatusReason: s.StatusReason, EffectiveTotal: s.EffectiveTotal,
		Created: map[string]int64{}, Scheduled: map[string]int64{}, Failed: map[string]int64{}, Thinned: map[string]int64{}}
	fields, ok := e.redisMetrics(ctx, id)
	if ok {
		m.Source = "redis"
		counters, err := e.store.SimulationCounters(ctx, id)
		if err != nil {
			return Metrics{}, err
		}
		mergeCounters(fields, counters)
	} else {
		m.Source = "db"
		if fields, err = e.dbMetrics(ctx, id); err != nil {
			return Metrics{}, err
		}
		if s.Finished() && e.redis.Up() {
			// No reconcile looks after a finished simulation: rebuild its
			// metrics and DLQ tallies in Redis (lost to a flush) now that
			// someone looks, so redis-cli and the pages agree with the database.
			if err := e.rebuildMetrics(ctx, id); err != nil {
				e.log.Warn("metrics rebuild", "simulation", id, "err", err)
			}
		}
	}
	for _, p := range pluralKinds() {
		m.Created[p] = fields[p+"_"+sim.EventCreated]
		m.Scheduled[p] = fields[p+"_"+sim.EventScheduled]
		m.Failed[p] = fields[p+"_"+eventFailed]
		m.Thinned[p] = fields[p+"_"+eventThinned]
	}
	m.Processed = min(fields[fieldProcessed], int64(s.EffectiveTotal))
	m.Lateness = latenessOf(fields)
	m.Throughput = e.throughput(ctx, id)
	planned, err := e.plannedTotal(ctx, s)
	if err == nil && planned > 0 {
		m.Planned = planned
		var done int64
		for _, p := range pluralKinds() {
			done += m.Created[p] + m.Failed[p] + m.Thinned[p]
		}
		m.PercentComplete = min(100, float64(done)*100/float64(planned))
	}
	if s.Status == storage.StatusCompleted {
		m.PercentComplete = 100
	}
	e.shown.hold(id, &m, s.Finished())
	return m, nil
}

// throughput is objects created per sampling interval, oldest first.
func (e *Progress) throughput(ctx context.Context, id int64) []int64 {
	if !e.redis.Up() {
		return nil
	}
	s, err := e.redis.Client.HGet(ctx, rediskeys.Metrics(id), fieldThroughput).Result()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			e.log.Debug("throughput", "err", err)
		}
		return nil
	}
	var ring []sample
	if json.Unmarshal([]byte(s), &ring) != nil || len(ring) < 2 {
		return nil
	}
	out := make([]int64, 0, len(ring)-1)
	for i := 1; i < len(ring); i++ {
		out = append(out, max(0, ring[i].Created-ring[i-1].Created))
	}
	return out
}

// Segments lists a simulation's segments and where they came from: "redis" (the
// segment index and meta hashes) or "db".
func (e *Progress) Segments(ctx context.Context, id int64) ([]SegmentView, string, error) {
	if _, err := e.store.Simulation(ctx, id); err != nil {
		return nil, "", err
	}
	if views, ok := e.redisSegments(ctx, id); ok {
		return views, "redis", nil
	}
	segs, err := e.store.Segments(ctx, id)
	if err != nil {
		return nil, "", err
	}
	out := make([]SegmentView, len(segs))
	for i, g := range segs {
		out[i] = SegmentView{Index: g.Index, Start: g.StartAt, End: g.EndAt, FirstIndex: g.FirstIndex, EndIndex: g.EndIndex, State: g.State}
	}
	return out, "db", nil
}

func (e *Progress) redisSegments(ctx context.Context, id int64) ([]SegmentView, bool) {
	if !e.redis.Up() {
		return nil, false
	}
	ids, err := e.redis.Client.ZRange(ctx, rediskeys.Segments(id), 0, -1).Result()
	if err != nil || len(ids) == 0 {
		return nil, false
	}
	index := make([]int, len(ids))
	pipe := e.redis.Client.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, sid := range ids {
		k, err := strconv.Atoi(strings.TrimPrefix(sid, "seg:"))
		if err != nil {
			return nil, false
		}
		index[i] = k
		cmds[i] = pipe.HGetAll(ctx, rediskeys.Segment(id, k))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, false
	}
	out := make([]SegmentView, 0, len(ids))
	for i, k := range index {
		m := cmds[i].Val()
		if len(m) == 0 {
			return nil, false
		}
		start, _ := strconv.ParseInt(m["start"], 10, 64)
		end, _ := strconv.ParseInt(m["end"], 10, 64)
		first, _ := strconv.Atoi(m["first"])
		last, _ := strconv.Atoi(m["last"])
		out = append(out, SegmentView{Index: k, Start: time.UnixMilli(start).UTC(), End: time.UnixMilli(end).UTC(),
			FirstIndex: first, EndIndex: last + 1, State: m["state"]})
	}
	return out, true
}
