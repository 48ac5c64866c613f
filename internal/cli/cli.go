// Package cli holds simcrm's operator commands (migrate, user, token, sandbox) and
// the helpers the server's wiring shares with them.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/storage"
)

const usage = `usage: simcrm [command]

  serve                         run the web dashboard and workers (default)
  migrate status|up|down        show, apply or roll back database migrations
  user create --email E --password P [--role boss|player]
  user promote EMAIL            make an account a boss
  token create EMAIL [--name N] print a new API token for an account (shown once)
  sandbox [--addr A] [--token T] [--burst N] [--daily N]
                                run the HubSpot-compatible sandbox alone
  healthcheck                   exit 0 when the local server's /healthz answers (SIMCRM_ROLE=worker: a worker on this host beat within 15 s)

Configuration comes from the environment; see README.md.
`

// Run executes one operator command and returns the process exit code.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmds := map[string]func(context.Context, []string, io.Writer) error{
		"migrate":     runMigrate,
		"user":        runUser,
		"token":       runToken,
		"sandbox":     runSandbox,
		"healthcheck": runHealthcheck,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "simcrm: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(context.Background(), args[1:], stdout); err != nil {
		fmt.Fprintln(stderr, "simcrm:", err)
		return 1
	}
	return 0
}

// Logger returns the process logger at a level.
func Logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// OpenStore opens the configured database (SQLite in DATA_DIR by default).
func OpenStore(ctx context.Context, cfg config.Config) (*storage.Store, error) {
	if cfg.Production() {
		return storage.Open(ctx, storage.MySQL, cfg.MySQLDSN)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	return storage.Open(ctx, storage.SQLite, cfg.SQLitePath())
}

// OpenMigratedStore opens the configured database and applies the migrations it
// lacks, as every command that uses the database does first.
func OpenMigratedStore(ctx context.Context, cfg config.Config) (*storage.Store, error) {
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// loadStore loads the configuration and opens a migrated database for a command.
func loadStore(ctx context.Context) (*storage.Store, config.Config, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, cfg, err
	}
	store, err := OpenMigratedStore(ctx, cfg)
	return store, cfg, err
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseInterspersed parses flags that may come before or after positional args.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) > 0 {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
	return pos, nil
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
