package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// metricValue reads one sample of a /metrics body; ok is false when absent.
func metricValue(body, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// With no worker process the pages, /readyz and /metrics all say so; once a
// worker beats, they count it, and /metrics shows the queues, the jobs it ran
// and the limiter's shared state.
func TestWorkerLivenessAndOperatorMetrics(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	ctx := context.Background()
	b := a.browser(t)
	b.signUp("op@example.com", "operator password 1")
	s := a.seedSimulation(t, a.user(t, "op@example.com").ID, "waiting", storage.StatusRunning)

	readyz := func() map[string]any {
		t.Helper()
		resp, body := b.get("/readyz")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz: want 200 (workers are a field, not a failure), got %d: %s", resp.StatusCode, body)
		}
		var out struct {
			Workers map[string]any `json:"workers"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return out.Workers
	}
	w := readyz()
	if w["known"] != true || w["alive"] != float64(0) || w["lastSeen"] != nil || w["warning"] == nil {
		t.Fatalf("/readyz workers with none running: %v", w)
	}
	_, strip := b.get("/fragments/health")
	if doc(t, strip).Find("#no-workers").Length() != 1 {
		t.Errorf("health strip lacks the no-worker badge: %s", strip)
	}
	_, page := b.get(fmt.Sprintf("/simulations/%d", s.ID))
	if got := doc(t, page).Find("#no-worker-banner").Text(); !strings.Contains(got, "No worker seen for 15 s") {
		t.Errorf("simulation page: want the no-worker banner, got %q", got)
	}
	_, body := b.get("/metrics")
	if v, ok := metricValue(body, "simcrm_workers"); !ok || v != 0 {
		t.Errorf("simcrm_workers: want 0, got %v (present %v)", v, ok)
	}
	if _, ok := metricValue(body, "simcrm_worker_last_seen_seconds"); ok {
		t.Errorf("simcrm_worker_last_seen_seconds present although no worker ever beat")
	}

	// Work waiting for nobody, and the limiter's shared keys.
	task, _ := jobs.NewNoopTask("m1", jobs.SecondaryQueue)
	queue := asynq.NewClientFromRedisClient(a.redis.Client)
	if _, err := queue.Enqueue(task); err != nil {
		t.Fatal(err)
	}
	rdb := a.redis.Client
	rdb.Set(ctx, rediskeys.Bucket("contact"), 42, 0)
	rdb.Set(ctx, rediskeys.Cooldown, time.Now().Add(30*time.Second).UnixMilli(), 0)
	_, body = b.get("/metrics")
	for series, want := range map[string]float64{
		`simcrm_queue_depth{queue="simulation-secondary"}`:   1,
		`simcrm_queue_active{queue="simulation-secondary"}`:  0,
		`simcrm_queue_retry{queue="simulation-secondary"}`:   0,
		`simcrm_queue_workers{queue="simulation-secondary"}`: 0,
		`simcrm_limiter_bucket_tokens{type="contact"}`:       42,
		`simcrm_breaker_state{state="closed"}`:               1,
		`simcrm_breaker_state{state="open"}`:                 0,
	} {
		if v, ok := metricValue(body, series); !ok || v != want {
			t.Errorf("%s: want %v, got %v (present %v)", series, want, v, ok)
		}
	}
	if v, _ := metricValue(body, "simcrm_limiter_cooldown_seconds"); v < 25 || v > 30 {
		t.Errorf("simcrm_limiter_cooldown_seconds: want about 30, got %v", v)
	}

	// A worker: it beats, serves the queue and runs the waiting task.
	a.runWorkers(t)
	waitFor(t, 10*time.Second, "the worker's heartbeat and the noop job", func() bool {
		_, body = b.get("/metrics")
		alive, _ := metricValue(body, "simcrm_workers")
		ran, _ := metricValue(body, `simcrm_job_duration_seconds_count{outcome="ok",type="system:noop"}`)
		return alive == 1 && ran == 1
	})
	for series, want := range map[string]float64{
		`simcrm_queue_depth{queue="simulation-secondary"}`:                              0,
		`simcrm_queue_workers{queue="simulation-secondary"}`:                            1,
		`simcrm_job_duration_seconds_bucket{outcome="ok",type="system:noop",le="+Inf"}`: 1,
	} {
		if v, ok := metricValue(body, series); !ok || v != want {
			t.Errorf("%s: want %v, got %v (present %v)", series, want, v, ok)
		}
	}
	if v, ok := metricValue(body, "simcrm_worker_last_seen_seconds"); !ok || v > float64(storage.WorkerSeenWithin/time.Second) {
		t.Errorf("simcrm_worker_last_seen_seconds: want a recent beat, got %v (present %v)", v, ok)
	}
	w = readyz()
	if w["alive"] != float64(1) || w["lastSeen"] == nil || w["warning"] != nil {
		t.Errorf("/readyz workers with one running: %v", w)
	}
	_, strip = b.get("/fragments/health")
	if d := doc(t, strip); d.Find("#no-workers").Length() != 0 || d.Find("#health-workers").Text() != "1" {
		t.Errorf("health strip with one worker: %s", strip)
	}
	_, page = b.get(fmt.Sprintf("/simulations/%d", s.ID))
	if doc(t, page).Find("#no-worker-banner").Length() != 0 {
		t.Errorf("simulation page still shows the no-worker banner with a worker running")
	}
}
