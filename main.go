// Command simcrm runs SimCRM: the web dashboard, the job workers, the built-in
// HubSpot sandbox and the operator commands, in one binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/cli"
	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/web"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand; no subcommand (or "serve") runs the server.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] != "serve" {
		return cli.Run(args, stdout, stderr)
	}
	cfg, err := config.Load(os.Getenv)
	if err == nil {
		err = cfg.NeedTokenKey()
	}
	if err == nil {
		err = config.EnsureSecrets(&cfg)
	}
	if err != nil {
		fmt.Fprintln(stderr, "simcrm:", err)
		return 2
	}
	log := cli.Logger(stderr, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("simcrm stopped", "err", err)
		return 1
	}
	return 0
}

// serve wires config → database → migrations → Redis → queues → web, and shuts
// down in the reverse order when ctx ends.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	store, err := cli.OpenMigratedStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	store.Watch(ctx, 2*time.Second)

	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer rdb.Close()
	rdb.Watch(time.Second)
	if addr := rdb.EmbeddedAddr(); addr != "" {
		// The port is picked at start: operators need it for redis-cli.
		log.Info("in-process redis listening", "addr", addr)
	}

	var queue *asynq.Client
	if rdb.Enabled() {
		queue = asynq.NewClientFromRedisClient(rdb.Client)
		defer queue.Close()
	}
	engine, err := jobs.New(jobs.Options{Config: cfg, Store: store, Redis: rdb, Queue: queue, Log: log})
	if err != nil {
		return err
	}
	mailer, err := jobs.NewMailer(cfg.SMTPURL)
	if err != nil {
		return fmt.Errorf("SMTP_URL: %w", err)
	}
	box, _ := secret.NewBox(cfg.TokenEncSecret) // nil without a key: webhooks then cannot be signed
	notifier := jobs.NewNotifier(jobs.NotifierOptions{Store: store, Queue: queue, Box: box, Mail: mailer, Log: log,
		Egress: hubspot.Egress{AllowPrivate: cfg.AllowPrivateTargets}})
	// Workers run the engine's tasks (Worker); its Reconciler flushes counters and
	// reconciles plans with the ledger (at start, periodically, and when Redis
	// comes back). The web side uses its Lifecycle and Progress. The notifier sends
	// webhooks and e-mails about simulations.
	var workers *asynq.Server
	engineCtx, stopEngine := context.WithCancel(context.Background())
	defer stopEngine()
	engineDone := make(chan struct{})
	if rdb.Enabled() && cfg.Role != config.RoleWeb {
		queues, err := jobs.WorkerQueues(ctx, asynq.NewInspectorFromRedisClient(rdb.Client), cfg)
		if err != nil {
			log.Warn("older primary shards not checked; they are drained after the next start", "err", err)
		}
		log.Info("worker queues", "queues", queues)
		// The queue's loops log each failed poll; during an outage the watcher's
		// two lines (down, back) say it once.
		workers = jobs.NewServer(rdb.Client, jobs.ServerOptions{Concurrency: cfg.Concurrency, ShutdownTimeout: cfg.ShutdownTimeout,
			Log: rdb.QuietWhileDown(log), RetryDelay: engine.Worker.RetryDelay, ErrorHandler: asynq.ErrorHandlerFunc(engine.Worker.HandleError), Queues: queues})
		mux := asynq.NewServeMux()
		mux.Use(jobs.Instrument(rdb))
		mux.Handle(jobs.TypeNoop, jobs.NoopHandler(nil))
		engine.Worker.Register(mux)
		notifier.Register(mux)
		if err := workers.Start(mux); err != nil {
			return fmt.Errorf("workers: %w", err)
		}
		go func() { engine.Reconciler.Run(engineCtx); close(engineDone) }()
		// The heartbeat lasts until in-flight jobs are done (stopEngine).
		go rdb.Heartbeat(engineCtx, storage.NewWorkerID())
		go notifier.Run(engineCtx)
	} else {
		close(engineDone)
	}

	errc := make(chan error, 1)
	var app interface {
		Listen(string) error
		ShutdownWithTimeout(time.Duration) error
	}
	var metricsSrv *http.Server
	if cfg.Role != config.RoleWorker {
		sb := sandbox.New(store.Sandbox(), cli.SandboxOptions(cfg, log))
		metrics := web.NewMetrics(store, rdb, log)
		a := web.New(web.Deps{Config: cfg, Store: store, Redis: rdb, Queue: queue, Lifecycle: engine.Lifecycle, Progress: engine.Progress,
			Notifier: notifier, Log: log, Sandbox: sb, Metrics: metrics})
		if cfg.MetricsAddr != "" {
			metricsSrv = &http.Server{Addr: cfg.MetricsAddr, Handler: metrics.Handler(cfg.MetricsToken), ReadHeaderTimeout: 10 * time.Second}
			go func() {
				if err := metricsSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
					errc <- fmt.Errorf("metrics on %s: %w", cfg.MetricsAddr, err)
				}
			}()
			log.Info("metrics serving", "addr", cfg.MetricsAddr)
		}
		app = a
		go func() { errc <- a.Listen(cfg.HTTPAddr) }()
		log.Info("simcrm serving", "addr", cfg.HTTPAddr, "database", cfg.Dialect(), "redis", redisMode(cfg), "role", cfg.Role)
	} else {
		log.Info("simcrm worker running", "database", cfg.Dialect(), "redis", redisMode(cfg))
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-errc:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("web: %w", err)
		}
	}
	// Workers first: they stop taking tasks and their in-flight jobs finish (or go
	// back to the queue after SHUTDOWN_TIMEOUT) while the web server, which also
	// serves the built-in sandbox they call, still answers.
	began := time.Now()
	if workers != nil {
		workers.Stop()
		workers.Shutdown()
	}
	// In-flight jobs are done or back in the queue: write their counters.
	stopEngine()
	<-engineDone
	if app != nil {
		if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
			log.Warn("web shutdown", "err", err)
		}
	}
	if metricsSrv != nil {
		_ = metricsSrv.Close()
	}
	log.Info("simcrm stopped cleanly", "took", time.Since(began).Round(time.Millisecond))
	return nil
}

func redisMode(cfg config.Config) string {
	switch cfg.RedisURL {
	case "":
		return "embedded"
	case config.RedisOff:
		return "off"
	}
	if strings.HasPrefix(cfg.RedisURL, config.SentinelScheme+"://") {
		return "sentinel"
	}
	return "external"
}
