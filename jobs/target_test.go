package jobs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
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

// The engine's client for a connection calls public addresses only (the base URL
// was typed by a user), while the built-in sandbox, reached on loopback, stays
// usable: a connection row pointing inward gets ErrNotAllowed and its server is
// never asked; one at SANDBOX_URL is trusted.
func TestConnectionTargetRefusesInwardAddresses(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	var hits atomic.Int64
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(inside.Close)
	box, err := secret.NewBox(e.cfg.TokenEncSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		base    string
		allowed bool
	}{
		{inside.URL, false},
		{strings.Replace(inside.URL, "127.0.0.1", "localhost", 1), false},
		{e.baseURL, true},
	} {
		c := &storage.Connection{UserID: e.user, Name: tc.base, BaseURL: tc.base, Tier: "free",
			TokenCiphertext: box.Seal([]byte(testSandboxToken)), ValidationOK: true}
		if err := e.store.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		target, err := e.engine.Worker.targetOf(ctx, storage.Simulation{TargetKind: storage.TargetHubSpot, ConnectionID: &c.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = target.client.Properties(ctx, hubspot.Contacts)
		if tc.allowed != (err == nil) || (!tc.allowed && !errors.Is(err, hubspot.ErrNotAllowed)) {
			t.Errorf("%s: want allowed=%v, got %v", tc.base, tc.allowed, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the inward server must never be asked: %d requests", hits.Load())
	}
}
