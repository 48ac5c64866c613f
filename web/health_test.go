package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// While the database is unreachable /readyz answers 503 JSON whether or not the
// request carries a session cookie, the health strip still renders, and a page
// says "database unreachable" with a 503 instead of a 500.
func TestReadyzDuringDatabaseOutage(t *testing.T) {
	var d testenv.Dialect
	for _, x := range testenv.Dialects(t) {
		if x.Name == storage.MySQL {
			d = x
		}
	}
	if d.Name == "" {
		testenv.Require(t, false, "MYSQL_DSN is not set: the database outage needs a database behind a TCP proxy")
	}
	var proxy *testenv.Proxy
	d.DSN, proxy = testenv.MySQLDSNBehindProxy(t, d.DSN)
	a := newTestApp(t, d, "")
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard before the outage: %d", resp.StatusCode)
	}

	proxy.Cut()
	for _, who := range []*browser{a.browser(t), b} {
		resp, body := who.get("/readyz")
		var ready map[string]any
		if err := json.Unmarshal([]byte(body), &ready); err != nil || resp.StatusCode != http.StatusServiceUnavailable || ready["database"] != "down" {
			t.Errorf("/readyz (cookies %d): want 503 JSON with the database down, got %d %s", len(who.cookies), resp.StatusCode, body)
		}
		if resp, body := who.get("/fragments/health"); resp.StatusCode != http.StatusOK {
			t.Errorf("health strip (cookies %d): want 200, got %d %s", len(who.cookies), resp.StatusCode, body)
		}
	}
	resp, body := b.get("/")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database is unreachable") {
		t.Errorf("dashboard during the outage: want 503 saying the database is unreachable, got %d %s", resp.StatusCode, body[:min(len(body), 300)])
	}
}
