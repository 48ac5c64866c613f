package jobs

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
)

// A backfill run by a web and a worker process that reach Redis through real
// Sentinels completes with exactly its plan across a master switch in the middle
// of the run, within a bounded time.
func TestRedisFailoverBinary(t *testing.T) {
	bin := scaleBinary(t)
	g := testenv.StartSentinelGroup(t)
	c := newCluster(t, bin, g.URL(0), "SANDBOX_BURST=0", "SANDBOX_DAILY=0", "SANDBOX_FAULT_LATENCY=30ms", "WORKER_CONCURRENCY=8")
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
	from, to := g.Failover(30 * time.Second)
	t.Logf("master %d → %d with %d of %d contacts created", from, to, m.Created["contacts"], records)
	began := time.Now()
	if os.Getenv("DEBUG_FAILOVER") != "" {
		for i := 0; i < 30; i++ {
			var mm map[string]any
			c.api("GET", fmt.Sprintf("/api/simulations/%d/metrics", id), nil, &mm)
			t.Logf("%s: %v %v", time.Since(began).Round(time.Second), mm["created"], mm["status"])
			time.Sleep(5 * time.Second)
		}
		t.Log(c.metrics())
		t.Fail()
	}
	c.waitCompleted(id, 4*time.Minute)
	t.Logf("completed %s after the switch", time.Since(began).Round(time.Millisecond))
	if c.workersAlive() != 1 {
		t.Errorf("after the failover /readyz counts %d workers, want 1", c.workersAlive())
	}
}
