package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// sandboxStores returns a migrated, empty Store per dialect under test.
func sandboxStores(t testing.TB) map[string]*storage.Store {
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

var contactUnique = map[string]bool{"email": true, "simcrm_record_key": true}

func contactInput(email string, extra ...string) storage.SandboxObjectInput {
	p := map[string]string{"email": email}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = extra[i+1]
	}
	return storage.SandboxObjectInput{Properties: p}
}

func TestSandboxCreateReadUpdateArchive(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			objs, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectInput{
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
			got, err := s.SandboxObject(ctx, "contacts", objs[0].ID, false)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if got.Properties["firstname"] != "Ada" || got.Type != "contacts" || got.CreatedAt.Location() != time.UTC {
				t.Errorf("read back: got %+v", got)
			}
			if !got.CreatedAt.Equal(objs[0].CreatedAt) {
				t.Errorf("created_at: want %v, got %v", objs[0].CreatedAt, got.CreatedAt)
			}
			if _, err := s.SandboxObject(ctx, "companies", objs[0].ID, false); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("wrong type: want ErrNotFound, got %v", err)
			}

			up, err := s.UpdateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectUpdate{
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
			ids, err := s.SandboxObjectIDsByUnique(ctx, "contacts", "email", []string{"a@example.com", "ada@example.com"})
			if err != nil || len(ids) != 1 || ids["ada@example.com"] != objs[0].ID {
				t.Errorf("unique values after update: got %v, %v", ids, err)
			}
			_, err = s.UpdateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectUpdate{
				{ID: objs[1].ID, Properties: map[string]string{"email": "ada@example.com"}},
			})
			var ce *storage.SandboxConflictError
			if !errors.As(err, &ce) || ce.ExistingID != objs[0].ID {
				t.Errorf("update to a taken email: want conflict with %d, got %v", objs[0].ID, err)
			}
			if _, err := s.UpdateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectUpdate{{ID: 987654321, Properties: map[string]string{"a": "b"}}}); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("update missing: want ErrNotFound, got %v", err)
			}

			n, err := s.ArchiveSandboxObjects(ctx, "contacts", []int64{objs[0].ID, 987654321})
			if err != nil || n != 1 {
				t.Fatalf("archive: want 1, got %d, %v", n, err)
			}
			if _, err := s.SandboxObject(ctx, "contacts", objs[0].ID, false); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("archived read: want ErrNotFound, got %v", err)
			}
			arch, err := s.SandboxObject(ctx, "contacts", objs[0].ID, true)
			if err != nil || !arch.Archived || arch.ArchivedAt == nil {
				t.Errorf("archived=true read: got %+v, %v", arch, err)
			}
			// Its email can be used again.
			if _, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectInput{contactInput("ada@example.com")}); err != nil {
				t.Errorf("reuse archived email: %v", err)
			}
			counts, err := s.SandboxCounts(ctx)
			if err != nil || counts["contacts"] != 2 {
				t.Errorf("counts: want contacts 2, got %v, %v", counts, err)
			}
			if err := s.ResetSandbox(ctx); err != nil {
				t.Fatal(err)
			}
			counts, _ = s.SandboxCounts(ctx)
			if len(counts) != 0 {
				t.Errorf("after reset: want no objects, got %v", counts)
			}
			again, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectInput{contactInput("a@example.com")})
			if err != nil || again[0].ID <= objs[1].ID {
				t.Errorf("ids after reset must keep growing: first %d, now %+v, %v", objs[1].ID, again, err)
			}
		})
	}
}

func TestSandboxCreateConflicts(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			first, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectInput{contactInput("x@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name       string
				in         []storage.SandboxObjectInput
				wantID     int64
				wantErrDup bool
			}{
				{"existing email fails the whole batch", []storage.SandboxObjectInput{contactInput("new1@example.com"), contactInput("x@example.com")}, first[0].ID, true},
				{"same email twice in one call", []storage.SandboxObjectInput{contactInput("d@example.com"), contactInput("d@example.com")}, 0, true},
				{"custom unique property", []storage.SandboxObjectInput{contactInput("k1@example.com", "simcrm_record_key", "r1"), contactInput("k2@example.com", "simcrm_record_key", "r1")}, 0, true},
			}
			for _, tc := range cases {
				_, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, tc.in)
				var ce *storage.SandboxConflictError
				if !errors.As(err, &ce) || !errors.Is(err, storage.ErrDuplicate) || ce.ExistingID != tc.wantID {
					t.Errorf("%s: want conflict with existing id %d, got %v", tc.name, tc.wantID, err)
				}
			}
			counts, _ := s.SandboxCounts(ctx)
			if counts["contacts"] != 1 {
				t.Errorf("failed batches must create nothing: want 1 contact, got %v", counts)
			}
			// Another type may hold the same value.
			if _, err := s.CreateSandboxObjects(ctx, "companies", map[string]bool{"email": true}, []storage.SandboxObjectInput{contactInput("x@example.com")}); err != nil {
				t.Errorf("same value on another type: %v", err)
			}
		})
	}
}

// Many writers creating batches that share one email: exactly one object holds it.
func TestSandboxConcurrentUniqueCreate(t *testing.T) {
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
					in := []storage.SandboxObjectInput{contactInput(fmt.Sprintf("own%d@example.com", w)), contactInput("shared@example.com")}
					_, errs[w] = s.CreateSandboxObjects(ctx, "contacts", contactUnique, in)
				}(w)
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				var ce *storage.SandboxConflictError
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
			res, total, err := s.SearchSandboxObjects(ctx, storage.SandboxSearch{Type: "contacts", Groups: [][]storage.SandboxFilter{{{Property: "email", Operator: storage.SandboxEQ, Value: "shared@example.com"}}}, Limit: 10})
			if err != nil || total != 1 || len(res) != 1 {
				t.Errorf("objects holding the shared email: want 1, got %d (%v)", total, err)
			}
			counts, _ := s.SandboxCounts(ctx)
			if counts["contacts"] != 2 {
				t.Errorf("want 2 contacts (one batch), got %v", counts)
			}
		})
	}
}

func TestSandboxUpsert(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			first, err := s.UpsertSandboxObjects(ctx, "contacts", contactUnique, "email", []storage.SandboxUpsert{
				{Value: "u1@example.com", Properties: map[string]string{"firstname": "U1"}},
			})
			if err != nil || len(first) != 1 || !first[0].New {
				t.Fatalf("first upsert: want new, got %+v, %v", first, err)
			}
			res, err := s.UpsertSandboxObjects(ctx, "contacts", contactUnique, "email", []storage.SandboxUpsert{
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
			if _, err := s.UpsertSandboxObjects(ctx, "contacts", contactUnique, "firstname", []storage.SandboxUpsert{{Value: "x"}}); err == nil {
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
					r, err := s.UpsertSandboxObjects(ctx, "contacts", contactUnique, "simcrm_record_key", []storage.SandboxUpsert{
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

func TestSandboxSearch(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			var in []storage.SandboxObjectInput
			for i := 0; i < 30; i++ {
				stage := "lead"
				if i%3 == 0 {
					stage = "customer"
				}
				p := map[string]string{"email": fmt.Sprintf("p%02d@example.com", i), "lifecyclestage": stage, "score": fmt.Sprint(i * 10)}
				p["simcrm_simulation_id"] = fmt.Sprint(i % 10)
				if i%5 == 0 {
					p["jobtitle"] = fmt.Sprintf("Chief %d Officer", i)
				}
				in = append(in, storage.SandboxObjectInput{Properties: p, CreatedAt: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
			}
			objs, err := s.CreateSandboxObjects(ctx, "deals", map[string]bool{"email": true}, in)
			if err != nil {
				t.Fatal(err)
			}
			f := func(prop, op, v string) storage.SandboxFilter {
				return storage.SandboxFilter{Property: prop, Operator: op, Value: v}
			}
			num := func(prop, op string, n float64) storage.SandboxFilter {
				return storage.SandboxFilter{Property: prop, Operator: op, Numeric: true, Num: n}
			}
			ms := func(sec int) float64 { return float64(time.Date(2024, 1, 1, 0, 0, sec, 0, time.UTC).UnixMilli()) }
			cases := []struct {
				name   string
				q      storage.SandboxSearch
				total  int
				firstN string // email of the first result
			}{
				{"all", storage.SandboxSearch{}, 30, "p00@example.com"},
				{"EQ", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("lifecyclestage", "EQ", "customer")}}}, 10, "p00@example.com"},
				{"NEQ", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("lifecyclestage", "NEQ", "customer")}}}, 20, "p01@example.com"},
				{"IN on a unique property", storage.SandboxSearch{Unique: map[string]bool{"email": true}, Groups: [][]storage.SandboxFilter{{{Property: "email", Operator: "IN", Values: []string{"p05@example.com", "p04@example.com"}}}}}, 2, "p04@example.com"},
				{"EQ on a unique property", storage.SandboxSearch{Unique: map[string]bool{"email": true}, Groups: [][]storage.SandboxFilter{{f("email", "EQ", "p09@example.com")}}}, 1, "p09@example.com"},
				{"NOT_IN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{{Property: "lifecyclestage", Operator: "NOT_IN", Values: []string{"lead"}}}}}, 10, "p00@example.com"},
				{"NOT_CONTAINS_TOKEN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("jobtitle", "NOT_CONTAINS_TOKEN", "officer")}}}, 24, "p01@example.com"},
				{"simulation id", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("simcrm_simulation_id", "EQ", "7")}}}, 3, "p07@example.com"},
				{"simulation id IN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{{Property: "simcrm_simulation_id", Operator: "IN", Values: []string{"7", "8"}}}}}, 6, "p07@example.com"},
				{"IN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{{Property: "email", Operator: "IN", Values: []string{"p03@example.com", "p04@example.com", "nobody"}}}}}, 2, "p03@example.com"},
				{"GT numeric", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{num("score", "GT", 250)}}}, 4, "p26@example.com"},
				{"LT numeric AND EQ", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{num("score", "LT", 100), f("lifecyclestage", "EQ", "customer")}}}, 4, "p00@example.com"},
				{"OR of groups", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{num("score", "LTE", 10)}, {num("score", "GTE", 290)}}}, 3, "p00@example.com"},
				{"BETWEEN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{{Property: "score", Operator: "BETWEEN", Numeric: true, Num: 100, HighNum: 120}}}}, 3, "p10@example.com"},
				{"HAS_PROPERTY", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("jobtitle", "HAS_PROPERTY", "")}}}, 6, "p00@example.com"},
				{"NOT_HAS_PROPERTY", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("jobtitle", "NOT_HAS_PROPERTY", "")}}}, 24, "p01@example.com"},
				{"CONTAINS_TOKEN", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("jobtitle", "CONTAINS_TOKEN", "chief 2")}}}, 2, "p20@example.com"},
				{"createdate GT", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{num("createdate", "GT", ms(27))}}}, 2, "p28@example.com"},
				{"hs_object_id EQ", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{num("hs_object_id", "EQ", float64(objs[7].ID))}}}, 1, "p07@example.com"},
				{"sort by numeric property desc", storage.SandboxSearch{SortProperty: "score", SortNumeric: true, SortDescending: true}, 30, "p29@example.com"},
				{"sort by text property", storage.SandboxSearch{SortProperty: "jobtitle", SortDescending: true}, 30, "p05@example.com"},
				{"sort by text property, missing last", storage.SandboxSearch{SortProperty: "jobtitle", SortDescending: true, Offset: 6}, 30, "p29@example.com"},
				{"sort by createdate desc", storage.SandboxSearch{SortProperty: "createdate", SortDescending: true}, 30, "p29@example.com"},
				{"query", storage.SandboxSearch{Query: "P1", QueryProperties: []string{"email"}}, 10, "p10@example.com"},
				{"offset", storage.SandboxSearch{Offset: 28}, 30, "p28@example.com"},
				{"LIKE wildcards are literal", storage.SandboxSearch{Groups: [][]storage.SandboxFilter{{f("jobtitle", "CONTAINS_TOKEN", "%")}}}, 0, ""},
			}
			for _, tc := range cases {
				tc.q.Type = "deals"
				if tc.q.Limit == 0 {
					tc.q.Limit = 5
				}
				res, total, err := s.SearchSandboxObjects(ctx, tc.q)
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				if total != tc.total {
					t.Errorf("%s: total: want %d, got %d", tc.name, tc.total, total)
				}
				first := ""
				if len(res) > 0 {
					first = res[0].Properties["email"]
				}
				if first != tc.firstN {
					t.Errorf("%s: first result: want %q, got %q", tc.name, tc.firstN, first)
				}
			}
			if _, _, err := s.SearchSandboxObjects(ctx, storage.SandboxSearch{Type: "deals", Groups: [][]storage.SandboxFilter{{f("x", "LIKE", "y")}}, Limit: 1}); err == nil {
				t.Errorf("unknown operator: want an error")
			}
		})
	}
}

func TestSandboxAssociationsAndProperties(t *testing.T) {
	ctx := context.Background()
	for name, s := range sandboxStores(t) {
		t.Run(name, func(t *testing.T) {
			companies, err := s.CreateSandboxObjects(ctx, "companies", nil, []storage.SandboxObjectInput{{Properties: map[string]string{"name": "A"}}, {Properties: map[string]string{"name": "B"}}})
			if err != nil {
				t.Fatal(err)
			}
			ca, cb := companies[0].ID, companies[1].ID
			contact, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, []storage.SandboxObjectInput{{
				Properties: map[string]string{"email": "c@example.com"},
				Associations: []storage.SandboxAssociation{
					{ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 279},
					{FromID: ca, ToType: "contacts", Category: "HUBSPOT_DEFINED", TypeID: 280},
				},
			}})
			if err != nil {
				t.Fatal(err)
			}
			cid := contact[0].ID
			// Adding existing rows again is a no-op.
			err = s.CreateSandboxAssociations(ctx, []storage.SandboxAssociation{
				{FromID: cid, ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 279},
				{FromID: cid, ToType: "companies", ToID: ca, Category: "HUBSPOT_DEFINED", TypeID: 1},
				{FromID: cid, ToType: "companies", ToID: cb, Category: "HUBSPOT_DEFINED", TypeID: 279},
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, more, err := s.SandboxAssociationPage(ctx, cid, "companies", 0, 1)
			if err != nil || !more || len(rows) != 2 || rows[0].ToID != ca {
				t.Errorf("first page (1 record, 2 types): got %+v more=%v %v", rows, more, err)
			}
			rows, more, err = s.SandboxAssociationPage(ctx, cid, "companies", ca, 1)
			if err != nil || more || len(rows) != 1 || rows[0].ToID != cb {
				t.Errorf("second page: got %+v more=%v %v", rows, more, err)
			}
			back, err := s.SandboxAssociationsFrom(ctx, []int64{ca}, "contacts")
			if err != nil || len(back[ca]) != 1 || back[ca][0].ToID != cid || back[ca][0].TypeID != 280 {
				t.Errorf("reverse row: got %+v, %v", back, err)
			}
			if err := s.DeleteSandboxAssociations(ctx, []storage.SandboxAssociation{{FromID: cid, ToType: "companies", ToID: ca}}); err != nil {
				t.Fatal(err)
			}
			all, _ := s.SandboxAssociationsFrom(ctx, []int64{cid}, "")
			if len(all[cid]) != 1 || all[cid][0].ToID != cb {
				t.Errorf("after delete: want only %d, got %+v", cb, all[cid])
			}
			if _, err := s.ArchiveSandboxObjects(ctx, "companies", []int64{cb}); err != nil {
				t.Fatal(err)
			}
			all, _ = s.SandboxAssociationsFrom(ctx, []int64{cid}, "")
			if len(all[cid]) != 0 {
				t.Errorf("archiving drops associations: got %+v", all[cid])
			}
			types, err := s.SandboxObjectTypes(ctx, []int64{cid, ca, cb})
			if err != nil || types[cid] != "contacts" || types[ca] != "companies" || types[cb] != "" {
				t.Errorf("object types: got %v, %v", types, err)
			}

			p := storage.SandboxProperty{Type: "contacts", Name: "favourite", Definition: `{"name":"favourite"}`}
			if _, err := s.CreateSandboxProperty(ctx, p); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateSandboxProperty(ctx, p); !errors.Is(err, storage.ErrDuplicate) {
				t.Errorf("duplicate property: want ErrDuplicate, got %v", err)
			}
			if _, err := s.CreateSandboxProperty(ctx, storage.SandboxProperty{Type: "deals", Name: "favourite", Definition: `{}`}); err != nil {
				t.Errorf("same name on another type: %v", err)
			}
			props, err := s.SandboxProperties(ctx, "")
			var names []string
			for _, p := range props {
				names = append(names, p.Type+"."+p.Name)
			}
			sort.Strings(names)
			if err != nil || fmt.Sprint(names) != "[contacts.favourite deals.favourite]" {
				t.Errorf("properties: got %v, %v", names, err)
			}
		})
	}
}

// BenchmarkSandboxCreate100 measures one batch create of 100 contacts (email unique,
// eight properties each), the sandbox's hot path; ns/op is per batch of 100.
func BenchmarkSandboxCreate100(b *testing.B) {
	ctx := context.Background()
	n := 0 // keeps emails unique across the benchmark's runs
	for name, s := range sandboxStores(b) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				in := make([]storage.SandboxObjectInput, 100)
				for j := range in {
					n++
					in[j] = storage.SandboxObjectInput{Properties: map[string]string{
						"email": fmt.Sprintf("bench%d@example.com", n), "firstname": "Ada", "lastname": "Lovelace",
						"phone": "+44 20 7946 0000", "company": "Analytical Engines", "jobtitle": "Engineer",
						"lifecyclestage": "lead", "simcrm_record_key": fmt.Sprintf("rk-%d", n),
					}}
				}
				if _, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSandboxCreate100Parallel is the same call from concurrent writers (as
// the engine's workers send it); ns/op is wall time per batch of 100.
func BenchmarkSandboxCreate100Parallel(b *testing.B) {
	ctx := context.Background()
	var n atomic.Int64
	for name, s := range sandboxStores(b) {
		b.Run(name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					in := make([]storage.SandboxObjectInput, 100)
					for j := range in {
						k := n.Add(1)
						in[j] = storage.SandboxObjectInput{Properties: map[string]string{
							"email": fmt.Sprintf("pbench%d@example.com", k), "firstname": "Ada", "lastname": "Lovelace",
							"phone": "+44 20 7946 0000", "company": "Analytical Engines", "jobtitle": "Engineer",
							"lifecyclestage": "lead", "simcrm_record_key": fmt.Sprintf("prk-%d", k),
						}}
					}
					if _, err := s.CreateSandboxObjects(ctx, "contacts", contactUnique, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
