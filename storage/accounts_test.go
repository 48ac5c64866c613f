package storage_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

// Many checks at once against one key: exactly Max are admitted, whatever the
// interleaving, and the rest are told how long to wait. A refused check leaves
// the later rules alone.
func TestAdmitLoginIsAtomic(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			rules := []storage.LoginRule{
				{Key: "pair:k", Max: 3, Window: time.Hour, Backoff: time.Hour},
				{Key: "account:k", Max: 100, Window: time.Minute},
			}
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					wait, err := s.AdmitLogin(ctx, rules)
					if err != nil {
						t.Error(err)
						return
					}
					if wait == 0 {
						admitted.Add(1)
					} else if wait < 59*time.Minute {
						t.Errorf("refused: want a wait of about the backoff (1 h), got %s", wait)
					}
				}()
			}
			wg.Wait()
			if admitted.Load() != 3 {
				t.Errorf("want exactly 3 admitted, got %d", admitted.Load())
			}
			// The account rule saw only the admitted 3: 97 more fit.
			for i := range 97 {
				if wait, err := s.AdmitLogin(ctx, rules[1:]); err != nil || wait != 0 {
					t.Fatalf("account check %d: want admitted, got %s %v", i, wait, err)
				}
			}
			if wait, _ := s.AdmitLogin(ctx, rules[1:]); wait == 0 || wait > time.Minute {
				t.Errorf("account over its limit: want a wait within the minute window, got %s", wait)
			}
			// A success forgets the pair.
			if err := s.ForgetLogin(ctx, "pair:k"); err != nil {
				t.Fatal(err)
			}
			if wait, _ := s.AdmitLogin(ctx, rules[:1]); wait != 0 {
				t.Errorf("after ForgetLogin: want admitted, got %s", wait)
			}
		})
	}
}

// The last enabled boss can be neither demoted nor disabled; with two, one can.
// A disabled account's sessions and tokens stop; invites work once.
func TestAccountsRules(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			boss, err := s.CreateFirstUser(ctx, "boss@example.com", "h")
			if err != nil || boss.Role != storage.RoleBoss {
				t.Fatalf("first user: %+v %v", boss, err)
			}
			if _, err := s.CreateFirstUser(ctx, "late@example.com", "h"); !errors.Is(err, storage.ErrSignupClosed) {
				t.Fatalf("second first user: want ErrSignupClosed, got %v", err)
			}
			if err := s.SetUserRole(ctx, boss.ID, storage.RolePlayer); !errors.Is(err, storage.ErrLastBoss) {
				t.Errorf("demote the last boss: want ErrLastBoss, got %v", err)
			}
			if err := s.SetUserDisabled(ctx, boss.ID, true); !errors.Is(err, storage.ErrLastBoss) {
				t.Errorf("disable the last boss: want ErrLastBoss, got %v", err)
			}
			l := storage.AccountLink{Kind: storage.LinkInvite, Role: storage.RoleBoss, CreatedBy: boss.ID, ExpiresAt: time.Now().Add(time.Hour)}
			if err := s.CreateAccountLink(ctx, &l, "invitehash"); err != nil {
				t.Fatal(err)
			}
			second, err := s.AcceptInvite(ctx, "invitehash", "second@example.com", "h")
			if err != nil || second.Role != storage.RoleBoss {
				t.Fatalf("accept invite: %+v %v", second, err)
			}
			if _, err := s.AcceptInvite(ctx, "invitehash", "third@example.com", "h"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("invite used twice: want ErrNotFound, got %v", err)
			}
			if err := s.CreateSession(ctx, storage.Session{ID: "sess", UserID: boss.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateAPIToken(ctx, boss.ID, "t", "tok"); err != nil {
				t.Fatal(err)
			}
			if err := s.SetUserDisabled(ctx, boss.ID, true); err != nil {
				t.Fatalf("disable with another boss: %v", err)
			}
			if _, err := s.APITokenUser(ctx, "tok"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("disabled user's token: want ErrNotFound, got %v", err)
			}
			if _, err := s.SessionUser(ctx, "sess"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("disabled user's session: want ErrNotFound, got %v", err)
			}
			if err := s.SetUserRole(ctx, second.ID, storage.RolePlayer); !errors.Is(err, storage.ErrLastBoss) {
				t.Errorf("the only enabled boss left: want ErrLastBoss, got %v", err)
			}
			if err := s.SetUserDisabled(ctx, boss.ID, false); err != nil {
				t.Fatal(err)
			}
			if u, err := s.APITokenUser(ctx, "tok"); err != nil || u.ID != boss.ID {
				t.Errorf("enabled again: want the token to work, got %v", err)
			}
		})
	}
}

// Ten first sign-ups at once: exactly one account is made, a boss; the others
// are told sign-up is closed.
func TestCreateFirstUserOnlyOnce(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			var made, closed atomic.Int64
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.CreateFirstUser(ctx, "first"+string(rune('a'+i))+"@example.com", "h")
					switch {
					case err == nil:
						made.Add(1)
					case errors.Is(err, storage.ErrSignupClosed):
						closed.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if made.Load() != 1 || closed.Load() != 9 {
				t.Errorf("want 1 made and 9 closed, got %d and %d", made.Load(), closed.Load())
			}
		})
	}
}
