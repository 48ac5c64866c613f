package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A backfill run by a web and a worker process that reach Redis through real
// Sentinels completes with exactly its plan across a master switch in the middle
// of the run, within a bounded time.
func TestRedisFailoverBinary(t *testing.T) {
	bin := scaleBinary(t)
	g := testenv.StartSentinelGroup(t)
	c := newCluster(t, bin, g.URL(0), "SANDBOX_BURST=0", "SANDBOX_DAILY=0", "SANDBOX_FAULT_LATENCY=150ms", "WORKER_CONCURRENCY=8")
	c.startWeb()
	c.startWorkers(1)
	const records = 3000
	id := c.backfill("failover", records)
	var m struct {
		Created map[string]int64 `json:"created"`
	}
	waitUntil(t, 2*time.Minute, "a quarter of the records created", func() bool {
		c.api("GET", fmt.Sprintf("/api/simulations/%d/metrics", id), nil, &m)
		return m.Created["contacts"] >= records/4
	})
	var before struct {
		Status string `json:"status"`
	}
	c.api("GET", fmt.Sprintf("/api/simulations/%d/metrics", id), nil, &before)
	if before.Status != storage.StatusRunning {
		t.Fatalf("the run was %s before the switch: it must be running when the master changes", before.Status)
	}
	began := time.Now()
	from, to := g.Failover(30 * time.Second)
	var after struct {
		Created map[string]int64 `json:"created"`
	}
	c.api("GET", fmt.Sprintf("/api/simulations/%d/metrics", id), nil, &after)
	t.Logf("master %d → %d in %s; contacts created: %d before, %d after the switch", from, to, time.Since(began).Round(time.Millisecond),
		m.Created["contacts"], after.Created["contacts"])
	if m.Created["contacts"] >= records {
		t.Fatalf("every contact existed before the switch: the run did not cross it (slow it down)")
	}
	c.waitCompleted(id, 3*time.Minute)
	t.Logf("completed %s after the failover began", time.Since(began).Round(time.Millisecond))
	if c.workersAlive() != 1 {
		t.Errorf("after the failover /readyz counts %d workers, want 1", c.workersAlive())
	}
}
