package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

func TestThinningFactor(t *testing.T) {
	cases := []struct {
		tripped bool
		waiting int
		want    float64
	}{
		{false, 0, 1},
		{false, 1000, 1},
		{false, 1001, 0.85},
		{false, 2000, 0.85},
		{false, 2001, 0.7},
		{false, 5000, 0.7},
		{false, 5001, 0.5},
		{true, 0, 1},
		{true, 1000, 1},
		{true, 1500, 0.34},
		{true, 2500, 0.28},
		{true, 6000, 0.2},
		{true, 1_000_000, 0.2},
	}
	for _, c := range cases {
		if got := ThinningFactor(c.tripped, c.waiting); fmt.Sprintf("%.4f", got) != fmt.Sprintf("%.4f", c.want) {
			t.Errorf("ThinningFactor(tripped=%v, waiting=%d): want %v, got %v", c.tripped, c.waiting, c.want, got)
		}
	}
	// Seeded decisions keep about the factor's share, and the same ones every time.
	kept := 0
	for i := 0; i < 10000; i++ {
		a := keepActivity(7, i, sim.KindNote, 1, 0.5)
		if a != keepActivity(7, i, sim.KindNote, 1, 0.5) {
			t.Fatal("keep decision is not deterministic")
		}
		if a {
			kept++
		}
	}
	if kept < 4700 || kept > 5300 {
		t.Errorf("factor 0.5 kept %d of 10000", kept)
	}
}

// Thinning under a synthetic backlog and a tripped breaker: the factor follows
// the design, only optional activities are skipped, events are capped, and the
// plan adds up (planned = created + thinned + failed).
func TestThinningUnderBacklogAndBreaker(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{env: map[string]string{"THINNING_EVENTS_MAX": "5"}, noWorkers: true})
	ctx := context.Background()
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	pending := "asynq:{" + SecondaryQueue + "}:pending"
	backlog := func(n int) {
		t.Helper()
		e.rdb.Client.LRem(ctx, pending, 0, "synthetic-backlog")
		for n > 0 {
			k := min(n, 1000)
			args := make([]any, k)
			for i := range args {
				args[i] = "synthetic-backlog"
			}
			if err := e.rdb.Client.LPush(ctx, pending, args...).Err(); err != nil {
				t.Fatal(err)
			}
			n -= k
		}
	}
	trip := func(on bool) {
		if on {
			e.rdb.Client.Set(ctx, rediskeys.TrippedUntil, time.Now().Add(time.Minute).UnixMilli(), 0)
		} else {
			e.rdb.Client.Del(ctx, rediskeys.TrippedUntil)
		}
	}
	cases := []struct {
		waiting int
		tripped bool
		want    float64
	}{
		{0, false, 1}, {1001, false, 0.85}, {2001, false, 0.7}, {5001, false, 0.5},
		{0, true, 1}, {1500, true, 0.34}, {3000, true, 0.28}, {6000, true, 0.2},
	}
	for _, c := range cases {
		backlog(c.waiting)
		trip(c.tripped)
		time.Sleep(backlogTTL + 50*time.Millisecond) // the engine reuses readings for backlogTTL
		w, tripped := e.engine.Worker.secondaryWaiting(ctx), e.engine.Worker.breakerTripped(ctx)
		got := ThinningFactor(tripped, w)
		if w != c.waiting || tripped != c.tripped || fmt.Sprintf("%.3f", got) != fmt.Sprintf("%.3f", c.want) {
			t.Errorf("backlog %d, tripped %v: want factor %v, got waiting %d, tripped %v, factor %v", c.waiting, c.tripped, c.want, w, tripped, got)
		}
	}
	trip(false)

	// A run under a backlog above 1,000: activities are planned while the
	// secondary queue is paused, so the backlog stays as set.
	if err := insp.PauseQueue(SecondaryQueue); err != nil {
		t.Fatal(err)
	}
	backlog(1500)
	time.Sleep(backlogTTL + 50*time.Millisecond)
	e.startWorkers(16)
	s := e.run(backfillInput(100)) // 80 records
	plan := e.planOf(s)
	// Records exist before their activities are scheduled (same task, later):
	// keep the backlog until every planned activity is scheduled or thinned.
	waitUntil(t, time.Minute, "every record created and its activities scheduled or thinned", func() bool {
		l, _ := e.store.LedgerCounts(ctx, s.ID)
		if int(l["contact"]) != plan["contact"] {
			return false
		}
		m, err := e.engine.Progress.Metrics(ctx, s.ID)
		if err != nil {
			return false
		}
		for _, k := range sim.ActivityKinds {
			if m.Scheduled[k.Plural()]+m.Thinned[k.Plural()] < int64(plan[string(k)]) {
				return false
			}
		}
		return true
	})
	e.rdb.Client.LRem(ctx, pending, 0, "synthetic-backlog")
	if err := insp.UnpauseQueue(SecondaryQueue); err != nil {
		t.Fatal(err)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)

	raw, stored, err := e.rdb.ListHead(ctx, rediskeys.ThinningEvents(s.ID), 100)
	if err != nil {
		t.Fatal(err)
	}
	if stored != 5 {
		t.Errorf("thinning events: want the cap of 5 kept, got %d", stored)
	}
	for _, r := range raw {
		var ev ThinningEvent
		if err := json.Unmarshal([]byte(r), &ev); err != nil {
			t.Fatalf("event %q: %v", r, err)
		}
		if ev.TotalWaiting <= 1000 || ev.Factor != ThinningFactor(false, ev.TotalWaiting) || ev.Factor > 0.85 || ev.After >= ev.Before {
			t.Errorf("event %+v: want a factor ≤ 0.85 matching %d waiting, fewer kept than planned", ev, ev.TotalWaiting)
		}
	}
	skips, _ := e.store.SkipCounts(ctx, s.ID)
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	dlq, _ := e.store.DLQTallies(ctx, s.ID)
	m, _ := e.engine.Progress.Metrics(ctx, s.ID)
	var thinnedTotal int64
	for _, k := range sim.ObjectKinds {
		thinned := skips[storage.SkipThinned][string(k)]
		thinnedTotal += thinned
		if thinned > 0 && !thinnable(k) {
			t.Errorf("%s: %d thinned, but only optional activities may be", k, thinned)
		}
		if got := ledger[string(k)] + thinned + skips[storage.SkipBlocked][string(k)]; got != int64(plan[string(k)]) || len(dlq) != 0 {
			t.Errorf("%s: planned %d, want created %d + thinned %d (+ failed) to match, got %d (dlq %v)",
				k.Plural(), plan[string(k)], ledger[string(k)], thinned, got, dlq)
		}
		p := k.Plural()
		if m.Created[p]+m.Thinned[p]+m.Failed[p] != int64(plan[string(k)]) {
			t.Errorf("metrics %s: created %d + thinned %d + failed %d, want planned %d", p, m.Created[p], m.Thinned[p], m.Failed[p], plan[string(k)])
		}
	}
	if thinnedTotal == 0 {
		t.Errorf("nothing was thinned under a backlog of 1,500")
	}
	if n := e.rdb.Client.LLen(ctx, pending).Val(); n != 0 {
		t.Errorf("secondary queue: %d tasks left", n)
	}
}
