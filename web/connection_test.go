package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

const portalToken = "pat-na1-11111111-2222-3333-4444-555555555555"

func connForm(name, token, tier, base string) url.Values {
	return url.Values{"name": {name}, "token": {token}, "tier": {tier}, "baseURL": {base}}
}

// The probe runs against a sandbox on a loopback port: a valid token is stored
// sealed and shown as Ready; a wrong one is a 401 message beside the token field
// and stores nothing; a portal that answers 403 is stored with the scopes named.
func TestConnectionProbe(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "", "ALLOW_PRIVATE_TARGETS=true")
			ok := newFakePortal(t, a.store, portalToken, sandbox.Faults{})
			scopeless := newFakePortal(t, a.store, portalToken, sandbox.Faults{Force403: true})
			b := a.browser(t)
			b.signUp("owner@example.com", "owner password 1")
			if resp, body := b.get("/connections"); resp.StatusCode != http.StatusOK || textAt(t, body, "#connections .empty-title") != "No connections yet." {
				t.Fatalf("empty list: want 200 with the empty state, got %d %q", resp.StatusCode, textAt(t, body, "#connections"))
			}

			// Valid token.
			resp, body := b.post("/connections", connForm("Demo portal", portalToken, "Professional", ok.base))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connections/1" {
				t.Fatalf("valid token: want 303 to /connections/1, got %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), textAt(t, body, ".field-error, #form-error"))
			}
			_, body = b.get("/connections/1")
			if got := textAt(t, body, "h1 .badge"); got != "Ready" {
				t.Errorf("valid token: badge want Ready, got %q", got)
			}
			if got := textAt(t, body, ".validation-message"); !strings.HasPrefix(got, "Token accepted.") {
				t.Errorf("valid token: message want 'Token accepted. …', got %q", got)
			}
			if got := textAt(t, body, "dd.tier"); got != "Professional" {
				t.Errorf("tier: want Professional, got %q", got)
			}
			conn, err := a.store.Connection(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if !conn.ValidationOK || conn.ValidatedAt == nil || conn.Tier != "professional" || conn.BaseURL != ok.base || conn.Name != "Demo portal" {
				t.Errorf("stored connection: want ok, validated, professional, %s; got %+v", ok.base, conn)
			}
			box, _ := secret.NewBox(a.cfg.TokenEncSecret)
			if plain, err := box.Open(conn.TokenCiphertext); err != nil || string(plain) != portalToken {
				t.Errorf("sealed token: want it to open to the token, got %q, %v", plain, err)
			}
			_, body = b.get("/connections")
			if got := textAt(t, body, "#conn-row-1 .connname"); got != "Demo portal" {
				t.Errorf("list: want the row Demo portal, got %q", got)
			}
			if got := textAt(t, body, "#conn-row-1 .badge"); got != "Ready" {
				t.Errorf("list badge: want Ready, got %q", got)
			}

			// Wrong token: nothing stored, the message beside the token field.
			resp, body = b.post("/connections", connForm("Wrong", "pat-na1-wrong", "free", ok.base))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong token: want 422, got %d", resp.StatusCode)
			}
			if got := textAt(t, body, "#err-token"); !strings.Contains(got, "refused the token (401") {
				t.Errorf("wrong token: want a 401 message beside the token, got %q", got)
			}
			if v, _ := doc(t, body).Find("#f-token").Attr("value"); v != "" {
				t.Errorf("the token field must come back empty, got %q", v)
			}
			if v, _ := doc(t, body).Find("#f-name").Attr("value"); v != "Wrong" {
				t.Errorf("the name must be kept, got %q", v)
			}
			if conns, _ := a.store.Connections(context.Background(), 0); len(conns) != 1 {
				t.Errorf("wrong token: want nothing stored, got %d connections", len(conns))
			}

			// Missing scopes: stored, not ready, scopes named.
			resp, _ = b.post("/connections", connForm("No scopes", portalToken, "starter", scopeless.base))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("403 portal: want 303 (stored), got %d", resp.StatusCode)
			}
			_, body = b.get(resp.Header.Get("Location"))
			if got := textAt(t, body, "h1 .badge"); got != "Missing scopes" {
				t.Errorf("403 portal: badge want Missing scopes, got %q", got)
			}
			if got := textAt(t, body, ".validation-message"); strings.Contains(got, "crm.schemas") || !strings.Contains(got, "not defined on any object type") {
				t.Errorf("403 portal: the message should explain without repeating the scope list, got %q", got)
			}
			scopes := doc(t, body).Find("#missing-scopes code").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
			for _, want := range []string{"crm.schemas.contacts.read", "crm.schemas.deals.read", "crm.schemas.meetings.read"} {
				if !contains(scopes, want) {
					t.Errorf("403 portal: want scope %s named, got %v", want, scopes)
				}
			}

			// Revalidate: the portal now refuses the token, then accepts it again.
			if err := ok.sb.SetFaults(sandbox.Faults{Force401: true}); err != nil {
				t.Fatal(err)
			}
			resp, body = b.post("/connections/1/validate", url.Values{})
			if resp.StatusCode != http.StatusOK || textAt(t, body, "h1 .badge") != "Token refused" {
				t.Errorf("revalidate with 401: want 200 and Token refused, got %d %q", resp.StatusCode, textAt(t, body, "h1 .badge"))
			}
			if got := textAt(t, body, ".validation-message"); !strings.Contains(got, "401") {
				t.Errorf("revalidate with 401: want the 401 explained, got %q", got)
			}
			_ = ok.sb.SetFaults(sandbox.Faults{})
			_, body = b.post("/connections/1/validate", url.Values{})
			if got := textAt(t, body, "h1 .badge"); got != "Ready" {
				t.Errorf("revalidate after recovery: want Ready, got %q", got)
			}
			if got := textAt(t, body, "#notice"); !strings.Contains(got, "Validated just now") {
				t.Errorf("revalidate: want a notice, got %q", got)
			}
		})
	}
}

// Every bad field gets its own message; nothing answers 500.
func TestConnectionFormValidation(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "ALLOW_PRIVATE_TARGETS=true")
	ok := newFakePortal(t, a.store, portalToken, sandbox.Faults{})
	b := a.browser(t)
	b.signUp("owner@example.com", "owner password 1")
	b.get("/connections")
	if resp, _ := b.post("/connections", connForm("Taken", portalToken, "free", ok.base)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first connection: want 303, got %d", resp.StatusCode)
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body>Welcome to nginx</body></html>"))
	}))
	t.Cleanup(web.Close)
	cases := []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"empty", url.Values{}, "name", "Give the connection a name"},
		{"empty token", connForm("x", "", "free", ""), "token", "Paste the private app's access token"},
		{"token with spaces", connForm("x", "pat na1", "free", ""), "token", "no spaces"},
		{"no tier", connForm("x", "pat-1", "", ""), "tier", "Choose the portal's tier"},
		{"unknown tier", connForm("x", "pat-1", "platinum", ""), "tier", "Choose free, starter"},
		{"long name", connForm(strings.Repeat("n", 101), "pat-1", "free", ""), "name", "at most 100"},
		{"duplicate name", connForm("taken", portalToken, "free", ok.base), "name", "already have a connection"},
		{"ftp url", connForm("x", "pat-1", "free", "ftp://api.hubapi.com"), "baseURL", "http or https URL"},
		{"not a url", connForm("x", "pat-1", "free", "api hubapi com"), "baseURL", "http or https URL"},
		{"credentials in url", connForm("x", "pat-1", "free", "https://u:p@api.hubapi.com"), "baseURL", "credentials"},
		{"nobody listening", connForm("x", "pat-1", "free", "http://127.0.0.1:1"), "baseURL", "Could not reach 127.0.0.1:1"},
		{"not hubspot", connForm("x", "pat-1", "free", web.URL), "baseURL", "does not look like HubSpot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/connections", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("want 422, got %d", resp.StatusCode)
			}
			if got := textAt(t, body, "#err-"+tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("message beside %s: want %q in it, got %q (all: %q)", tc.field, tc.want, got, textAt(t, body, ".field-error"))
			}
		})
	}
	if conns, _ := a.store.Connections(context.Background(), 0); len(conns) != 1 {
		t.Errorf("bad input stored connections: want 1, got %d", len(conns))
	}
}

// A player sees and opens only their own connections; a boss sees everyone's.
func TestConnectionsArePrivate(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			alice, bob := a.browser(t), a.browser(t)
			alice.signUp("alice@example.com", "alice password 1")
			bob.signUp("bob@example.com", "bob password 12")
			alice.get("/connections")
			// A player may point a connection at the built-in sandbox (or HubSpot).
			if resp, _ := alice.post("/connections", connForm("Alice's portal", a.cfg.SandboxToken, "free", a.cfg.SandboxURL)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("alice adds: want 303, got %d", resp.StatusCode)
			}
			_, body := bob.get("/connections")
			if n := doc(t, body).Find("#connections tbody tr").Length(); n != 0 {
				t.Errorf("bob's list: want no rows, got %d", n)
			}
			for _, path := range []string{"/connections/1", "/connections/abc", "/connections/999"} {
				if resp, _ := bob.get(path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("bob GET %s: want 404, got %d", path, resp.StatusCode)
				}
			}
			bob.get("/connections")
			for _, path := range []string{"/connections/1/validate", "/connections/1/delete"} {
				if resp, _ := bob.post(path, url.Values{}); resp.StatusCode != http.StatusNotFound {
					t.Errorf("bob POST %s: want 404, got %d", path, resp.StatusCode)
				}
			}
			if _, err := a.store.Connection(context.Background(), 1); err != nil {
				t.Errorf("bob's delete must not delete: %v", err)
			}
			_, body = boss.get("/connections")
			if got := textAt(t, body, "#conn-row-1 .small"); !strings.Contains(got, "alice@example.com") {
				t.Errorf("boss list: want alice's connection with its owner, got %q", got)
			}
			if resp, _ := boss.get("/connections/1"); resp.StatusCode != http.StatusOK {
				t.Errorf("boss opens alice's connection: want 200, got %d", resp.StatusCode)
			}
			if _, body := bob.get("/api/connections"); !strings.Contains(body, `"connections":[]`) {
				t.Errorf("bob's API list: want empty, got %s", body)
			}
		})
	}
}

// Deleting an unused connection erases it; one a simulation uses answers 409 and
// names the simulation.
func TestConnectionDelete(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "", "ALLOW_PRIVATE_TARGETS=true")
			ok := newFakePortal(t, a.store, portalToken, sandbox.Faults{})
			b := a.browser(t)
			b.signUp("owner@example.com", "owner password 1")
			b.get("/connections")
			b.post("/connections", connForm("Used", portalToken, "free", ok.base))
			b.post("/connections", connForm("Unused", portalToken, "free", ok.base))
			seedHubSpotSimulation(t, a.store, a.user(t, "owner@example.com").ID, "Q3 pipeline", 1)

			b.get("/connections/1")
			resp, body := b.post("/connections/1/delete", url.Values{})
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("delete used: want 409, got %d", resp.StatusCode)
			}
			if got := textAt(t, body, "#notice"); !strings.Contains(got, "cannot be deleted: 1 simulation uses it") || !strings.Contains(got, "Q3 pipeline") {
				t.Errorf("delete used: want a clear message naming the simulation, got %q", got)
			}
			if _, err := a.store.Connection(context.Background(), 1); err != nil {
				t.Errorf("used connection must survive: %v", err)
			}
			resp, _ = b.post("/connections/2/delete", url.Values{})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connections" {
				t.Fatalf("delete unused: want 303 to /connections, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, err := a.store.Connection(context.Background(), 2); err != storage.ErrNotFound {
				t.Errorf("deleted connection: want ErrNotFound, got %v", err)
			}

			api := a.apiClient(t, "owner@example.com")
			req, _ := http.NewRequest(http.MethodDelete, "/api/connections/1", nil)
			resp, body = api.do(req)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `"simulations":[`) {
				t.Errorf("API delete used: want 409 naming simulations, got %d %s", resp.StatusCode, body)
			}
		})
	}
}

// seedHubSpotSimulation stores a simulation that targets a connection.
func seedHubSpotSimulation(t *testing.T, st *storage.Store, userID int64, name string, connID int64) storage.Simulation {
	t.Helper()
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	s := storage.Simulation{UserID: userID, Name: name, Scenario: "b2b", Distribution: "linear", StartAt: start,
		EndAt: start.Add(24 * time.Hour), TimeZone: "UTC", TotalRecords: 100, EffectiveTotal: 80, PaceMode: "backfill",
		TargetKind: storage.TargetHubSpot, ConnectionID: &connID, Seed: 42}
	if err := st.CreateSimulation(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// The JSON API mirrors the pages and never returns the token.
func TestConnectionsAPI(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "ALLOW_PRIVATE_TARGETS=true")
	ok := newFakePortal(t, a.store, portalToken, sandbox.Faults{})
	a.browser(t).signUp("owner@example.com", "owner password 1")
	api := a.apiClient(t, "owner@example.com")

	resp, body := api.postJSON("/api/connections", `{"name":"API portal","token":"`+portalToken+`","tier":"enterprise","baseUrl":"`+ok.base+`"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: want 201, got %d %s", resp.StatusCode, body)
	}
	var got connectionJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "API portal" || got.Tier != "enterprise" || !got.ValidationOK || got.ValidatedAt == nil {
		t.Errorf("create: want a validated enterprise connection, got %+v", got)
	}
	if strings.Contains(body, portalToken) || strings.Contains(body, "token") {
		t.Errorf("create: the answer must not carry the token: %s", body)
	}
	resp, body = api.postJSON("/api/connections", `{"name":"","token":"","tier":"gold","baseUrl":"ftp://x"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad create: want 422, got %d", resp.StatusCode)
	}
	for _, f := range []string{`"name"`, `"token"`, `"tier"`, `"baseURL"`} {
		if !strings.Contains(body, f) {
			t.Errorf("bad create: want a message for %s, got %s", f, body)
		}
	}
	if resp, _ := api.postJSON("/api/connections", `[1,2]`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("not an object: want 400, got %d", resp.StatusCode)
	}
	if resp, body := api.postJSON("/api/connections/1/validate", ``); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"validationOk":true`) {
		t.Errorf("validate: want 200 ok, got %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodDelete, "/api/connections/1", nil)
	if resp, _ := api.do(req); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: want 204, got %d", resp.StatusCode)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// A token sealed under another TOKEN_ENC_SECRET cannot be opened: revalidating
// says so instead of failing with a 500.
func TestConnectionUndecryptableToken(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "ALLOW_PRIVATE_TARGETS=true")
	b := a.browser(t)
	b.signUp("owner@example.com", "owner password 1")
	conn := storage.Connection{UserID: a.user(t, "owner@example.com").ID, Name: "Old key", BaseURL: "https://api.hubapi.com",
		Tier: "free", TokenCiphertext: []byte("sealed under a key this server does not have")}
	if err := a.store.CreateConnection(context.Background(), &conn); err != nil {
		t.Fatal(err)
	}
	b.get("/connections/1")
	resp, body := b.post("/connections/1/validate", url.Values{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revalidate: want 200, got %d", resp.StatusCode)
	}
	if got := textAt(t, body, ".validation-message"); !strings.Contains(got, "cannot be decrypted") {
		t.Errorf("revalidate: want the key problem explained, got %q", got)
	}
	if got := textAt(t, body, "h1 .badge"); got != "Problem" {
		t.Errorf("badge: want Problem, got %q", got)
	}
}
