package storage_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A Redis outage is logged once when it starts and once when it ends: the
// queue's warnings in between (QuietWhileDown) and the driver's dial errors are
// held back and counted, not printed one per failed call.
func TestRedisOutageIsLoggedOnce(t *testing.T) {
	proc := testenv.StartRedisProcess(t)
	var out syncBuffer
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := storage.OpenRedis(context.Background(), proc.URL(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	queueLog := r.QuietWhileDown(log)
	queueLog.Warn("a warning while Redis is up") // printed
	proc.Stop()
	for i := range 50 {
		// What the queue's loops do during an outage, and the client's own dials.
		queueLog.Error("asynq", "msg", "Failed to forward scheduled tasks: dial tcp: connection refused")
		if i%10 == 0 {
			_ = r.Client.Ping(context.Background()).Err()
			r.Check(context.Background(), 200*time.Millisecond)
		}
	}
	proc.Start()
	deadline := time.Now().Add(5 * time.Second)
	for !r.Check(context.Background(), time.Second) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	logs := out.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines (a warning while up, down, back), got %d:\n%s", len(lines), logs)
	}
	// The server came back restarted (a new run_id): the recovery line says so.
	for i, want := range []string{"a warning while Redis is up", "redis is unreachable", "redis is another server now"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: want %q, got %q", i+1, want, lines[i])
		}
	}
	if !strings.Contains(lines[2], "log_lines_held_back=50") {
		t.Errorf("recovery: want the 50 held-back lines counted, got %q", lines[2])
	}
}
