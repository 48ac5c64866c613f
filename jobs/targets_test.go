package jobs

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/storage"
)

// A simulation whose target is a stored HubSpot connection (here: the sandbox
// behind a connection, with its token sealed under TOKEN_ENC_SECRET and the
// limits of its tier) runs like one on the sandbox.
func TestHubSpotConnectionTarget(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{})
	ctx := context.Background()
	box, err := secret.NewBox(e.cfg.TokenEncSecret)
	if err != nil {
		t.Fatal(err)
	}
	c := &storage.Connection{UserID: e.user, Name: "portal", BaseURL: e.baseURL, Tier: "starter",
		TokenCiphertext: box.Seal([]byte(testSandboxToken)), ValidationOK: true}
	if err := e.store.CreateConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	in := backfillInput(200)
	in.Target = strconv.FormatInt(c.ID, 10)
	s := e.run(in)
	if s.TargetKind != storage.TargetHubSpot || s.ConnectionID == nil || *s.ConnectionID != c.ID {
		t.Fatalf("target: %s %v", s.TargetKind, s.ConnectionID)
	}
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	e.checkExact(s)
	run, _ := e.engine.Worker.runOf(ctx, s.ID)
	if run.target.window == nil || run.target.window.Limits().Burst != 100 {
		t.Errorf("a starter connection gets a 100/10 s limiter")
	}
	// Another user's connection is refused.
	other, _ := e.store.CreateUser(ctx, "other@example.com", "x", storage.RolePlayer)
	_, fe, _ := e.engine.Lifecycle.Create(ctx, other.ID, in)
	if fe["target"] == "" {
		t.Error("another user's connection should be refused")
	}
}

// Work lost from the queue while its expansion flags stay (a task archived after
// an infrastructure failure, a task deleted by hand) is queued again once the
// simulation has made no progress for StallAfter.
func TestLostWorkIsQueuedAgain(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true, engineOptions: func(o *Options) {
		o.StallAfter = time.Second
		o.ReconcileEvery = 500 * time.Millisecond
	}})
	ctx := context.Background()
	s := e.run(backfillInput(300))
	if _, err := e.engine.Worker.tick(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	pending, err := e.engine.Worker.inspector.ListPendingTasks(PrimaryQueue(s.ID), asynq.PageSize(1000))
	if err != nil || len(pending) == 0 {
		t.Fatalf("want queued records, got %d (%v)", len(pending), err)
	}
	for _, ti := range pending {
		if strings.HasPrefix(ti.ID, taskIDPrefix(s.ID)) {
			if err := e.engine.Worker.inspector.DeleteTask(PrimaryQueue(s.ID), ti.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.startWorkers(8)
	s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
	e.checkExact(s)
}
