package storage

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// Job durations: every worker process adds each job it runs to a histogram in
// Redis (rediskeys.JobDurations, one hash per task type and outcome), so one
// /metrics scrape of any web process shows every worker's jobs.

// JobBuckets are the histogram's upper bounds in seconds: a records task takes
// from tens of milliseconds (sandbox, no limits) to seconds (rate-limited).
var JobBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// JobDurations is one task type and outcome's histogram.
type JobDurations struct {
	Type, Outcome string
	Count         uint64
	Sum           float64            // seconds
	Buckets       map[float64]uint64 // cumulative, as Prometheus wants them
}

// ObserveJob adds one job's duration to its histogram. Errors are dropped: a
// lost observation is not worth failing or slowing the job.
func (r *Redis) ObserveJob(ctx context.Context, taskType, outcome string, d time.Duration) {
	if r.Client == nil {
		return
	}
	key := rediskeys.JobDurations(taskType, outcome)
	le := "le:+Inf"
	for _, b := range JobBuckets {
		if d.Seconds() <= b {
			le = "le:" + strconv.FormatFloat(b, 'g', -1, 64)
			break
		}
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_, _ = r.Client.Pipelined(c, func(p redis.Pipeliner) error {
		p.HIncrBy(c, key, le, 1)
		p.HIncrBy(c, key, "count", 1)
		p.HIncrBy(c, key, "sum_us", d.Microseconds())
		return nil
	})
}

// JobDurationHistograms reads every task type's histograms, sorted by type and
// outcome. ErrRedisDisabled without Redis.
func (r *Redis) JobDurationHistograms(ctx context.Context) ([]JobDurations, error) {
	if !r.Up() {
		return nil, ErrRedisDisabled
	}
	var keys []string
	iter := r.Client.Scan(ctx, 0, rediskeys.JobDurationsPattern, 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("storage: job durations: %w", err)
	}
	sort.Strings(keys)
	var out []JobDurations
	for _, key := range keys {
		rest := strings.TrimPrefix(key, strings.TrimSuffix(rediskeys.JobDurationsPattern, "*"))
		i := strings.LastIndex(rest, ":")
		if i < 0 {
			continue
		}
		fields, err := r.Client.HGetAll(ctx, key).Result()
		if err != nil {
			return nil, fmt.Errorf("storage: job durations %s: %w", key, err)
		}
		h := JobDurations{Type: rest[:i], Outcome: rest[i+1:], Buckets: map[float64]uint64{}}
		h.Count, _ = strconv.ParseUint(fields["count"], 10, 64)
		us, _ := strconv.ParseInt(fields["sum_us"], 10, 64)
		h.Sum = float64(us) / 1e6
		var cum uint64
		for _, b := range JobBuckets {
			n, _ := strconv.ParseUint(fields["le:"+strconv.FormatFloat(b, 'g', -1, 64)], 10, 64)
			cum += n
			h.Buckets[b] = cum
		}
		out = append(out, h)
	}
	return out, nil
}
