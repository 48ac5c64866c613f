package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/sandbox"
)

// runSandbox runs the HubSpot-compatible sandbox alone, on the configured database
// (SQLite in DATA_DIR by default), until SIGINT or SIGTERM.
func runSandbox(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	opts, addr, err := sandboxOptions(cfg, args)
	if err != nil {
		return err
	}
	generated := false
	if opts.Token == "" {
		// The same token the app shows on its settings page, kept in DATA_DIR.
		if err := config.EnsureSecrets(&cfg); err != nil {
			return err
		}
		opts.Token, generated = cfg.SandboxToken, true
	}
	store, err := OpenMigratedStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	opts.Log = Logger(out, cfg.LogLevel)
	sb := sandbox.New(store.Sandbox(), opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	fmt.Fprintf(out, "SimCRM sandbox serving HubSpot's API at http://%s (database %s; limits: burst %s per 10 s, daily %s)\n",
		ln.Addr(), store.Dialect(), limitText(opts.Limits.Burst), limitText(opts.Limits.Daily))
	if generated {
		fmt.Fprintf(out, "token (from DATA_DIR; set SANDBOX_TOKEN or --token to choose one): %s\n", opts.Token)
	}
	if f := opts.Faults; f != (sandbox.Faults{TimeoutAfter: f.TimeoutAfter}) {
		fmt.Fprintf(out, "injecting faults: %+v\n", f)
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	app := sb.Handler()
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("sandbox: shutdown: %w", err)
	}
	fmt.Fprintln(out, "sandbox stopped")
	return nil
}

func limitText(n int) string {
	if n == 0 {
		return "off"
	}
	return fmt.Sprint(n)
}

// sandboxOptions reads the command's flags, whose defaults come from the
// configuration (SANDBOX_* settings), and checks them.
func sandboxOptions(cfg config.Config, args []string) (sandbox.Options, string, error) {
	fs := newFlags("sandbox")
	addr := fs.String("addr", "127.0.0.1:8090", "")
	token := fs.String("token", cfg.SandboxToken, "")
	burst := fs.Int("burst", cfg.SandboxBurst, "")
	daily := fs.Int("daily", cfg.SandboxDaily, "")
	search := fs.Int("search-per-second", sandbox.DefaultLimits().SearchPerSecond, "")
	errorRate := fs.Float64("error-rate", cfg.SandboxFaultErrorRate, "")
	latency := fs.Duration("latency", cfg.SandboxFaultLatency, "")
	timeoutRate := fs.Float64("timeout-rate", cfg.SandboxFaultTimeoutRate, "")
	timeoutAfter := fs.Duration("timeout-after", sandbox.DefaultTimeoutAfter, "")
	force401 := fs.Bool("force-401", cfg.SandboxFault401, "")
	force403 := fs.Bool("force-403", cfg.SandboxFault403, "")
	if err := fs.Parse(args); err != nil {
		return sandbox.Options{}, "", fmt.Errorf("sandbox: %w\n%s", err, sandboxUsage)
	}
	if fs.NArg() > 0 {
		return sandbox.Options{}, "", fmt.Errorf("sandbox: unexpected argument %q\n%s", fs.Arg(0), sandboxUsage)
	}
	if _, port, err := net.SplitHostPort(*addr); err != nil || port == "" {
		return sandbox.Options{}, "", fmt.Errorf("sandbox: --addr: want host:port such as 127.0.0.1:8090, got %q", *addr)
	}
	if t := strings.TrimSpace(*token); t != *token || (t != "" && len(t) < 16) {
		return sandbox.Options{}, "", errors.New("sandbox: --token: must be at least 16 characters, without surrounding spaces")
	}
	opts := sandbox.Options{
		Token:  *token,
		Limits: sandbox.Limits{Burst: *burst, Daily: *daily, SearchPerSecond: *search},
		Faults: sandbox.Faults{ErrorRate: *errorRate, Latency: *latency, TimeoutRate: *timeoutRate, TimeoutAfter: *timeoutAfter,
			Force401: *force401, Force403: *force403},
	}
	if err := opts.Limits.Validate(); err != nil {
		return sandbox.Options{}, "", fmt.Errorf("%w (--burst, --daily, --search-per-second)", err)
	}
	if err := opts.Faults.Validate(); err != nil {
		return sandbox.Options{}, "", err
	}
	if *timeoutAfter <= 0 {
		return sandbox.Options{}, "", fmt.Errorf("sandbox: --timeout-after must be positive, got %v", *timeoutAfter)
	}
	return opts, *addr, nil
}

const sandboxUsage = `usage: simcrm sandbox [flags]
  --addr HOST:PORT          listen address (127.0.0.1:8090)
  --token T                 bearer token clients send (SANDBOX_TOKEN; generated into DATA_DIR when unset)
  --burst N                 calls per rolling 10 s per token, 0 = off (SANDBOX_BURST, 100)
  --daily N                 calls per UTC day per token, 0 = off (SANDBOX_DAILY, 250000)
  --search-per-second N     search calls per second, 0 = off (5)
  --error-rate F            share of calls answered 500/502/503/504 (SANDBOX_FAULT_ERROR_RATE)
  --latency D               delay added to every call, e.g. 200ms (SANDBOX_FAULT_LATENCY)
  --timeout-rate F          share of calls that hang (SANDBOX_FAULT_TIMEOUT_RATE)
  --timeout-after D         how long a hanging call hangs before 504 (2m)
  --force-401, --force-403  answer every call 401 / 403 (SANDBOX_FAULT_401, SANDBOX_FAULT_403)`

// SandboxOptions are the configuration's sandbox settings (SANDBOX_TOKEN and the
// SANDBOX_* limits and faults), for the sandbox the app mounts. The token must be
// set (config.EnsureSecrets generates one).
func SandboxOptions(cfg config.Config, log *slog.Logger) sandbox.Options {
	return sandbox.Options{
		Token:  cfg.SandboxToken,
		Limits: sandbox.Limits{Burst: cfg.SandboxBurst, Daily: cfg.SandboxDaily, SearchPerSecond: sandbox.DefaultLimits().SearchPerSecond},
		Faults: sandbox.Faults{ErrorRate: cfg.SandboxFaultErrorRate, Latency: cfg.SandboxFaultLatency, TimeoutRate: cfg.SandboxFaultTimeoutRate,
			Force401: cfg.SandboxFault401, Force403: cfg.SandboxFault403},
		Log: log,
	}
}
