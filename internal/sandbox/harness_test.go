package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

const testToken = "pat-na1-sandbox-test-token-0123456789"

// env is one running sandbox on one dialect, reached over HTTP on a free port.
type env struct {
	dialect string
	store   *sandboxstore.Store
	sb      *sandbox.Server
	base    string
	client  *hubspot.Client // requests and responses checked against the specs
	http    *http.Client    // the same, for raw calls
	loose   *http.Client    // responses checked, requests not (deliberately bad calls)
	clock   *fakeClock
}

// fakeClock is the rate limiter's clock in tests; zero means real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// unlimited turns rate limits off, for tests about something else.
var unlimited = sandbox.Limits{}

// eachDialect runs fn against a fresh sandbox per dialect (SQLite always, MySQL when
// MYSQL_DSN is set).
func eachDialect(t *testing.T, opts sandbox.Options, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) { fn(t, start(t, d, opts)) })
	}
}

func openStore(t testing.TB, d testenv.Dialect) *sandboxstore.Store {
	t.Helper()
	st, err := storage.Open(context.Background(), d.Name, d.DSN)
	if err != nil {
		t.Fatalf("%s: open: %v", d.Name, err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("%s: migrate: %v", d.Name, err)
	}
	return st.Sandbox()
}

func start(t testing.TB, d testenv.Dialect, opts sandbox.Options) *env {
	t.Helper()
	e := &env{dialect: d.Name, store: openStore(t, d), clock: &fakeClock{}}
	if opts.Token == "" {
		opts.Token = testToken
	}
	opts.Now = e.clock.now
	e.sb = sandbox.New(e.store, opts)
	e.base = serve(t, e.sb)
	v := hubspottest.MustLoad(t, e.base)
	e.http = &http.Client{Transport: v.Transport(t, nil)}
	e.loose = &http.Client{Transport: responseValidator{v: v, t: t}}
	c, err := hubspot.NewClient(e.base, opts.Token, hubspot.WithHTTPClient(e.http))
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

// serve runs the sandbox alone on a free local port and returns its base URL.
func serve(t testing.TB, sb *sandbox.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := sb.Handler()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// responseValidator checks only answers against the specs.
type responseValidator struct {
	v *hubspottest.Validator
	t testing.TB
}

func (rv responseValidator) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	probe := r.Clone(r.Context())
	probe.Body = nil
	if err := rv.v.ValidateResponse(probe, resp.StatusCode, resp.Header, body); err != nil {
		rv.t.Errorf("response does not match HubSpot's OpenAPI spec: %v", err)
	}
	return resp, nil
}

// answer is a raw response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, a.body)
	}
	return m
}

// call sends a request with the sandbox's token through a validating client.
func (e *env) call(t testing.TB, c *http.Client, method, path, body string, header ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// do is call through the fully validating client.
func (e *env) do(t testing.TB, method, path, body string, header ...string) answer {
	t.Helper()
	return e.call(t, e.http, method, path, body, header...)
}

// offSpec is call for paths the specs do not have (nothing to validate against).
func (e *env) offSpec(t testing.TB, method, path, body string, header ...string) answer {
	t.Helper()
	return e.call(t, http.DefaultClient, method, path, body, header...)
}

// bad is call for requests that are meant to break the rules.
func (e *env) bad(t testing.TB, method, path, body string, header ...string) answer {
	t.Helper()
	return e.call(t, e.loose, method, path, body, header...)
}

// wantError checks a HubSpot error body: status, category, and (when code is not
// empty) the code of its first errors[] entry.
func wantError(t testing.TB, a answer, status int, category, code string) map[string]any {
	t.Helper()
	if a.status != status {
		t.Fatalf("status: want %d, got %d: %s", status, a.status, a.body)
	}
	m := a.json(t)
	if m["status"] != "error" || m["category"] != category {
		t.Errorf("body: want status error, category %s; got %s", category, a.body)
	}
	if id, _ := m["correlationId"].(string); len(id) != 36 {
		t.Errorf("correlationId: want a uuid, got %q", id)
	}
	if code != "" {
		errs, _ := m["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("want errors[] with code %s, got %s", code, a.body)
		}
		if got := errs[0].(map[string]any)["code"]; got != code {
			t.Errorf("errors[0].code: want %s, got %v (%s)", code, got, a.body)
		}
	}
	return m
}

func props(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
