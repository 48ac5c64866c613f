package jobs

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/testenv"
)

func TestNoopTaskRunsThroughEveryQueue(t *testing.T) {
	rdb := testenv.Redis(t)
	srv := NewServer(rdb, ServerOptions{Concurrency: 4, ShutdownTimeout: time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var mu sync.Mutex
	seen := map[string]bool{}
	mux := asynq.NewServeMux()
	mux.Handle(TypeNoop, NoopHandler(func(m string) { mu.Lock(); seen[m] = true; mu.Unlock() }))
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	client := asynq.NewClientFromRedisClient(rdb)
	queues := []string{PrimaryQueue(0, 1), SecondaryQueue, ControlQueue}
	for _, q := range queues {
		task, err := NewNoopTask(q, q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Enqueue(task); err != nil {
			t.Fatalf("enqueue on %s: %v", q, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == len(queues) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("want markers from %v, got %v", queues, seen)
}
