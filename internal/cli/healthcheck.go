package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/storage"
)

// runHealthcheck asks the local server's /healthz (the container HEALTHCHECK; the
// image has no curl). A worker process serves no HTTP: for SIMCRM_ROLE=worker it
// checks instead that a worker on this host beat within the last 15 s.
func runHealthcheck(ctx context.Context, _ []string, out io.Writer) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	if cfg.Role == config.RoleWorker {
		return workerHealthcheck(ctx, cfg, out)
	}
	host, port, _ := net.SplitHostPort(cfg.HTTPAddr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", resp.StatusCode)
	}
	fmt.Fprintln(out, "ok")
	return nil
}

func workerHealthcheck(ctx context.Context, cfg config.Config, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer rdb.Close()
	host, _ := os.Hostname()
	ok, err := rdb.WorkerOnHost(ctx, host)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	if !ok {
		return fmt.Errorf("healthcheck: no worker on %s beat within %s", host, storage.WorkerSeenWithin)
	}
	fmt.Fprintln(out, "ok")
	return nil
}
