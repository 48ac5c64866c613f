package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/storage"
)

// Metrics and segments come from Redis while it has them and from the database
// when it does not.
func TestMetricsAndSegmentsFallBackToTheDatabase(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	s := e.run(backfillInput(200))
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	live, err := e.engine.Progress.Metrics(ctx, s.ID)
	if err != nil || live.Source != "redis" {
		t.Fatalf("live metrics: %+v %v", live, err)
	}
	segs, src, err := e.engine.Progress.Segments(ctx, s.ID)
	if err != nil || src != "redis" || len(segs) != 48 || segs[47].State != storage.SegmentDone || segs[47].EndIndex != 160 {
		t.Fatalf("segments from redis: %d %s %v %+v", len(segs), src, err, segs[len(segs)-1])
	}
	e.stopWorkers() // the last counter flush
	e.rdb.Client.Del(ctx, rediskeys.Metrics(s.ID), rediskeys.Segments(s.ID))
	db, err := e.engine.Progress.Metrics(ctx, s.ID)
	if err != nil || db.Source != "db" {
		t.Fatalf("db metrics: %+v %v", db, err)
	}
	for _, p := range pluralKinds() {
		if db.Created[p] != live.Created[p] || db.Scheduled[p] != live.Scheduled[p] || db.Thinned[p] != live.Thinned[p] {
			t.Errorf("%s: redis %d/%d/%d, db %d/%d/%d (created/scheduled/thinned)", p, live.Created[p], live.Scheduled[p], live.Thinned[p],
				db.Created[p], db.Scheduled[p], db.Thinned[p])
		}
	}
	if db.PercentComplete != 100 || db.Processed != 160 || db.EffectiveTotal != 160 {
		t.Errorf("db metrics: %+v", db)
	}
	segs, src, err = e.engine.Progress.Segments(ctx, s.ID)
	if err != nil || src != "db" || len(segs) != 48 {
		t.Errorf("segments from the db: %d %s %v", len(segs), src, err)
	}
	if _, err := e.engine.Progress.Metrics(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
		t.Errorf("metrics of no simulation: want ErrNotFound, got %v", err)
	}
}
