package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// The simulated clock follows the pace, and the estimate says when the window
// ends, or why a played-out window still runs.
func TestTimingFollowsThePace(t *testing.T) {
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	began := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	s := storage.Simulation{StartAt: start, EndAt: start.Add(4 * time.Hour), TimeZone: "Europe/Berlin", EffectiveTotal: 100,
		PaceMode: "accelerated", PaceFactor: 120, Status: storage.StatusRunning, StartedAt: &began, Distribution: "linear", Seed: 1}
	now := began.Add(time.Minute) // one minute at ×120: two simulated hours
	clock := simulatedClock(s, planner(s), 50, now)
	if !clock.Equal(start.Add(2 * time.Hour)) {
		t.Fatalf("simulated clock: want two hours in, got %s", clock)
	}
	tv := timingView(s, 40, clock, now, format.ClockIn("UTC"))
	if tv.SimClock != "Mon 2 Jun 2025 13:00 CEST" || tv.WindowPart != "50% of the window" || tv.Elapsed != "1 min" {
		t.Errorf("timing: got %+v", tv)
	}
	if tv.ETA != "12:02 (in about 1 min)" {
		t.Errorf("ETA: want the window's end at ×120 (12:02), got %q", tv.ETA)
	}
	later := began.Add(22 * time.Minute)
	tv = timingView(s, 96, simulatedClock(s, planner(s), 100, later), later, format.ClockIn("UTC"))
	if !strings.Contains(tv.Note, "follow-up activities") || tv.ETA == "" {
		t.Errorf("a played-out window at 96%%: want an estimate and the follow-up note, got %+v", tv)
	}
	s.PaceMode, s.PaceFactor = "backfill", 0
	if got := simulatedClock(s, planner(s), 25, now); got.Sub(start) < 50*time.Minute || got.Sub(start) > 70*time.Minute {
		t.Errorf("backfill clock after 25 of 100 evenly spread records: want about an hour in, got %s", got.Sub(start))
	}
}

// A HubSpot connection whose last check failed explains failures on the page.
func TestSimulationPageNamesAFailingConnection(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	ctx := context.Background()
	b := a.browser(t)
	b.signUp("player@example.com", "player password 1")
	u := a.user(t, "player@example.com")
	checked := time.Now()
	conn := storage.Connection{UserID: u.ID, Name: "Prod portal", BaseURL: "https://api.hubapi.com", Tier: "free", TokenCiphertext: []byte("x"),
		ValidatedAt: &checked, ValidationMessage: "HubSpot refused the token (401)"}
	if err := a.store.CreateConnection(ctx, &conn); err != nil {
		t.Fatal(err)
	}
	s := a.seedSimulation(t, u.ID, "To HubSpot", storage.StatusQueued)
	sim := storage.Simulation{UserID: u.ID, Name: "To HubSpot", Scenario: "b2b", Distribution: "linear", StartAt: s.StartAt, EndAt: s.EndAt,
		TimeZone: "UTC", TotalRecords: 10, EffectiveTotal: 8, PaceMode: "backfill", TargetKind: storage.TargetHubSpot, ConnectionID: &conn.ID, Seed: 1}
	if err := a.store.CreateSimulation(ctx, &sim); err != nil {
		t.Fatal(err)
	}
	_, body := b.get(fmt.Sprintf("/simulations/%d", sim.ID))
	if got := textAt(t, body, "#fault-injection"); !strings.Contains(got, "“Prod portal” failed its last check") {
		t.Errorf("notice: want the failing connection named, got %q", got)
	}
	_, body = b.get(fmt.Sprintf("/simulations/%d", s.ID))
	if got := textAt(t, body, "#fault-injection"); got != "" {
		t.Errorf("sandbox without faults: want no notice, got %q", got)
	}
}
