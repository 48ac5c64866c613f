package sandboxstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/storage/sandboxstore"
)

func TestCreateReadUpdateArchive(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			objs, err := s.CreateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectInput{
				contactInput("a@example.com", "firstname", "Ada", "empty", ""),
				contactInput("b@example.com", "firstname", "Bob"),
			})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if len(objs) != 2 || objs[0].ID == 0 || objs[1].ID <= objs[0].ID {
				t.Fatalf("want 2 objects with increasing ids, got %+v", objs)
			}
			if _, ok := objs[0].Properties["empty"]; ok {
				t.Errorf("empty values must not be stored: got %v", objs[0].Properties)
			}
			got, err := s.Object(ctx, "contacts", objs[0].ID, false)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if got.Properties["firstname"] != "Ada" || got.Type != "contacts" || got.CreatedAt.Location() != time.UTC {
				t.Errorf("read back: got %+v", got)
			}
			if !got.CreatedAt.Equal(objs[0].CreatedAt) {
				t.Errorf("created_at: want %v, got %v", objs[0].CreatedAt, got.CreatedAt)
			}
			if _, err := s.Object(ctx, "companies", objs[0].ID, false); !errors.Is(err, sandboxstore.ErrNotFound) {
				t.Errorf("wrong type: want ErrNotFound, got %v", err)
			}

			up, err := s.UpdateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectUpdate{
				{ID: objs[0].ID, Properties: map[string]string{"firstname": "", "lastname": "Lovelace", "email": "ada@example.com"}},
			})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			want := map[string]string{"email": "ada@example.com", "lastname": "Lovelace"}
			if fmt.Sprint(up[0].Properties) != fmt.Sprint(want) {
				t.Errorf("update: want %v, got %v", want, up[0].Properties)
			}
			// The old email is free again, the new one taken.
			ids, err := s.ObjectIDsByUnique(ctx, "contacts", "email", []string{"a@example.com", "ada@example.com"})
			if err != nil || len(ids) != 1 || ids["ada@example.com"] != objs[0].ID {
				t.Errorf("unique values after update: got %v, %v", ids, err)
			}
			_, err = s.UpdateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectUpdate{
				{ID: objs[1].ID, Properties: map[string]string{"email": "ada@example.com"}},
			})
			var ce *sandboxstore.ConflictError
			if !errors.As(err, &ce) || ce.ExistingID != objs[0].ID {
				t.Errorf("update to a taken email: want conflict with %d, got %v", objs[0].ID, err)
			}
			if _, err := s.UpdateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectUpdate{{ID: 987654321, Properties: map[string]string{"a": "b"}}}); !errors.Is(err, sandboxstore.ErrNotFound) {
				t.Errorf("update missing: want ErrNotFound, got %v", err)
			}

			n, err := s.ArchiveObjects(ctx, "contacts", []int64{objs[0].ID, 987654321})
			if err != nil || n != 1 {
				t.Fatalf("archive: want 1, got %d, %v", n, err)
			}
			if _, err := s.Object(ctx, "contacts", objs[0].ID, false); !errors.Is(err, sandboxstore.ErrNotFound) {
				t.Errorf("archived read: want ErrNotFound, got %v", err)
			}
			arch, err := s.Object(ctx, "contacts", objs[0].ID, true)
			if err != nil || !arch.Archived || arch.ArchivedAt == nil {
				t.Errorf("archived=true read: got %+v, %v", arch, err)
			}
			// Its email can be used again.
			if _, err := s.CreateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectInput{contactInput("ada@example.com")}); err != nil {
				t.Errorf("reuse archived email: %v", err)
			}
			counts, err := s.Counts(ctx)
			if err != nil || counts["contacts"] != 2 {
				t.Errorf("counts: want contacts 2, got %v, %v", counts, err)
			}
			if err := s.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			counts, _ = s.Counts(ctx)
			if len(counts) != 0 {
				t.Errorf("after reset: want no objects, got %v", counts)
			}
			again, err := s.CreateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectInput{contactInput("a@example.com")})
			if err != nil || again[0].ID <= objs[1].ID {
				t.Errorf("ids after reset must keep growing: first %d, now %+v, %v", objs[1].ID, again, err)
			}
		})
	}
}

func TestCreateConflicts(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			first, err := s.CreateObjects(ctx, "contacts", contactUnique, []sandboxstore.ObjectInput{contactInput("x@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name       string
				in         []sandboxstore.ObjectInput
				wantID     int64
				wantErrDup bool
			}{
				{"existing email fails the whole batch", []sandboxstore.ObjectInput{contactInput("new1@example.com"), contactInput("x@example.com")}, first[0].ID, true},
				{"same email twice in one call", []sandboxstore.ObjectInput{contactInput("d@example.com"), contactInput("d@example.com")}, 0, true},
				{"custom unique property", []sandboxstore.ObjectInput{contactInput("k1@example.com", "simcrm_record_key", "r1"), contactInput("k2@example.com", "simcrm_record_key", "r1")}, 0, true},
			}
			for _, tc := range cases {
				_, err := s.CreateObjects(ctx, "contacts", contactUnique, tc.in)
				var ce *sandboxstore.ConflictError
				if !errors.As(err, &ce) || !errors.Is(err, sandboxstore.ErrDuplicate) || ce.ExistingID != tc.wantID {
					t.Errorf("%s: want conflict with existing id %d, got %v", tc.name, tc.wantID, err)
				}
			}
			counts, _ := s.Counts(ctx)
			if counts["contacts"] != 1 {
				t.Errorf("failed batches must create nothing: want 1 contact, got %v", counts)
			}
			// Another type may hold the same value.
			if _, err := s.CreateObjects(ctx, "companies", map[string]bool{"email": true}, []sandboxstore.ObjectInput{contactInput("x@example.com")}); err != nil {
				t.Errorf("same value on another type: %v", err)
			}
		})
	}
}

// Many writers creating batches that share one email: exactly one object holds it.
func TestConcurrentUniqueCreate(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			const writers = 8
			var wg sync.WaitGroup
			errs := make([]error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					in := []sandboxstore.ObjectInput{contactInput(fmt.Sprintf("own%d@example.com", w)), contactInput("shared@example.com")}
					_, errs[w] = s.CreateObjects(ctx, "contacts", contactUnique, in)
				}(w)
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				var ce *sandboxstore.ConflictError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &ce) && ce.ExistingID != 0:
				default:
					t.Errorf("want success or a conflict naming the existing id, got %v", err)
				}
			}
			if ok != 1 {
				t.Errorf("want exactly 1 successful batch, got %d", ok)
			}
			res, total, err := s.SearchObjects(ctx, sandboxstore.Search{Type: "contacts", Groups: [][]sandboxstore.Filter{{{Property: "email", Operator: sandboxstore.EQ, Value: "shared@example.com"}}}, Limit: 10})
			if err != nil || total != 1 || len(res) != 1 {
				t.Errorf("objects holding the shared email: want 1, got %d (%v)", total, err)
			}
			counts, _ := s.Counts(ctx)
			if counts["contacts"] != 2 {
				t.Errorf("want 2 contacts (one batch), got %v", counts)
			}
		})
	}
}

func TestUpsert(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			first, err := s.UpsertObjects(ctx, "contacts", contactUnique, "email", []sandboxstore.Upsert{
				{Value: "u1@example.com", Properties: map[string]string{"firstname": "U1"}},
			})
			if err != nil || len(first) != 1 || !first[0].New {
				t.Fatalf("first upsert: want new, got %+v, %v", first, err)
			}
			res, err := s.UpsertObjects(ctx, "contacts", contactUnique, "email", []sandboxstore.Upsert{
				{Value: "u2@example.com", Properties: map[string]string{"firstname": "U2"}},
				{Value: "u1@example.com", Properties: map[string]string{"lastname": "One"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !res[0].New || res[1].New || res[1].ID != first[0].ID {
				t.Errorf("want [new, existing %d], got [%v %d, %v %d]", first[0].ID, res[0].New, res[0].ID, res[1].New, res[1].ID)
			}
			if res[1].Properties["firstname"] != "U1" || res[1].Properties["lastname"] != "One" || res[0].Properties["email"] != "u2@example.com" {
				t.Errorf("merged properties: got %v and %v", res[0].Properties, res[1].Properties)
			}
			if _, err := s.UpsertObjects(ctx, "contacts", contactUnique, "firstname", []sandboxstore.Upsert{{Value: "x"}}); err == nil {
				t.Errorf("upsert by a non-unique property: want an error")
			}

			// Concurrent upserts of the same new key: one object, the others update it.
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			news := make(chan bool, 6)
			for w := 0; w < 6; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					r, err := s.UpsertObjects(ctx, "contacts", contactUnique, "simcrm_record_key", []sandboxstore.Upsert{
						{Value: "race", Properties: map[string]string{"email": fmt.Sprintf("race%d@example.com", w)}},
					})
					errs <- err
					if err == nil {
						news <- r[0].New
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			close(news)
			for err := range errs {
				if err != nil {
					t.Errorf("concurrent upsert: %v", err)
				}
			}
			created := 0
			for n := range news {
				if n {
					created++
				}
			}
			if created != 1 {
				t.Errorf("concurrent upserts of one key: want exactly 1 new, got %d", created)
			}
		})
	}
}

// BenchmarkCreate100 measures one batch create of 100 contacts (email unique,
// eight properties each), the sandbox's hot path; ns/op is per batch of 100.
func BenchmarkCreate100(b *testing.B) {
	ctx := context.Background()
	n := 0 // keeps emails unique across the benchmark's runs
	for name, s := range sandboxStores(b) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				in := make([]sandboxstore.ObjectInput, 100)
				for j := range in {
					n++
					in[j] = sandboxstore.ObjectInput{Properties: map[string]string{
						"email": fmt.Sprintf("bench%d@example.com", n), "firstname": "Ada", "lastname": "Lovelace",
						"phone": "+44 20 7946 0000", "company": "Analytical Engines", "jobtitle": "Engineer",
						"lifecyclestage": "lead", "simcrm_record_key": fmt.Sprintf("rk-%d", n),
					}}
				}
				if _, err := s.CreateObjects(ctx, "contacts", contactUnique, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreate100Parallel is the same call from concurrent writers (as
// the engine's workers send it); ns/op is wall time per batch of 100.
func BenchmarkCreate100Parallel(b *testing.B) {
	ctx := context.Background()
	var n atomic.Int64
	for name, s := range sandboxStores(b) {
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					in := make([]sandboxstore.ObjectInput, 100)
					for j := range in {
						k := n.Add(1)
						in[j] = sandboxstore.ObjectInput{Properties: map[string]string{
							"email": fmt.Sprintf("pbench%d@example.com", k), "firstname": "Ada", "lastname": "Lovelace",
							"phone": "+44 20 7946 0000", "company": "Analytical Engines", "jobtitle": "Engineer",
							"lifecyclestage": "lead", "simcrm_record_key": fmt.Sprintf("prk-%d", k),
						}}
					}
					if _, err := s.CreateObjects(ctx, "contacts", contactUnique, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
