package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// openStores returns a migrated, empty Store per dialect under test.
func openStores(t *testing.T) map[string]*storage.Store {
	t.Helper()
	out := map[string]*storage.Store{}
	for _, d := range testenv.Dialects(t) {
		s, err := storage.Open(context.Background(), d.Name, d.DSN)
		if err != nil {
			t.Fatalf("%s: open: %v", d.Name, err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("%s: migrate: %v", d.Name, err)
		}
		out[d.Name] = s
	}
	return out
}

func TestMigrationsAllApplied(t *testing.T) {
	for name, s := range openStores(t) {
		states, err := s.Migrations(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(states) == 0 {
			t.Fatalf("%s: no migrations found", name)
		}
		for _, m := range states {
			if !m.Applied {
				t.Errorf("%s: migration %d not applied", name, m.Version)
			}
		}
	}
}

func TestUsersRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			first, err := s.CreateUser(ctx, "ada@example.com", "hash1", storage.RolePlayer)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if first.Role != storage.RoleBoss {
				t.Errorf("first account: want role boss, got %s", first.Role)
			}
			second, err := s.CreateUser(ctx, "bob@example.com", "hash2", storage.RolePlayer)
			if err != nil {
				t.Fatalf("create second: %v", err)
			}
			if second.Role != storage.RolePlayer {
				t.Errorf("second account: want player, got %s", second.Role)
			}
			if _, err := s.CreateUser(ctx, "bob@example.com", "x", storage.RolePlayer); !errors.Is(err, storage.ErrDuplicate) {
				t.Errorf("duplicate email: want ErrDuplicate, got %v", err)
			}
			got, err := s.UserByEmail(ctx, "bob@example.com")
			if err != nil || got.ID != second.ID || got.PasswordHash != "hash2" {
				t.Fatalf("by email: got %+v, %v", got, err)
			}
			if time.Since(got.CreatedAt) > time.Minute || got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at: got %v", got.CreatedAt)
			}
			if _, err := s.User(ctx, 999999); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("missing user: want ErrNotFound, got %v", err)
			}
			if err := s.SetUserRole(ctx, second.ID, storage.RoleBoss); err != nil {
				t.Fatalf("promote: %v", err)
			}
			if u, _ := s.User(ctx, second.ID); u.Role != storage.RoleBoss {
				t.Errorf("promote: want boss, got %s", u.Role)
			}
			users, err := s.Users(ctx)
			if err != nil || len(users) != 2 {
				t.Fatalf("users: want 2, got %d (%v)", len(users), err)
			}
		})
	}
}

func TestSessionsAndTokensRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, "eve@example.com", "h", storage.RolePlayer)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			live := storage.Session{ID: "live", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			dead := storage.Session{ID: "dead", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(-time.Second)}
			for _, se := range []storage.Session{live, dead} {
				if err := s.CreateSession(ctx, se); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := s.SessionUser(ctx, "live"); err != nil || got.ID != u.ID {
				t.Errorf("live session: got %+v, %v", got, err)
			}
			if _, err := s.SessionUser(ctx, "dead"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("expired session: want ErrNotFound, got %v", err)
			}
			if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 1 {
				t.Errorf("expire: want 1 removed, got %d (%v)", n, err)
			}
			if err := s.DeleteSession(ctx, "live"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SessionUser(ctx, "live"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("deleted session: want ErrNotFound, got %v", err)
			}

			if _, err := s.CreateAPIToken(ctx, u.ID, "ci", "tokenhash"); err != nil {
				t.Fatal(err)
			}
			if got, err := s.APITokenUser(ctx, "tokenhash"); err != nil || got.Email != "eve@example.com" {
				t.Errorf("api token: got %+v, %v", got, err)
			}
			if _, err := s.APITokenUser(ctx, "other"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("unknown token: want ErrNotFound, got %v", err)
			}
		})
	}
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		states, _ := s.Migrations(ctx)
		for range states {
			if err := s.MigrateDown(ctx); err != nil {
				t.Fatalf("%s: down: %v", name, err)
			}
		}
		after, _ := s.Migrations(ctx)
		for _, m := range after {
			if m.Applied {
				t.Errorf("%s: migration %d still applied after down", name, m.Version)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("%s: up again: %v", name, err)
		}
	}
}
