package web

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
}

func TestRedisOutageShowsBadgeAndRecovers(t *testing.T) {
	proc := testenv.StartRedisProcess(t)
	a := newTestApp(t, testenv.Dialects(t)[0], proc.URL())
	a.redis.Watch(500 * time.Millisecond)
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")

	badge := func() bool {
		resp, body := b.get("/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("dashboard: want 200, got %d", resp.StatusCode)
		}
		return doc(t, body).Find("#redis-disabled").Length() == 1
	}
	if badge() {
		t.Fatalf("badge shown while Redis is up")
	}

	proc.Stop()
	waitFor(t, 2*time.Second, "outage noticed", func() bool { return !a.redis.Up() })
	if !badge() {
		t.Fatalf("badge missing while Redis is down")
	}
	resp, body := b.get("/readyz")
	var ready map[string]string
	_ = json.Unmarshal([]byte(body), &ready)
	if resp.StatusCode != http.StatusOK || ready["redis"] != "down" || ready["database"] != "up" {
		t.Fatalf("/readyz during outage: want 200 with redis down, got %d %s", resp.StatusCode, body)
	}
	if resp, body := b.get("/fragments/health"); resp.StatusCode != 200 || doc(t, body).Find("#redis-disabled").Length() != 1 {
		t.Fatalf("health fragment during outage: %d %s", resp.StatusCode, body)
	}

	proc.Start()
	waitFor(t, 2*time.Second, "recovery noticed", func() bool { return a.redis.Up() })
	if badge() {
		t.Fatalf("badge still shown after Redis returned")
	}
}
