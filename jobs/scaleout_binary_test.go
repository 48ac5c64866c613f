package jobs

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
)

// scaleRecords is the backfill size of TestScaleOutBinary (SCALE_RECORDS,
// default 20,000).
func scaleRecords() int {
	if n, err := strconv.Atoi(os.Getenv("SCALE_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// One web and three worker processes of the real binary on one MySQL and one
// Redis run a 20,000-record backfill against the built-in sandbox with its limits
// off: it completes with exactly the planned objects, once each, and every worker
// took part.
func TestScaleOutBinary(t *testing.T) {
	bin := scaleBinary(t)
	c := newCluster(t, bin, testenv.RedisURL(t), "SANDBOX_BURST=0", "SANDBOX_DAILY=0", "WORKER_CONCURRENCY=16", "PRIMARY_SHARDS=3")
	c.startWeb()
	c.startWorkers(3)
	records := scaleRecords()
	began := time.Now()
	id := c.backfill("scale-out", records)
	s := c.waitCompleted(id, 15*time.Minute)
	took := time.Since(began)
	t.Logf("%d records by 3 worker processes in %s: %.0f records/s", s.EffectiveTotal, took.Round(time.Millisecond),
		float64(s.EffectiveTotal)/took.Seconds())
	m := c.metrics()
	if v, ok := metricSample(m, "simcrm_workers"); !ok || v != 3 {
		t.Errorf("simcrm_workers: want 3, got %v (present %v)", v, ok)
	}
	for q := 0; q < 3; q++ {
		if v, ok := metricSample(m, fmt.Sprintf(`simcrm_queue_workers{queue="simulation-jobs:%d"}`, q)); !ok || v != 3 {
			t.Errorf("shard %d: want 3 servers serving it, got %v (present %v)", q, v, ok)
		}
	}
	if v, _ := metricSample(m, `simcrm_job_duration_seconds_count{outcome="ok",type="simulation:records"}`); v < float64(records/BackfillTaskSize) {
		t.Errorf("records jobs timed: want at least %d, got %v", records/BackfillTaskSize, v)
	}
	if got := c.sandboxAnswers(); got["429"] != 0 || got["5xx"] != 0 {
		t.Errorf("sandbox answers: %v (want no 429 and no 5xx)", got)
	}
}

// The sandbox allows 100 calls per rolling 10 s; three worker processes share the
// limiter in Redis and together keep under it: not one 429 in a run that wants far
// more calls than the limit, and the run still completes exactly.
func TestScaleOutRateLimitBinary(t *testing.T) {
	bin := scaleBinary(t)
	c := newCluster(t, bin, testenv.RedisURL(t), "SANDBOX_BURST=100", "SANDBOX_DAILY=0", "WORKER_CONCURRENCY=16", "PRIMARY_SHARDS=3")
	c.startWeb()
	c.startWorkers(3)
	began := time.Now()
	id := c.backfill("rate-limited", 6000)
	c.waitCompleted(id, 5*time.Minute)
	took := time.Since(began)
	got := c.sandboxAnswers()
	calls := got["2xx"] + got["4xx"] + got["5xx"]
	t.Logf("6000 records in %s: %d sandbox calls (%.1f/s against a limit of 10/s), answers %v", took.Round(time.Millisecond), calls,
		float64(calls)/took.Seconds(), got)
	if got["429"] != 0 {
		t.Errorf("three processes got %d answers 429 from a sandbox allowing 100 calls per 10 s", got["429"])
	}
	// The limit bound the run: it could not have made more calls than the limit
	// allows over its length (plus one full window), and it needed several windows.
	if allowed := 100 * (int(took/(10*time.Second)) + 2); calls > allowed {
		t.Errorf("%d calls in %s: more than the limit allows (%d)", calls, took, allowed)
	}
	if took < 20*time.Second {
		t.Errorf("the run took %s: too short to have been held by the limit (pick more records)", took)
	}
}

// BenchmarkScaleOutBinary measures backfill records/s with 1, 2 and 3 worker
// processes in the same run, on one web process, one MySQL and one Redis
// (SIMCRM_SCALE_BIN; SCALE_RECORDS per run, default 20,000):
//
//	go build -o bin/simcrm . && SIMCRM_SCALE_BIN=$PWD/bin/simcrm MYSQL_DSN=… REDIS_URL=… \
//	  go test ./jobs -run '^$' -bench ScaleOutBinary -benchtime=1x
func BenchmarkScaleOutBinary(b *testing.B) {
	bin := scaleBinary(b)
	for i := 0; i < b.N; i++ {
		c := newCluster(b, bin, testenv.RedisURL(b), "SANDBOX_BURST=0", "SANDBOX_DAILY=0", "WORKER_CONCURRENCY=16", "PRIMARY_SHARDS=3")
		c.startWeb()
		records := scaleRecords()
		db := processByName("mariadbd", "mysqld")
		for n := 1; n <= 3; n++ {
			workers := c.startWorkers(n)
			webCPU, dbCPU := cpuSeconds(c.web.cmd.Process.Pid), cpuSeconds(db)
			began := time.Now()
			id := c.backfill(fmt.Sprintf("bench %d workers", n), records)
			c.waitCompleted(id, 20*time.Minute)
			took := time.Since(began)
			// Where the time went: CPU seconds of the web process (API and the
			// sandbox), the database server and the workers during the run.
			var workerCPU float64
			for _, w := range workers {
				workerCPU += cpuSeconds(w.cmd.Process.Pid)
			}
			webCPU, dbCPU = cpuSeconds(c.web.cmd.Process.Pid)-webCPU, cpuSeconds(db)-dbCPU
			rate := float64(records) / took.Seconds()
			b.ReportMetric(rate, fmt.Sprintf("records/s-%dw", n))
			b.Logf("%d worker processes: %d records in %s, %.0f records/s; CPU s: web+sandbox %.1f, database %.1f, workers %.1f (of %.0f core-s)",
				n, records, took.Round(time.Millisecond), rate, webCPU, dbCPU, workerCPU, took.Seconds()*float64(runtime.NumCPU()))
			for _, w := range workers {
				c.stop(w)
			}
		}
	}
}

// cpuSeconds is the user+system CPU time of a process so far (0 when unknown).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if pid <= 0 || err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// processByName finds the pid of a running process by command name (0: none).
func processByName(names ...string) int {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if slices.Contains(names, strings.TrimSpace(string(comm))) {
			return pid
		}
	}
	return 0
}

// PRIMARY_SHARDS goes from 4 to 2 while a simulation's records work waits on
// simulation-jobs:3 (its first worker served only control and secondary work):
// the workers started with the new count drain shard 3, queue the rest on
// shard 1, and the run completes exactly. A later start removes the empty shard.
func TestShardCountChangeBinary(t *testing.T) {
	bin := scaleBinary(t)
	c := newCluster(t, bin, testenv.RedisURL(t), "SANDBOX_BURST=0", "SANDBOX_DAILY=0", "WORKER_CONCURRENCY=8")
	c.startWeb("PRIMARY_SHARDS=4")
	var id int64
	for id%4 != 3 {
		id = c.backfill(fmt.Sprintf("shard probe %d", id), 2000)
		if id%4 != 3 {
			c.api("POST", fmt.Sprintf("/api/simulations/%d/abort", id), map[string]any{"purge": true}, nil)
		}
	}
	first := c.startWorkers(1, "PRIMARY_SHARDS=4", "WORKER_QUEUES=control,secondary")
	waitUntil(t, time.Minute, "records work waiting on simulation-jobs:3", func() bool {
		v, _ := metricSample(c.metrics(), `simcrm_queue_depth{queue="simulation-jobs:3"}`)
		return v > 0
	})
	if v, _ := metricSample(c.metrics(), `simcrm_queue_workers{queue="simulation-jobs:3"}`); v != 0 {
		t.Fatalf("simulation-jobs:3 is served by %v workers, want none yet", v)
	}
	c.stop(first[0])
	c.startWorkers(2, "PRIMARY_SHARDS=2")
	if v, _ := metricSample(c.metrics(), `simcrm_queue_workers{queue="simulation-jobs:3"}`); v != 2 {
		t.Errorf("after the change simulation-jobs:3 is served by %v workers, want 2", v)
	}
	c.waitCompleted(id, 3*time.Minute)
	if v, _ := metricSample(c.metrics(), `simcrm_queue_depth{queue="simulation-jobs:1"}`); v != 0 {
		t.Errorf("simulation-jobs:1 still holds %v tasks", v)
	}
	c.startWorkers(1, "PRIMARY_SHARDS=2")
	if _, ok := metricSample(c.metrics(), `simcrm_queue_depth{queue="simulation-jobs:3"}`); ok {
		t.Errorf("the empty simulation-jobs:3 is still listed after a worker started with PRIMARY_SHARDS=2")
	}
}
