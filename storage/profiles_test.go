package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/simcrm/simcrm/storage"
)

func TestProfiles(t *testing.T) {
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, "p@example.com", "x", storage.RolePlayer)
			if err != nil {
				t.Fatal(err)
			}
			p := storage.Profile{UserID: u.ID, Name: "Demo", Settings: `{"scenario":"b2b"}`}
			if err := s.SaveProfile(ctx, &p); err != nil || p.ID == 0 {
				t.Fatalf("save: %v (id %d)", err, p.ID)
			}
			again := storage.Profile{UserID: u.ID, Name: "Demo", Settings: `{"scenario":"b2c"}`}
			if err := s.SaveProfile(ctx, &again); err != nil || again.ID != p.ID || again.Settings != `{"scenario":"b2c"}` {
				t.Fatalf("same name: want the profile %d replaced, got %+v, %v", p.ID, again, err)
			}
			other := storage.Profile{UserID: u.ID, Name: "Another", Settings: `{}`}
			if err := s.SaveProfile(ctx, &other); err != nil {
				t.Fatal(err)
			}
			list, err := s.Profiles(ctx, u.ID)
			if err != nil || len(list) != 2 || list[0].Name != "Another" {
				t.Fatalf("list: want 2 by name, got %+v, %v", list, err)
			}
			if err := s.DeleteProfile(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Profile(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("deleted: want ErrNotFound, got %v", err)
			}
			if err := s.DeleteProfile(ctx, p.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("delete twice: want ErrNotFound, got %v", err)
			}
		})
	}
}
