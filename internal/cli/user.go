package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/storage"
)

// runUser creates or promotes accounts.
func runUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: simcrm user create|promote …")
	}
	store, _, err := loadStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	switch args[0] {
	case "create":
		fs := newFlags("user create")
		email := fs.String("email", "", "")
		password := fs.String("password", "", "")
		role := fs.String("role", storage.RolePlayer, "")
		if _, err := parseInterspersed(fs, args[1:]); err != nil {
			return fmt.Errorf("user create: %w", err)
		}
		*email = lower(*email)
		if *email == "" || *password == "" {
			return errors.New("user create: --email and --password are required")
		}
		if len(*password) < 10 {
			return errors.New("user create: --password must have at least 10 characters")
		}
		if *role != storage.RolePlayer && *role != storage.RoleBoss {
			return fmt.Errorf("user create: --role must be boss or player, got %q", *role)
		}
		hash, err := auth.HashPassword(*password)
		if err != nil {
			return err
		}
		u, err := store.CreateUser(ctx, *email, hash, *role)
		if errors.Is(err, storage.ErrDuplicate) {
			return fmt.Errorf("user create: %s already has an account", *email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created %s (id %d, role %s)\n", u.Email, u.ID, u.Role)
		return nil
	case "promote":
		if len(args) != 2 {
			return errors.New("usage: simcrm user promote EMAIL")
		}
		u, err := store.UserByEmail(ctx, lower(args[1]))
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("user promote: no account for %s", args[1])
		}
		if err != nil {
			return err
		}
		if err := store.SetUserRole(ctx, u.ID, storage.RoleBoss); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s is now a boss\n", u.Email)
		return nil
	}
	return fmt.Errorf("unknown user action %q (want create or promote)", args[0])
}

// runToken prints a new API token for an account.
func runToken(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "create" {
		return errors.New("usage: simcrm token create EMAIL [--name N]")
	}
	fs := newFlags("token create")
	name := fs.String("name", "cli", "")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	if len(pos) != 1 {
		return errors.New("usage: simcrm token create EMAIL [--name N]")
	}
	store, _, err := loadStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	u, err := store.UserByEmail(ctx, lower(pos[0]))
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("token create: no account for %s", pos[0])
	}
	if err != nil {
		return err
	}
	token := "simcrm_" + auth.NewToken()
	if _, err := store.CreateAPIToken(ctx, u.ID, *name, auth.HashToken(token)); err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}
