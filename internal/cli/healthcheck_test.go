package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A worker process serves no HTTP: its health check passes while a worker on its
// host beats, and fails with the reason otherwise.
func TestWorkerHealthcheckReadsTheHeartbeat(t *testing.T) {
	url := testenv.RedisURL(t)
	t.Setenv("MYSQL_DSN", "") // a worker's check needs only Redis
	t.Setenv("SIMCRM_ROLE", "worker")
	t.Setenv("REDIS_URL", url)
	var out bytes.Buffer
	err := runHealthcheck(context.Background(), nil, &out)
	if err == nil || !strings.Contains(err.Error(), "no worker on") {
		t.Fatalf("no heartbeat: want an error naming the host, got %v", err)
	}
	rdb, err := storage.OpenRedis(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	host, _ := os.Hostname()
	go func() { rdb.Heartbeat(ctx, host+":1:test"); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out.Reset()
		if err = runHealthcheck(context.Background(), nil, &out); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || strings.TrimSpace(out.String()) != "ok" {
		t.Fatalf("healthy worker: want ok, got %q, %v", out.String(), err)
	}
}
