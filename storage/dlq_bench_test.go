package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// bigDLQ is the size the triage page must stay fast at.
const bigDLQ = 100_000

// seedBigDLQ stores bigDLQ rows over 20 simulations, every category and object
// type, 14 days of failures, 90% open, in multi-row inserts. It returns the
// simulation ids and the id in the middle of the table.
func seedBigDLQ(tb testing.TB, s *storage.Store) (sims []int64, middle int64) {
	tb.Helper()
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		sims = append(sims, dlqSim(tb, s, fmt.Sprintf("Load %d", i)))
	}
	objects := []string{"contact", "company", "deal", "ticket", "note", "call", "task", "meeting"}
	errs := []string{
		"HTTP 429: You have reached your secondly limit",
		"HTTP 401: authentication credentials not found",
		"HTTP 400: Property values were not valid: email is invalid",
		"HTTP 409: Contact already exists. Existing ID: %d",
		"context deadline exceeded after 30s",
		"dial tcp 10.0.0.7:443: connect: connection refused",
		"HTTP 503: upstream unavailable",
		"unexpected end of JSON input",
	}
	base := time.Now().UTC().Add(-14 * 24 * time.Hour)
	step := 14 * 24 * time.Hour / bigDLQ
	rows := make([]storage.DLQEntry, 0, 10_000)
	for i := 0; i < bigDLQ; i++ {
		cat := i % len(hubspot.Categories)
		status := storage.DLQOpen
		switch i % 20 {
		case 3:
			status = storage.DLQReplayed
		case 11:
			status = storage.DLQResolved
		}
		at := base.Add(time.Duration(i) * step)
		msg := errs[cat]
		if cat == 3 {
			msg = fmt.Sprintf(msg, 1000+i)
		}
		rows = append(rows, storage.DLQEntry{
			SimulationID: sims[(i/7)%len(sims)], JobType: "sim:create_" + objects[(i/3)%len(objects)],
			ObjectType: objects[(i/3)%len(objects)], RecordIndex: i, RecordKey: fmt.Sprintf("rk-%d", i),
			TaskID: fmt.Sprintf("t-%d", i), Category: string(hubspot.Categories[cat]), Error: msg, Attempts: 3, Status: status,
			Payload:       fmt.Sprintf(`{"simulationId":%d,"recordIndex":%d,"properties":{"email":"user%d@example.com","firstname":"Ada","lastname":"Lovelace","company":"Analytical Engines Ltd"}}`, sims[(i/7)%len(sims)], i, i),
			FirstFailedAt: at.Add(-10 * time.Second), LastFailedAt: at,
		})
		if len(rows) == cap(rows) {
			if err := s.AddDLQEntries(ctx, rows); err != nil {
				tb.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	if err := s.AddDLQEntries(ctx, rows); err != nil {
		tb.Fatal(err)
	}
	p, err := s.DLQEntries(ctx, storage.DLQFilter{Status: storage.DLQAnyStatus}, 0, 1)
	if err != nil || len(p.Entries) == 0 {
		tb.Fatalf("seeded rows not found: %v", err)
	}
	return sims, p.Entries[0].ID - bigDLQ/2
}

// bigDLQQuery is one question the triage page asks of a 100,000-row DLQ.
type bigDLQQuery struct {
	name string
	run  func(ctx context.Context, s *storage.Store) (int, error)
}

func bigDLQQueries(sims []int64, middle int64) []bigDLQQuery {
	page := func(f storage.DLQFilter, before int64) func(context.Context, *storage.Store) (int, error) {
		return func(ctx context.Context, s *storage.Store) (int, error) {
			p, err := s.DLQEntries(ctx, f, before, 50)
			return len(p.Entries), err
		}
	}
	now := time.Now().UTC()
	return []bigDLQQuery{
		{"first page, open", page(storage.DLQFilter{}, 0)},
		{"first page, simulation+category", page(storage.DLQFilter{SimulationID: sims[3], Categories: []string{"auth"}}, 0)},
		{"first page, object type", page(storage.DLQFilter{ObjectType: "meeting"}, 0)},
		{"first page, error text", page(storage.DLQFilter{ErrorText: "connection refused"}, 0)},
		{"first page, rare error text", page(storage.DLQFilter{ErrorText: "existing id: 1042"}, 0)},
		{"first page, last 2 days", page(storage.DLQFilter{From: now.Add(-48 * time.Hour), To: now}, 0)},
		{"first page, every filter", page(storage.DLQFilter{SimulationID: sims[5], Categories: []string{"server", "timeout"},
			ObjectType: "note", ErrorText: "503", From: now.Add(-10 * 24 * time.Hour), To: now}, 0)},
		{"page in the middle", page(storage.DLQFilter{}, middle)},
		{"summary", func(ctx context.Context, s *storage.Store) (int, error) {
			r, err := s.DLQSummary(ctx, storage.DLQFilter{}, now)
			return len(r), err
		}},
		{"summary, category", func(ctx context.Context, s *storage.Store) (int, error) {
			r, err := s.DLQSummary(ctx, storage.DLQFilter{Categories: []string{"validation"}}, now)
			return len(r), err
		}},
		{"summary, error text", func(ctx context.Context, s *storage.Store) (int, error) {
			r, err := s.DLQSummary(ctx, storage.DLQFilter{ErrorText: "invalid"}, now)
			return len(r), err
		}},
		{"replay candidates, random, 8 categories", func(ctx context.Context, s *storage.Store) (int, error) {
			c, err := s.DLQReplayCandidates(ctx, storage.DLQFilter{}, storage.DLQRandomOrder, 10)
			n := 0
			for _, ids := range c.IDs {
				n += len(ids)
			}
			return n, err
		}},
		{"open total", func(ctx context.Context, s *storage.Store) (int, error) {
			n, err := s.DLQOpenTotal(ctx)
			return int(n), err
		}},
	}
}

// BenchmarkDLQ100k measures the triage page's queries on 100,000 DLQ rows in each
// dialect (MySQL with MYSQL_DSN set).
func BenchmarkDLQ100k(b *testing.B) {
	ctx := context.Background()
	for _, d := range testenv.Dialects(b) {
		s, err := storage.Open(ctx, d.Name, d.DSN)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		sims, middle := seedBigDLQ(b, s)
		for _, q := range bigDLQQueries(sims, middle) {
			b.Run(d.Name+"/"+q.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := q.run(ctx, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDLQ100k reports the budget figures; this test only checks that every
// triage query answers on the large seed (timing belongs to the benchmark).
func TestDLQLargeSeedQueriesAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 rows")
	}
	ctx := context.Background()
	for name, s := range openStores(t) {
		t.Run(name, func(t *testing.T) {
			sims, middle := seedBigDLQ(t, s)
			for _, q := range bigDLQQueries(sims, middle) {
				n, err := q.run(ctx, s)
				if err != nil {
					t.Fatalf("%s: %v", q.name, err)
				}
				if n == 0 {
					t.Errorf("%s: answered nothing; the seed should match", q.name)
				}
			}
		})
	}
}
