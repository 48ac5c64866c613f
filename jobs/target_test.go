package jobs

import (
	"context"
	"strconv"
	"testing"
	"time"

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
