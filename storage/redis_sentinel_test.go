package storage_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A redis-sentinel:// REDIS_URL finds the master through real Sentinels and
// follows it across a failover: what was written before is read after, and
// writes after the switch land on the new master.
func TestRedisThroughSentinelFollowsAFailover(t *testing.T) {
	g := testenv.StartSentinelGroup(t)
	ctx := context.Background()
	r, err := storage.OpenRedis(ctx, g.URL(3), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Up() {
		t.Fatal("Redis through Sentinel: not up")
	}
	before := g.Master()
	for i := 0; i < 50; i++ {
		if err := r.Client.RPush(ctx, "failover:list", i).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the replica has them, as a failover only keeps replicated writes.
	if n, err := r.Client.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT for the replica: %d, %v", n, err)
	}

	r.Check(ctx, 2*time.Second) // notes the master's run_id
	var told []bool
	r.OnChange(func(up bool) { told = append(told, up) })

	from, to := g.Failover(30 * time.Second)
	if from != before {
		t.Fatalf("master before the failover: Sentinel says %d, was %d", from, before)
	}
	deadline := time.Now().Add(15 * time.Second)
	var werr error
	for time.Now().Before(deadline) {
		if werr = r.Client.RPush(ctx, "failover:list", "after").Err(); werr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if werr != nil {
		t.Fatalf("no write through the failover client within 15 s of the switch: %v", werr)
	}
	got, err := r.Client.LRange(ctx, "failover:list", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 51 || got[0] != "0" || got[49] != "49" || got[50] != "after" {
		t.Fatalf("after the failover the list holds %d items (%v…), want 0..49 then after", len(got), got[:min(len(got), 3)])
	}
	// The write landed on the new master, in database 3.
	direct := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(to), DB: 3})
	defer direct.Close()
	info, _ := direct.Info(ctx, "replication").Result()
	if !strings.Contains(info, "role:master") {
		t.Fatalf("port %d should be master after the failover: %s", to, info)
	}
	if n, _ := direct.LLen(ctx, "failover:list").Result(); n != 51 {
		t.Fatalf("the new master %d holds %d items, want 51", to, n)
	}
	if !r.Check(ctx, 2*time.Second) {
		t.Fatal("health check through Sentinel fails after the failover")
	}
	// The switch is an event, like Redis coming back: the engine reconciles on it.
	if len(told) != 1 || !told[0] || r.Switches() != 1 {
		t.Fatalf("listeners after the switch: want one call with up=true, got %v", told)
	}
	r.Check(ctx, 2*time.Second)
	if len(told) != 1 {
		t.Fatalf("a second check on the same master told listeners again: %v", told)
	}
	t.Logf("master %d → %d", from, to)
}
