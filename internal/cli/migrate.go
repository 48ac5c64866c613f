package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/simcrm/simcrm/internal/config"
)

// runMigrate shows, applies or rolls back migrations.
func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: simcrm migrate status|up|down")
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	store, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "up":
		if err := store.Migrate(ctx); err != nil {
			return err
		}
	case "down":
		if err := store.MigrateDown(ctx); err != nil {
			return err
		}
	case "status":
	default:
		return fmt.Errorf("unknown migrate action %q (want status, up or down)", args[0])
	}
	states, err := store.Migrations(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database: %s\n", store.Dialect())
	fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tSOURCE")
	for _, m := range states {
		state, at := "pending", "-"
		if m.Applied {
			state, at = "applied", m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%05d\t%s\t%s\t%s\n", m.Version, state, at, m.Source)
	}
	return tw.Flush()
}
