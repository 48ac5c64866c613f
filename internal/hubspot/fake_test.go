package hubspot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
)

// basePath mounts the fake below a path, as the sandbox is, so base URLs with a
// path are exercised everywhere.
const basePath = "/sandbox/hubspot"

const testToken = "pat-na1-00000000-0000-0000-0000-000000000000"

// recorded is one request the fake received, path relative to the base.
type recorded struct {
	Method string
	Path   string
	Query  string
	Body   []byte
	Header http.Header
}

// fakeHubSpot is an httptest server below basePath that records requests, checks
// every exchange against HubSpot's OpenAPI specs and answers with respond.
type fakeHubSpot struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

// newFake starts a fake; validate=false skips the OpenAPI check (for answers HubSpot
// sends outside its spec, such as an HTML 502 from a proxy); configure runs before
// the server starts.
func newFake(t *testing.T, validate bool, respond http.HandlerFunc, configure ...func(*http.Server)) *fakeHubSpot {
	t.Helper()
	f := &fakeHubSpot{t: t}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method: r.Method,
			Path:   strings.TrimPrefix(r.URL.EscapedPath(), basePath),
			Query:  r.URL.RawQuery,
			Body:   body,
			Header: r.Header.Clone(),
		})
		f.mu.Unlock()
		respond(w, r)
	})
	f.srv = httptest.NewUnstartedServer(h)
	if validate {
		// The specs' servers entry is replaced by this server's base URL.
		v := hubspottest.MustLoad(t, "http://"+f.srv.Listener.Addr().String()+basePath)
		f.srv.Config.Handler = v.Handler(t, h)
	}
	for _, fn := range configure {
		fn(f.srv.Config)
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHubSpot) URL() string { return f.srv.URL + basePath }

func (f *fakeHubSpot) client(opts ...hubspot.Option) *hubspot.Client {
	f.t.Helper()
	c, err := hubspot.NewClient(f.URL(), testToken, opts...)
	if err != nil {
		f.t.Fatalf("NewClient: %v", err)
	}
	return c
}

func (f *fakeHubSpot) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// reply writes a JSON answer.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// assertJSONEqual compares two JSON documents semantically.
func assertJSONEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: got invalid JSON %q: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want is invalid JSON %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, got, want)
	}
}

// Canned answers in HubSpot's shapes.

const ts = "2024-05-01T10:00:00.000Z"

func objectJSON(id string, props string) string {
	return `{"id":"` + id + `","properties":` + props + `,"createdAt":"` + ts + `","updatedAt":"` + ts + `","archived":false}`
}

func batchJSON(results ...string) string {
	return `{"status":"COMPLETE","results":[` + strings.Join(results, ",") + `],"startedAt":"` + ts + `","completedAt":"` + ts + `"}`
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
