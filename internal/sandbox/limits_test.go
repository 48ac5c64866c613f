package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
)

func TestAuthentication(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.DefaultLimits()}, func(t *testing.T, e *env) {
		cases := []struct {
			name  string
			authz string
		}{
			{"no header", ""},
			{"wrong token", "Bearer pat-na1-wrong"},
			{"not bearer", "Basic " + testToken},
		}
		for _, tc := range cases {
			a := e.do(t, "GET", "/crm/v3/objects/contacts", "", "Authorization", tc.authz)
			wantError(t, a, 401, "INVALID_AUTHENTICATION", "")
			if got := a.header.Get("X-HubSpot-Auth-Failure"); got != "401 Unauthorized" {
				t.Errorf("%s: X-HubSpot-Auth-Failure: want \"401 Unauthorized\", got %q", tc.name, got)
			}
			if a.header.Get("X-HubSpot-RateLimit-Max") != "" {
				t.Errorf("%s: an unauthenticated call counts against no token's limits", tc.name)
			}
		}
		_, err := e.client.Owners(context.Background(), hubspot.OwnerQuery{})
		if err != nil {
			t.Errorf("with the token: %v", err)
		}
		bad, _ := hubspot.NewClient(e.base, "pat-na1-nope", hubspot.WithHTTPClient(e.http))
		_, err = bad.Owners(context.Background(), hubspot.OwnerQuery{})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 401 || he.AuthFailure != "401 Unauthorized" || hubspot.Classify(err) != hubspot.CategoryAuth {
			t.Errorf("client with a wrong token: want a typed 401 auth error, got %v", err)
		}
	})
}

func TestForcedAuthFaults(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		if err := e.sb.SetFaults(sandbox.Faults{Force401: true}); err != nil {
			t.Fatal(err)
		}
		a := e.do(t, "GET", "/crm/v3/objects/contacts", "")
		wantError(t, a, 401, "INVALID_AUTHENTICATION", "")
		if a.header.Get("X-HubSpot-Auth-Failure") == "" {
			t.Errorf("forced 401: want X-HubSpot-Auth-Failure")
		}

		if err := e.sb.SetFaults(sandbox.Faults{Force403: true}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			method, path, body, scope string
		}{
			{"POST", "/crm/v3/objects/contacts/batch/create", `{"inputs":[]}`, "crm.objects.contacts.write"},
			{"GET", "/crm/v3/objects/deals", "", "crm.objects.deals.read"},
			{"POST", "/crm/v3/objects/tickets", `{"properties":{},"associations":[]}`, "tickets"},
			{"POST", "/crm/v3/objects/notes/batch/create", `{"inputs":[]}`, "crm.objects.contacts.write"},
			{"GET", "/crm/v3/owners", "", "crm.objects.owners.read"},
		}
		for _, tc := range cases {
			m := wantError(t, e.do(t, tc.method, tc.path, tc.body), 403, "MISSING_SCOPES", "")
			errs, _ := m["errors"].([]any)
			if len(errs) == 0 {
				t.Fatalf("403: want errors[] with requiredScopes, got %v", m)
			}
			scopes, _ := errs[0].(map[string]any)["context"].(map[string]any)["requiredScopes"].([]any)
			if len(scopes) != 1 || scopes[0] != tc.scope {
				t.Errorf("%s %s: requiredScopes: want [%s], got %v", tc.method, tc.path, tc.scope, scopes)
			}
		}
		_, err := e.client.Owners(context.Background(), hubspot.OwnerQuery{})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 403 || len(he.RequiredScopes()) == 0 {
			t.Errorf("client under forced 403: want a typed 403 with required scopes, got %v", err)
		}
		// A wrong token is still a 401 first.
		wantError(t, e.do(t, "GET", "/crm/v3/owners", "", "Authorization", "Bearer nope"), 401, "INVALID_AUTHENTICATION", "")
		if err := e.sb.SetFaults(sandbox.Faults{}); err != nil {
			t.Fatal(err)
		}
		if a := e.do(t, "GET", "/crm/v3/owners", ""); a.status != 200 {
			t.Errorf("faults off: want 200, got %d", a.status)
		}
	})
}

func headerInt(t *testing.T, a answer, name string) int {
	t.Helper()
	v := a.header.Get(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("header %s: want a number, got %q", name, v)
	}
	return n
}

func TestTenSecondlyRollingWindow(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.Limits{Burst: 3, Daily: 1000}}, func(t *testing.T, e *env) {
		t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		e.clock.set(t0)
		get := func() answer { return e.do(t, "GET", "/crm/v3/owners", "") }
		// Calls at 0 s, 4 s and 8 s fill the window of 3.
		for i, at := range []time.Duration{0, 4 * time.Second, 8 * time.Second} {
			e.clock.set(t0.Add(at))
			a := get()
			if a.status != 200 {
				t.Fatalf("call %d: want 200, got %d", i, a.status)
			}
			if got := headerInt(t, a, "X-HubSpot-RateLimit-Remaining"); got != 2-i {
				t.Errorf("call %d: Remaining: want %d, got %d", i, 2-i, got)
			}
			if headerInt(t, a, "X-HubSpot-RateLimit-Max") != 3 || headerInt(t, a, "X-HubSpot-RateLimit-Interval-Milliseconds") != 10000 {
				t.Errorf("call %d: Max/Interval: got %v", i, a.header)
			}
			if headerInt(t, a, "X-HubSpot-RateLimit-Daily") != 1000 || headerInt(t, a, "X-HubSpot-RateLimit-Daily-Remaining") != 999-i {
				t.Errorf("call %d: daily headers: got %v", i, a.header)
			}
			for _, h := range []string{"X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Secondly-Remaining"} {
				headerInt(t, a, h)
			}
		}
		// At 9.999 s the call of 0 s is still in the rolling window: refused.
		e.clock.set(t0.Add(9999 * time.Millisecond))
		a := get()
		if a.status != 429 {
			t.Fatalf("fourth call inside 10 s: want 429, got %d", a.status)
		}
		m := a.json(t)
		if m["status"] != "error" || m["errorType"] != "RATE_LIMIT" || m["policyName"] != "TEN_SECONDLY_ROLLING" ||
			m["message"] != "You have reached your ten_secondly_rolling limit." || len(m["correlationId"].(string)) != 36 || m["requestId"] == "" {
			t.Errorf("429 body: got %s", a.body)
		}
		if headerInt(t, a, "X-HubSpot-RateLimit-Remaining") != 0 {
			t.Errorf("429: Remaining: want 0")
		}
		// Just after 10 s the first call has left the window; one call fits, not two.
		e.clock.set(t0.Add(10*time.Second + time.Millisecond))
		if a := get(); a.status != 200 {
			t.Errorf("after the first call left the window: want 200, got %d", a.status)
		}
		if a := get(); a.status != 429 {
			t.Errorf("the window is full again: want 429, got %d", a.status)
		}
		// The client sees a typed rate-limit error with the policy.
		_, err := e.client.Owners(context.Background(), hubspot.OwnerQuery{})
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != 429 || he.PolicyName != hubspot.PolicyTenSecondlyRolling || he.IsDailyLimit() {
			t.Errorf("client: want a TEN_SECONDLY_ROLLING 429, got %v", err)
		}
		// Errors carry the headers too.
		e.clock.set(t0.Add(time.Minute))
		a = e.do(t, "GET", "/crm/v3/objects/contacts/987654321", "")
		if a.status != 404 || a.header.Get("X-HubSpot-RateLimit-Remaining") == "" {
			t.Errorf("404: want rate-limit headers, got %d %v", a.status, a.header)
		}
		// Search is exempt from the window and sends no rate-limit headers.
		for i := 0; i < 3; i++ {
			get()
		}
		a = e.do(t, "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":10,"after":"0"}`)
		if a.status != 200 || a.header.Get("X-HubSpot-RateLimit-Max") != "" {
			t.Errorf("search with a full window: want 200 without rate-limit headers, got %d %v", a.status, a.header)
		}
	})
}

func TestSearchSecondlyLimit(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.Limits{SearchPerSecond: 2}}, func(t *testing.T, e *env) {
		t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		e.clock.set(t0)
		search := func() answer {
			return e.do(t, "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":10,"after":"0"}`)
		}
		search()
		search()
		a := search()
		if a.status != 429 || a.json(t)["policyName"] != "SECONDLY" {
			t.Errorf("third search in a second: want 429 SECONDLY, got %d %s", a.status, a.body)
		}
		e.clock.advance(time.Second)
		if a := search(); a.status != 200 {
			t.Errorf("a second later: want 200, got %d", a.status)
		}
	})
}

func TestDailyLimit(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.Limits{Burst: 100, Daily: 3}}, func(t *testing.T, e *env) {
		t0 := time.Date(2025, 6, 1, 23, 59, 0, 0, time.UTC)
		e.clock.set(t0)
		for i := 0; i < 3; i++ {
			e.clock.advance(time.Second)
			if a := e.do(t, "GET", "/crm/v3/owners", ""); a.status != 200 {
				t.Fatalf("call %d: want 200, got %d", i, a.status)
			}
		}
		a := e.do(t, "GET", "/crm/v3/owners", "")
		if a.status != 429 || a.json(t)["policyName"] != "DAILY" || a.json(t)["message"] != "You have reached your daily limit." {
			t.Fatalf("fourth call of the day: want 429 DAILY, got %d %s", a.status, a.body)
		}
		if headerInt(t, a, "X-HubSpot-RateLimit-Daily-Remaining") != 0 {
			t.Errorf("Daily-Remaining: want 0")
		}
		_, err := e.client.Owners(context.Background(), hubspot.OwnerQuery{})
		var he *hubspot.Error
		if !errors.As(err, &he) || !he.IsDailyLimit() {
			t.Errorf("client: want a DAILY 429, got %v", err)
		}
		// Midnight UTC starts a new day.
		e.clock.set(time.Date(2025, 6, 2, 0, 0, 1, 0, time.UTC))
		a = e.do(t, "GET", "/crm/v3/owners", "")
		if a.status != 200 || headerInt(t, a, "X-HubSpot-RateLimit-Daily-Remaining") != 2 {
			t.Errorf("next day: want 200 with 2 left, got %d %v", a.status, a.header)
		}
		u := e.sb.Usage()
		if u.DailyUsed != 1 || u.Daily != 3 {
			t.Errorf("usage: got %+v", u)
		}
	})
}

func TestLimitsOff(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		for i := 0; i < 150; i++ {
			a := e.do(t, "GET", "/crm/v3/owners", "")
			if a.status != 200 {
				t.Fatalf("call %d with limits off: want 200, got %d", i, a.status)
			}
			if a.header.Get("X-HubSpot-RateLimit-Max") != "" || a.header.Get("X-HubSpot-RateLimit-Daily") != "" {
				t.Fatalf("limits off: want no rate-limit headers, got %v", a.header)
			}
		}
		if err := e.sb.SetLimits(sandbox.Limits{Burst: 2}); err != nil {
			t.Fatal(err)
		}
		e.do(t, "GET", "/crm/v3/owners", "")
		e.do(t, "GET", "/crm/v3/owners", "")
		if a := e.do(t, "GET", "/crm/v3/owners", ""); a.status != 429 {
			t.Errorf("after SetLimits burst 2: want 429 on the third call, got %d", a.status)
		}
		if err := e.sb.SetLimits(sandbox.Limits{Burst: -1}); err == nil {
			t.Errorf("negative burst: want an error")
		}
	})
}

func TestInjectedServerErrorsAndLatency(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: sandbox.DefaultLimits()}, func(t *testing.T, e *env) {
		if err := e.sb.SetFaults(sandbox.Faults{ErrorRate: 1}); err != nil {
			t.Fatal(err)
		}
		statuses := map[int]int{}
		for i := 0; i < 40; i++ {
			a := e.do(t, "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"x@example.com"},"associations":[]}`)
			statuses[a.status]++
			m := a.json(t)
			if m["status"] != "error" || m["category"] == "" || a.header.Get("X-HubSpot-RateLimit-Remaining") == "" {
				t.Errorf("injected %d: want a HubSpot error body with rate-limit headers, got %s", a.status, a.body)
			}
		}
		for status := range statuses {
			if status != 500 && status != 502 && status != 503 && status != 504 {
				t.Errorf("error rate 1: want only 500/502/503/504, got %d", status)
			}
		}
		if len(statuses) < 2 {
			t.Errorf("error rate 1: want a mix of 5xx statuses over 40 calls, got %v", statuses)
		}
		counts, _ := e.sb.Counts(context.Background())
		if counts["contacts"] != 0 {
			t.Errorf("faulted calls change nothing, got %v", counts)
		}
		_, err := e.client.Owners(context.Background(), hubspot.OwnerQuery{})
		if hubspot.Classify(err) != hubspot.CategoryServer {
			t.Errorf("client: want a server failure, got %v", err)
		}

		if err := e.sb.SetFaults(sandbox.Faults{Latency: 150 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		if a := e.do(t, "GET", "/crm/v3/owners", ""); a.status != 200 {
			t.Errorf("with latency: want 200, got %d", a.status)
		}
		if took := time.Since(started); took < 150*time.Millisecond {
			t.Errorf("latency 150ms: call took %v", took)
		}
		if got := e.sb.Faults(); got.Latency != 150*time.Millisecond {
			t.Errorf("Faults(): got %+v", got)
		}
		for _, bad := range []sandbox.Faults{{ErrorRate: 1.5}, {TimeoutRate: -0.1}, {Latency: -time.Second}} {
			if err := e.sb.SetFaults(bad); err == nil {
				t.Errorf("SetFaults(%+v): want an error", bad)
			}
		}
	})
}

func TestInjectedTimeouts(t *testing.T) {
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		// A client that gives up first sees a timeout.
		if err := e.sb.SetFaults(sandbox.Faults{TimeoutRate: 1, TimeoutAfter: 3 * time.Second}); err != nil {
			t.Fatal(err)
		}
		c, _ := hubspot.NewClient(e.base, testToken, hubspot.WithHTTPClient(&http.Client{}), hubspot.WithTimeout(200*time.Millisecond))
		started := time.Now()
		_, err := c.Owners(context.Background(), hubspot.OwnerQuery{})
		if !errors.Is(err, hubspot.ErrTimeout) || hubspot.Classify(err) != hubspot.CategoryTimeout {
			t.Errorf("hanging call: want a client timeout, got %v", err)
		}
		if took := time.Since(started); took > 2*time.Second {
			t.Errorf("the client gave up after %v", took)
		}
		// A patient client gets a 504 once the sandbox stops hanging.
		if err := e.sb.SetFaults(sandbox.Faults{TimeoutRate: 1, TimeoutAfter: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		wantError(t, e.do(t, "GET", "/crm/v3/owners", ""), 504, "GATEWAY_TIMEOUT", "")
	})
}
