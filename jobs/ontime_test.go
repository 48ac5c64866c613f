package jobs

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
)

// An accelerated ×600 run creates no object more than a second before its
// planned moment (checked against the time each object reached the sandbox) and
// reports its lateness: p99 under 2 s, 0 early.
func TestAcceleratedRunIsOnTime(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	seed := int64(7)
	start := time.Now().UTC()
	s := e.run(siminput.Input{Name: "on time", Scenario: "ecommerce", Distribution: "linear", Start: start, End: start.Add(2 * time.Hour),
		TotalRecords: 80, PaceMode: "accelerated", PaceFactor: 600, Target: "sandbox", Seed: &seed})
	s = e.wait(s.ID, storage.StatusCompleted, 4*time.Minute)
	e.checkExact(s)
	run, err := e.engine.Worker.runOf(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, recs := e.planAll(s)
	planned := map[string]time.Time{}
	for _, r := range recs {
		planned[r.Key] = r.CreatedAt
		if r.Company.First {
			planned[r.Company.Key] = r.CreatedAt
		}
		if r.Deal != nil {
			planned[r.Deal.Key] = r.Deal.CreatedAt
		}
		for _, a := range r.Activities {
			planned[a.Key] = a.At
		}
	}
	var lateness []time.Duration
	byType := map[string][]time.Duration{}
	early := 0
	for _, typ := range []string{"contacts", "companies", "deals", "tickets", "notes", "calls", "tasks", "meetings"} {
		for _, o := range e.sandboxObjects(s, typ) {
			at, ok := planned[o.Properties[hubspot.RecordKeyProperty]]
			if !ok {
				t.Fatalf("%s %d: key %q is not planned", typ, o.ID, o.Properties[hubspot.RecordKeyProperty])
			}
			d := o.CreatedAt.Sub(run.runAt(at))
			if d < -time.Second {
				early++
				t.Errorf("%s %s reached the sandbox %v before its planned moment", typ, o.Properties[hubspot.RecordKeyProperty], -d)
			}
			lateness = append(lateness, d)
			byType[typ] = append(byType[typ], d)
		}
	}
	for typ, l := range byType {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		t.Logf("%s: %d, p50 %v, p99 %v, max %v", typ, len(l), l[len(l)/2].Round(time.Millisecond), l[len(l)*99/100].Round(time.Millisecond), l[len(l)-1].Round(time.Millisecond))
	}
	// Updates: the ledger row is written right after the call.
	rows, err := e.rawDB().QueryContext(ctx, `SELECT record_key, created_at FROM ledger WHERE simulation_id = ? AND object_type IN (?, ?)`,
		s.ID, string(sim.KindContactUpdate), string(sim.KindDealUpdate))
	if err != nil {
		t.Fatal(err)
	}
	updAt := map[string]time.Time{}
	for _, r := range recs {
		for _, u := range r.Updates() {
			updAt[u.Key] = u.At
		}
	}
	updates := 0
	for rows.Next() {
		var key string
		var at time.Time
		if err := rows.Scan(&key, &at); err != nil {
			t.Fatal(err)
		}
		if d := at.Sub(run.runAt(updAt[key])); d < -time.Second {
			early++
			t.Errorf("update %s sent %v before its planned moment", key, -d)
		}
		updates++
	}
	rows.Close()
	if len(lateness) == 0 || updates == 0 {
		t.Fatalf("want objects and updates, got %d and %d", len(lateness), updates)
	}
	sort.Slice(lateness, func(i, j int) bool { return lateness[i] < lateness[j] })
	m, err := e.engine.Progress.Metrics(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	l := m.Lateness
	if l.Measured < int64(len(lateness)) || l.Early != 0 || l.P99 >= 2*time.Second {
		t.Errorf("reported lateness: want ≥ %d measured, 0 early, p99 < 2 s; got %+v", len(lateness), l)
	}
	t.Logf("%d objects and %d updates: 0 early by > 1 s (%d), sandbox arrival p50 %v p99 %v; reported p50 %v p99 %v over %d",
		len(lateness), updates, early, lateness[len(lateness)/2].Round(time.Millisecond), lateness[len(lateness)*99/100].Round(time.Millisecond),
		l.P50, l.P99, l.Measured)
}
