package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
)

// The boss sees how to reach the sandbox, and changes its limits and faults at
// runtime; bad values get messages beside their fields and change nothing.
func TestSandboxSettings(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")

			resp, body := boss.get("/sandbox/settings")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /sandbox/settings: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if v, _ := page.Find("#sandbox-token").Attr("value"); v != a.cfg.SandboxToken {
				t.Errorf("token: want SANDBOX_TOKEN %q, got %q", a.cfg.SandboxToken, v)
			}
			if v, _ := page.Find("#sandbox-base-url").Attr("value"); !strings.HasSuffix(v, sandbox.MountPath) || !strings.HasPrefix(v, "http") {
				t.Errorf("base URL: want an absolute URL ending in %s, got %q", sandbox.MountPath, v)
			}
			if got := textAt(t, body, "#sandbox-curl"); !strings.Contains(got, "Bearer "+a.cfg.SandboxToken) {
				t.Errorf("curl example: want the bearer token, got %q", got)
			}
			if v, _ := page.Find("#f-burst").Attr("value"); v != "100" {
				t.Errorf("burst field: want the current 100, got %q", v)
			}
			if got := textAt(t, body, "#faults-state"); got != "No faults" {
				t.Errorf("faults: want No faults, got %q", got)
			}

			// Limits.
			resp, body = boss.post("/sandbox/settings/limits", url.Values{"burst": {"-1"}, "daily": {"lots"}, "search": {""}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad limits: want 422, got %d", resp.StatusCode)
			}
			for field, want := range map[string]string{"burst": "from 0 to 100,000", "daily": "whole number", "search": "Enter searches per second"} {
				if got := textAt(t, body, "#err-"+field); !strings.Contains(got, want) {
					t.Errorf("limits %s: want %q beside it, got %q", field, want, got)
				}
			}
			if v, _ := doc(t, body).Find("#f-daily").Attr("value"); v != "lots" {
				t.Errorf("bad limits: the typed value should come back, got %q", v)
			}
			if l := a.sb.Limits(); l != sandbox.DefaultLimits() {
				t.Errorf("bad limits changed the sandbox: %+v", l)
			}
			resp, body = boss.post("/sandbox/settings/limits", url.Values{"burst": {"40"}, "daily": {"0"}, "search": {"2"}})
			if resp.StatusCode != http.StatusOK || !strings.Contains(textAt(t, body, "#notice"), "40 calls per 10 s, no daily limit") {
				t.Errorf("limits: want 200 with a notice, got %d %q", resp.StatusCode, textAt(t, body, "#notice"))
			}
			if l := a.sb.Limits(); l != (sandbox.Limits{Burst: 40, Daily: 0, SearchPerSecond: 2}) {
				t.Errorf("limits applied: want 40/0/2, got %+v", l)
			}

			// Faults.
			resp, body = boss.post("/sandbox/settings/faults", url.Values{"errorRate": {"150"}, "latency": {"-3"}, "timeoutRate": {"x"},
				"timeoutAfter": {"0"}, "force401": {"1"}, "force403": {"1"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("bad faults: want 422, got %d", resp.StatusCode)
			}
			for field, want := range map[string]string{"errorRate": "0 to 100", "latency": "from 0 to 60,000", "timeoutRate": "percentage",
				"timeoutAfter": "from 1 to 600", "force403": "not both"} {
				if got := textAt(t, body, "#err-"+field); !strings.Contains(got, want) {
					t.Errorf("faults %s: want %q beside it, got %q", field, want, got)
				}
			}
			if f := a.sb.Faults(); f != (sandbox.Faults{}) {
				t.Errorf("bad faults changed the sandbox: %+v", f)
			}
			resp, body = boss.post("/sandbox/settings/faults", url.Values{"errorRate": {"12.5"}, "latency": {"250"}, "timeoutRate": {"1"},
				"timeoutAfter": {"30"}, "force403": {"1"}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("faults: want 200, got %d: %s", resp.StatusCode, textAt(t, body, ".field-error"))
			}
			want := sandbox.Faults{ErrorRate: 0.125, Latency: 250 * time.Millisecond, TimeoutRate: 0.01, TimeoutAfter: 30 * time.Second, Force403: true}
			if f := a.sb.Faults(); f != want {
				t.Errorf("faults applied: want %+v, got %+v", want, f)
			}
			if got := textAt(t, body, "#sandbox-faults .fault-on"); !strings.Contains(got, "12.5% 5xx") || !strings.Contains(got, "every call 403") {
				t.Errorf("active faults: want them listed, got %q", got)
			}
			if v, _ := doc(t, body).Find("#f-errorRate").Attr("value"); v != "12.5" {
				t.Errorf("error rate field: want 12.5, got %q", v)
			}
			resp, _ = boss.post("/sandbox/settings/faults", url.Values{"clear": {"1"}, "errorRate": {"junk"}})
			if resp.StatusCode != http.StatusOK || a.sb.Faults() != (sandbox.Faults{}) {
				t.Errorf("clear: want 200 and no faults, got %d %+v", resp.StatusCode, a.sb.Faults())
			}
		})
	}
}

// The mounted sandbox answers HubSpot's API through the app with its own token,
// and the boss's API reads and changes its settings.
func TestSandboxThroughTheApp(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("boss@example.com", "boss password 1")
	call := func(method, path, authz string) *http.Response {
		req := httptest.NewRequest(method, path, nil)
		if authz != "" {
			req.Header.Set("Authorization", "Bearer "+authz)
		}
		resp, err := a.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := call(http.MethodGet, sandbox.MountPath+"/crm/v3/objects/contacts", a.cfg.SandboxToken); resp.StatusCode != http.StatusOK {
		t.Errorf("sandbox API with its token: want 200, got %d", resp.StatusCode)
	}
	if resp := call(http.MethodGet, sandbox.MountPath+"/crm/v3/objects/contacts", "wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sandbox API with a wrong token: want 401, got %d", resp.StatusCode)
	}

	api := a.apiClient(t, "boss@example.com")
	req := httptest.NewRequest(http.MethodPut, "/api/sandbox/limits", strings.NewReader(`{"burst":50,"daily":1000,"searchPerSecond":5}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, body := api.do(req); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"burst":50`) {
		t.Errorf("PUT limits: want 200 with burst 50, got %d %s", resp.StatusCode, body)
	}
	req = httptest.NewRequest(http.MethodPut, "/api/sandbox/faults", strings.NewReader(`{"errorRate":2}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, body := api.do(req); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"errorRate"`) {
		t.Errorf("PUT bad faults: want 422 naming errorRate, got %d %s", resp.StatusCode, body)
	}
	if resp, body := api.get("/api/sandbox"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"daily":1000`) {
		t.Errorf("GET /api/sandbox: want the new limits, got %d %s", resp.StatusCode, body)
	}
}
