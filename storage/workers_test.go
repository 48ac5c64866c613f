package storage_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

func openTestRedis(t *testing.T) *storage.Redis {
	t.Helper()
	r, err := storage.OpenRedis(context.Background(), testenv.RedisURL(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// A worker counts while its heartbeat is fresh, stops counting when it stops,
// and a heartbeat older than 15 s does not count.
func TestWorkerHeartbeats(t *testing.T) {
	r := openTestRedis(t)
	ctx := context.Background()
	// A live Redis stays up through the watcher's check, miniredis (no INFO
	// server) included.
	if !r.Check(ctx, time.Second) {
		t.Fatal("Check reports a live Redis as down")
	}
	w, err := r.Workers(ctx)
	if err != nil || w.Alive != 0 || !w.LastSeen.IsZero() {
		t.Fatalf("no worker yet: got %+v, %v", w, err)
	}
	stale := time.Now().Add(-storage.WorkerSeenWithin - time.Second)
	r.Client.ZAdd(ctx, rediskeys.Workers, redis.Z{Score: float64(stale.UnixMilli()), Member: "gone:1:x"})
	if w, _ = r.Workers(ctx); w.Alive != 0 || w.LastSeen.UnixMilli() != stale.UnixMilli() {
		t.Fatalf("a stale heartbeat: want 0 alive, last seen %v; got %+v", stale, w)
	}
	beatCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	for _, id := range []string{"a:1:x", "b:2:y"} {
		go func() { r.Heartbeat(beatCtx, id); done <- struct{}{} }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.Alive != 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		w, _ = r.Workers(ctx)
	}
	if w.Alive != 2 || time.Since(w.LastSeen) > storage.WorkerHeartbeat {
		t.Fatalf("two beating workers: got %+v", w)
	}
	for host, want := range map[string]bool{"a": true, "b": true, "gone": false, "c": false} {
		if got, err := r.WorkerOnHost(ctx, host); got != want || err != nil {
			t.Errorf("WorkerOnHost(%s): want %v, got %v, %v", host, want, got, err)
		}
	}
	stop()
	<-done
	<-done
	if w, _ = r.Workers(ctx); w.Alive != 0 {
		t.Fatalf("workers that stopped cleanly still count: %+v", w)
	}
}

// Job durations land in the bucket they belong to; read back, the buckets are
// cumulative and the count and sum add up.
func TestJobDurationHistograms(t *testing.T) {
	r := openTestRedis(t)
	ctx := context.Background()
	for _, d := range []time.Duration{5 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 3 * time.Second, time.Minute} {
		r.ObserveJob(ctx, "simulation:records", "ok", d)
	}
	r.ObserveJob(ctx, "simulation:activity:note", "throttled", time.Millisecond)
	hs, err := r.JobDurationHistograms(ctx)
	if err != nil || len(hs) != 2 {
		t.Fatalf("want 2 histograms, got %+v, %v", hs, err)
	}
	h := hs[1]
	if h.Type != "simulation:records" || h.Outcome != "ok" || h.Count != 5 {
		t.Fatalf("records histogram: %+v", h)
	}
	if want := (5*time.Millisecond + 80*time.Millisecond + 3*time.Second + time.Minute).Seconds(); h.Sum < want-1e-6 || h.Sum > want+1e-6 {
		t.Errorf("sum: want %v, got %v", want, h.Sum)
	}
	for le, want := range map[float64]uint64{0.01: 1, 0.025: 1, 0.05: 3, 2.5: 3, 5: 4, 30: 4} {
		if h.Buckets[le] != want {
			t.Errorf("bucket le=%v: want %d, got %d", le, want, h.Buckets[le])
		}
	}
	if hs[0].Type != "simulation:activity:note" || hs[0].Outcome != "throttled" || hs[0].Count != 1 {
		t.Errorf("note histogram: %+v", hs[0])
	}
}
