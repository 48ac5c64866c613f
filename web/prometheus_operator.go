package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/storage"
)

// What an operator scaling the workers watches, read from Redis at scrape time:
// the same numbers whichever web process is scraped.
var (
	descWorkers         = prometheus.NewDesc("simcrm_workers", "Worker processes whose heartbeat was seen within the last 15 s.", nil, nil)
	descWorkerLastSeen  = prometheus.NewDesc("simcrm_worker_last_seen_seconds", "Seconds since the newest worker heartbeat (absent when none was ever seen).", nil, nil)
	descQueueDepth      = prometheus.NewDesc("simcrm_queue_depth", "Tasks waiting to run now, per queue (asynq pending).", []string{"queue"}, nil)
	descQueueActive     = prometheus.NewDesc("simcrm_queue_active", "Tasks running now, per queue.", []string{"queue"}, nil)
	descQueueRetry      = prometheus.NewDesc("simcrm_queue_retry", "Tasks waiting for a retry (failed or throttled), per queue.", []string{"queue"}, nil)
	descQueueScheduled  = prometheus.NewDesc("simcrm_queue_scheduled", "Tasks scheduled for later, per queue.", []string{"queue"}, nil)
	descQueueArchived   = prometheus.NewDesc("simcrm_queue_archived", "Tasks out of attempts still in asynq's archive, per queue (the DLQ is the database table).", []string{"queue"}, nil)
	descQueueLatency    = prometheus.NewDesc("simcrm_queue_latency_seconds", "Age of the oldest waiting task, per queue.", []string{"queue"}, nil)
	descQueueWorkers    = prometheus.NewDesc("simcrm_queue_workers", "Live worker servers that serve a queue (0: its work waits for nobody).", []string{"queue"}, nil)
	descJobDuration     = prometheus.NewDesc("simcrm_job_duration_seconds", "How long jobs ran, by task type and outcome (ok, throttled, error), across every worker.", []string{"type", "outcome"}, nil)
	descBucketTokens    = prometheus.NewDesc("simcrm_limiter_bucket_tokens", "Tokens left in an object type's bucket as of its last take (ratelimit:bucket:<type>).", []string{"type"}, nil)
	descWindowUsed      = prometheus.NewDesc("simcrm_limiter_window_calls", "Calls in a connection's rolling window now (sandbox: the built-in sandbox).", []string{"connection"}, nil)
	descCooldown        = prometheus.NewDesc("simcrm_limiter_cooldown_seconds", "Seconds until the cooldown after a 429 ends (0: none).", nil, nil)
	descBreakerState    = prometheus.NewDesc("simcrm_breaker_state", "Circuit breaker state: 1 for the current one of closed, open, half_open.", []string{"state"}, nil)
	descBreakerFailures = prometheus.NewDesc("simcrm_breaker_failures", "Failures in the breaker's rolling window.", nil, nil)
)

// operatorCollector reads queues, workers, job durations and the limiter's state
// from Redis. Without Redis it reports nothing (simcrm_store_up says why).
type operatorCollector struct {
	redis     *storage.Redis
	inspector *asynq.Inspector
	breaker   *ratelimit.Breaker
}

func newOperatorCollector(rdb *storage.Redis) *operatorCollector {
	c := &operatorCollector{redis: rdb}
	if rdb.Enabled() {
		c.inspector = asynq.NewInspectorFromRedisClient(rdb.Client)
		c.breaker, _ = ratelimit.NewBreaker(rdb.Client, ratelimit.DefaultBreakerConfig())
	}
	return c
}

func (o *operatorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorkers, descWorkerLastSeen, descQueueDepth, descQueueActive, descQueueRetry,
		descQueueScheduled, descQueueArchived, descQueueLatency, descQueueWorkers, descJobDuration, descBucketTokens,
		descWindowUsed, descCooldown, descBreakerState, descBreakerFailures} {
		ch <- d
	}
}

func (o *operatorCollector) Collect(ch chan<- prometheus.Metric) {
	if o.inspector == nil || !o.redis.Up() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if w, err := o.redis.Workers(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(descWorkers, prometheus.GaugeValue, float64(w.Alive))
		if !w.LastSeen.IsZero() {
			ch <- prometheus.MustNewConstMetric(descWorkerLastSeen, prometheus.GaugeValue, max(time.Since(w.LastSeen).Seconds(), 0))
		}
	}
	o.collectQueues(ch)
	if hs, err := o.redis.JobDurationHistograms(ctx); err == nil {
		for _, h := range hs {
			ch <- prometheus.MustNewConstHistogram(descJobDuration, h.Count, h.Sum, h.Buckets, h.Type, h.Outcome)
		}
	}
	o.collectLimiter(ctx, ch)
}

// collectQueues reports every queue asynq knows and every queue a live server
// serves, so a queue nobody serves shows up with simcrm_queue_workers 0.
func (o *operatorCollector) collectQueues(ch chan<- prometheus.Metric) {
	served := map[string]int{}
	if servers, err := o.inspector.Servers(); err == nil {
		for _, s := range servers {
			for q := range s.Queues {
				served[q]++
			}
		}
	}
	queues, err := o.inspector.Queues()
	if err != nil {
		return
	}
	for _, q := range queues {
		if _, ok := served[q]; !ok {
			served[q] = 0
		}
		info, err := o.inspector.GetQueueInfo(q)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(info.Pending), q)
		ch <- prometheus.MustNewConstMetric(descQueueActive, prometheus.GaugeValue, float64(info.Active), q)
		ch <- prometheus.MustNewConstMetric(descQueueRetry, prometheus.GaugeValue, float64(info.Retry), q)
		ch <- prometheus.MustNewConstMetric(descQueueScheduled, prometheus.GaugeValue, float64(info.Scheduled), q)
		ch <- prometheus.MustNewConstMetric(descQueueArchived, prometheus.GaugeValue, float64(info.Archived), q)
		ch <- prometheus.MustNewConstMetric(descQueueLatency, prometheus.GaugeValue, info.Latency.Seconds(), q)
	}
	for q, n := range served {
		ch <- prometheus.MustNewConstMetric(descQueueWorkers, prometheus.GaugeValue, float64(n), q)
	}
}

// collectLimiter reads the shared limiter keys (internal/ratelimit's contract).
func (o *operatorCollector) collectLimiter(ctx context.Context, ch chan<- prometheus.Metric) {
	rdb := o.redis.Client
	now := time.Now()
	iter := rdb.Scan(ctx, 0, rediskeys.Bucket("*"), 100).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		typ := strings.TrimPrefix(key, rediskeys.Bucket(""))
		if strings.Contains(typ, ":") { // the bucket's :ts clock
			continue
		}
		if n, err := rdb.Get(ctx, key).Float64(); err == nil {
			ch <- prometheus.MustNewConstMetric(descBucketTokens, prometheus.GaugeValue, n, typ)
		}
	}
	iter = rdb.Scan(ctx, 0, rediskeys.Window("*"), 100).Iterator()
	before, after, _ := strings.Cut(rediskeys.Window("*"), "*")
	for iter.Next(ctx) {
		key := iter.Val()
		conn := strings.TrimSuffix(strings.TrimPrefix(key, before), after)
		since := now.Add(-10 * time.Second).UnixMilli()
		if n, err := rdb.ZCount(ctx, key, strconv.FormatInt(since, 10), "+inf").Result(); err == nil {
			ch <- prometheus.MustNewConstMetric(descWindowUsed, prometheus.GaugeValue, float64(n), conn)
		}
	}
	cooldown := 0.0
	if until, err := rdb.Get(ctx, rediskeys.Cooldown).Int64(); err == nil {
		cooldown = max(time.UnixMilli(until).Sub(now).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(descCooldown, prometheus.GaugeValue, cooldown)
	if o.breaker == nil {
		return
	}
	st, err := o.breaker.Status(ctx)
	if err != nil {
		return
	}
	for _, s := range []ratelimit.BreakerState{ratelimit.BreakerClosed, ratelimit.BreakerOpen, ratelimit.BreakerHalfOpen} {
		ch <- prometheus.MustNewConstMetric(descBreakerState, prometheus.GaugeValue, b2f(st.State == s), string(s))
	}
	ch <- prometheus.MustNewConstMetric(descBreakerFailures, prometheus.GaugeValue, float64(st.Failures))
}
