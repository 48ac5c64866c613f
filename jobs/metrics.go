package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// counterBuf holds counter deltas not yet written to the database: every counter
// goes to the Redis metrics hash at once and to the database in periodic flushes.
type counterBuf struct {
	mu      sync.Mutex
	pending map[int64]map[string]int64
}

func (b *counterBuf) add(simID int64, deltas map[string]int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.pending[simID]
	if m == nil {
		m = map[string]int64{}
		b.pending[simID] = m
	}
	for k, v := range deltas {
		m[k] += v
	}
}

func (b *counterBuf) take() map[int64]map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.pending
	b.pending = map[int64]map[string]int64{}
	return out
}

func (b *counterBuf) peek(simID int64) map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int64{}
	for k, v := range b.pending[simID] {
		out[k] = v
	}
	return out
}

// count adds deltas to a simulation's metrics: HINCRBY on sim:<id>:metrics now,
// the database with the next flush.
func (e *core) count(ctx context.Context, simID int64, deltas map[string]int64) {
	for k, v := range deltas {
		if v == 0 {
			delete(deltas, k)
		}
	}
	if len(deltas) == 0 {
		return
	}
	e.counters.add(simID, deltas)
	// Writes try whenever Redis is configured: Up() is the watcher's last ping, and
	// a slow ping under load must not drop a count (reads use Up() to fall back).
	if !e.redis.Enabled() {
		return
	}
	pipe := e.redis.Client.Pipeline()
	key := rediskeys.Metrics(simID)
	for k, v := range deltas {
		pipe.HIncrBy(ctx, key, k, v)
	}
	if _, err := pipe.Exec(context.WithoutCancel(ctx)); err != nil {
		e.log.Warn("metrics to redis", "simulation", simID, "err", err)
	}
}

// countObjects adds per-type counts under an event ("created", "scheduled", …)
// plus the matching total field.
func (e *core) countObjects(ctx context.Context, simID int64, event, total string, byKind map[string]int, extra map[string]int64) {
	d := map[string]int64{}
	for kind, n := range byKind {
		if n == 0 {
			continue
		}
		k, ok := sim.ParseKind(kind)
		if !ok {
			continue
		}
		d[sim.MetricKey(k, event)] += int64(n)
		if total != "" {
			d[total] += int64(n)
		}
	}
	for k, v := range extra {
		d[k] += v
	}
	e.count(ctx, simID, d)
}

// FlushCounters writes the counter deltas gathered since the last flush to the
// database; deltas that fail to write are kept for the next flush.
func (e *core) flushCounters(ctx context.Context) error {
	var firstErr error
	for simID, deltas := range e.counters.take() {
		if err := e.store.AddSimulationCounters(ctx, simID, deltas); err != nil {
			e.counters.add(simID, deltas)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// pluralKinds lists every object type by plural name, in creation order.
func pluralKinds() []string {
	out := make([]string, len(sim.TrackedKinds))
	for i, k := range sim.TrackedKinds {
		out[i] = k.Plural()
	}
	return out
}

// redisMetrics reads the metrics hash; ok is false when Redis is down or the hash
// is missing (a flush), so the caller falls back to the database.
func (e *core) redisMetrics(ctx context.Context, id int64) (map[string]int64, bool) {
	if !e.redis.Up() {
		return nil, false
	}
	raw, err := e.redis.Client.HGetAll(ctx, rediskeys.Metrics(id)).Result()
	if err != nil || raw[fieldSince] == "" {
		return nil, false
	}
	out := make(map[string]int64, len(raw))
	for k, v := range raw {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, true
}

// dbMetrics rebuilds the metrics fields from the database: counters for what only
// counters know (scheduled, processed), exact counts for created, failed and
// thinned, plus this process's deltas not yet flushed.
func (e *core) dbMetrics(ctx context.Context, id int64) (map[string]int64, error) {
	fields, err := e.store.SimulationCounters(ctx, id)
	if err != nil {
		return nil, err
	}
	for k, v := range e.counters.peek(id) {
		fields[k] += v
	}
	created, err := e.store.LedgerCounts(ctx, id)
	if err != nil {
		return nil, err
	}
	failed, err := e.store.FailedCounts(ctx, id)
	if err != nil {
		return nil, err
	}
	skips, err := e.store.SkipCounts(ctx, id)
	if err != nil {
		return nil, err
	}
	var totalCreated, totalThinned, totalFailed, totalBlocked int64
	for _, k := range sim.TrackedKinds {
		c := created[string(k)]
		f := failed[string(k)]
		b := skips[storage.SkipBlocked][string(k)]
		t := skips[storage.SkipThinned][string(k)]
		fields[sim.MetricKey(k, sim.EventCreated)] = c
		fields[sim.MetricKey(k, eventFailed)] = f + b
		fields[sim.MetricKey(k, eventThinned)] = t
		if !k.IsUpdate() {
			totalCreated += c // "created" counts objects; updates have their own fields
		}
		totalFailed, totalBlocked, totalThinned = totalFailed+f, totalBlocked+b, totalThinned+t
	}
	fields[fieldCreated], fields[fieldFailures], fields[fieldBlocked], fields[fieldThinned] = totalCreated, totalFailed, totalBlocked, totalThinned
	return fields, nil
}

// rebuildMetrics writes the database's view of a simulation's metrics and DLQ
// tallies into Redis (after a flush lost the hash, or a failover may have lost
// its last increments), in one script: exact counts (created, failed, thinned)
// are set; counters keep the larger of Redis and the database, so no figure an
// operator has seen drops.
func (e *core) rebuildMetrics(ctx context.Context, id int64) error {
	fields, err := e.dbMetrics(ctx, id)
	if err != nil {
		return err
	}
	args := make([]any, 0, 3*len(fields)+3)
	for k, v := range fields {
		if strings.HasPrefix(k, fieldThroughput) {
			continue
		}
		mode := "max"
		if exactField(k) {
			mode = "set"
		}
		args = append(args, k, v, mode)
	}
	args = append(args, fieldSince, time.Now().UnixMilli(), "set")
	tallies, err := e.store.DLQTallies(ctx, id)
	if err != nil {
		return err
	}
	_, err = e.redis.Client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, rediskeys.DLQCounts(id))
		for c, n := range tallies {
			pipe.HSet(ctx, rediskeys.DLQCounts(id), c, n)
		}
		rebuildScript.Eval(ctx, pipe, []string{rediskeys.Metrics(id)}, args...)
		return nil
	})
	return err
}

// rebuildScript writes field, value, mode triples into a hash: mode "set" sets
// the value, "max" keeps the larger of the value and the hash's.
var rebuildScript = redis.NewScript(`
for i = 1, #ARGV, 3 do
  local v = tonumber(ARGV[i+1])
  if ARGV[i+2] == "max" then
    local cur = tonumber(redis.call("HGET", KEYS[1], ARGV[i]) or "0") or 0
    if cur > v then v = cur end
  end
  redis.call("HSET", KEYS[1], ARGV[i], v)
end
return #ARGV / 3
`)

// whole reports whether Redis is up and holds a simulation's whole live state:
// its metrics hash carries "since" (written at start and by a rebuild, which
// restores the DLQ tallies too). A hash without it was recreated by a stray
// HINCRBY after a flush and holds only part of the counts.
func (e *core) whole(ctx context.Context, id int64) bool {
	if !e.redis.Up() {
		return false
	}
	ok, err := e.redis.Client.HExists(ctx, rediskeys.Metrics(id), fieldSince).Result()
	return err == nil && ok
}

// plannedTotal is the number of objects a simulation plans (exact once known).
func (e *core) plannedTotal(ctx context.Context, s storage.Simulation) (int64, error) {
	totals, err := e.planned(ctx, s)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, v := range totals {
		n += v
	}
	return n, nil
}

// planned returns the exact planned totals per plural type, or the scenario's
// expectation until the first tick stored them.
func (e *core) planned(ctx context.Context, s storage.Simulation) (map[string]int64, error) {
	e.mu.Lock()
	t, ok := e.plans[s.ID]
	e.mu.Unlock()
	if ok {
		return t, nil
	}
	js, err := e.store.SimulationPlan(ctx, s.ID)
	if err == nil {
		var t map[string]int64
		if json.Unmarshal([]byte(js), &t) == nil {
			e.mu.Lock()
			e.plans[s.ID] = t
			e.mu.Unlock()
			return t, nil
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	sc, err := e.scenarioOf(ctx, s.Scenario, s.ScenarioVersion)
	if err != nil {
		return nil, err
	}
	ex := sim.ExpectedTotals(sc, s.EffectiveTotal)
	out := map[string]int64{}
	for _, k := range sim.TrackedKinds {
		out[k.Plural()] = int64(ex.Get(k))
	}
	return out, nil
}

// throughputSamples is how many samples the sparkline shows.
const throughputSamples = 30

// ThroughputEvery is how often the created count is sampled for the throughput
// chart: each value of Metrics.Throughput covers one such interval.
const ThroughputEvery = 10 * time.Second

type sample struct {
	At      int64 `json:"t"` // unix seconds
	Created int64 `json:"c"`
}

// sampleThroughput appends the current created count to the ring kept in the
// metrics hash's "throughput" field.
func (e *Worker) sampleThroughput(ctx context.Context, id int64, now time.Time) {
	if !e.redis.Enabled() {
		return
	}
	key := rediskeys.Metrics(id)
	vals, err := e.redis.Client.HMGet(ctx, key, fieldCreated, fieldThroughput).Result()
	if err != nil {
		return
	}
	var ring []sample
	if s, ok := vals[1].(string); ok {
		_ = json.Unmarshal([]byte(s), &ring)
	}
	if n := len(ring); n > 0 && now.Unix()-ring[n-1].At < int64(ThroughputEvery/time.Second) {
		return
	}
	var created int64
	if s, ok := vals[0].(string); ok {
		created, _ = strconv.ParseInt(s, 10, 64)
	}
	ring = append(ring, sample{At: now.Unix(), Created: created})
	if len(ring) > throughputSamples+1 {
		ring = ring[len(ring)-throughputSamples-1:]
	}
	b, _ := json.Marshal(ring)
	e.redis.Client.HSet(ctx, key, fieldThroughput, string(b))
}
