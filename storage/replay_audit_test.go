package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage"
)

func TestReplayLimitCountsCallsInTheDatabase(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			boss, err := s.CreateUser(ctx, "boss@example.com", "h", storage.RoleBoss)
			if err != nil {
				t.Fatal(err)
			}
			other, _ := s.CreateUser(ctx, "other@example.com", "h", storage.RoleBoss)
			window := 2 * time.Second
			var firstDone time.Time // the oldest counted call started before this
			for i := 0; i < 5; i++ {
				a := storage.ReplayAudit{UserID: boss.ID, Filters: "{}"}
				if err := s.BeginReplayAudit(ctx, &a, window, 5); err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if i == 0 {
					firstDone = time.Now()
				}
				a.Outcome, a.Candidates = storage.AuditOK, 3
				if err := s.FinishReplayAudit(ctx, &a); err != nil {
					t.Fatal(err)
				}
			}
			a := storage.ReplayAudit{UserID: boss.ID}
			sixth := time.Now()
			err = s.BeginReplayAudit(ctx, &a, window, 5)
			var limited *storage.ReplayLimitError
			if !errors.As(err, &limited) {
				t.Fatalf("6th call: want ReplayLimitError, got %v", err)
			}
			// The wait ends a window after the oldest counted call, which began
			// before the first call returned; the 6th call was judged after sixth.
			if most := firstDone.Add(window).Sub(sixth) + 5*time.Millisecond; limited.RetryAfter <= 0 || limited.RetryAfter > most {
				t.Errorf("retry after: want within (0, %s], got %s", most, limited.RetryAfter)
			}
			got, _ := s.ReplayAuditEntry(ctx, a.ID)
			if got.Outcome != storage.AuditRateLimited || got.UserEmail != "boss@example.com" {
				t.Errorf("refused call's audit row: got %+v", got)
			}
			// A dry run changes nothing: it is audited but neither limited nor counted.
			dry := storage.ReplayAudit{UserID: boss.ID, DryRun: true, Filters: "{}"}
			if err := s.BeginReplayAudit(ctx, &dry, window, 5); err != nil || dry.ID == 0 {
				t.Errorf("dry run past the limit: want it allowed and audited, got id %d, %v", dry.ID, err)
			}
			// Refused calls are audited but not counted; another user has their own limit.
			b := storage.ReplayAudit{UserID: other.ID}
			if err := s.BeginReplayAudit(ctx, &b, window, 5); err != nil {
				t.Errorf("another user: %v", err)
			}
			time.Sleep(limited.RetryAfter + 20*time.Millisecond)
			c := storage.ReplayAudit{UserID: boss.ID}
			if err := s.BeginReplayAudit(ctx, &c, window, 5); err != nil {
				t.Errorf("after waiting retryAfter: want allowed, got %v", err)
			}
			list, next, err := s.ReplayAudits(ctx, 0, 5)
			if err != nil || len(list) != 5 || next == 0 || list[0].ID != c.ID {
				t.Fatalf("audit page: got %d rows, next %d, %v", len(list), next, err)
			}
			rest, next2, _ := s.ReplayAudits(ctx, next, 5)
			if len(rest) != 4 || next2 != 0 {
				t.Errorf("second audit page: want 4 rows and no next, got %d, %d", len(rest), next2)
			}
		})
	}
}

// An audit entry keeps the largest filter the triage accepts: 500 task ids of 128
// characters and a 200-character search in four-byte runes.
func TestAuditKeepsTheLargestFilter(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			dlqSim(t, s, "A")
			u, err := s.UserByEmail(ctx, "dlq@example.com")
			if err != nil {
				t.Fatal(err)
			}
			filters := `{"errorText":"` + strings.Repeat("🙂", 200) + `","taskIds":["` +
				strings.TrimSuffix(strings.Repeat(strings.Repeat("t", 128)+`","`, 500), `","`) + `"]}`
			a := storage.ReplayAudit{UserID: u.ID, Action: storage.AuditDiscard, Filters: filters, Reason: "walk"}
			if err := s.AddAudit(ctx, &a); err != nil {
				t.Fatalf("add an audit with a %d-byte filter: %v", len(filters), err)
			}
			got, err := s.ReplayAuditEntry(ctx, a.ID)
			if err != nil || got.Filters != filters {
				t.Errorf("read back: want the %d-byte filter, got %d bytes, %v", len(filters), len(got.Filters), err)
			}
		})
	}
}
