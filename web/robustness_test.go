package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Every registered route, called by every kind of caller with hostile path
// parameters, bodies and query strings, answers below 500: bad input is the
// caller's problem (4xx) and never a crash or a 500.
func TestEveryRouteRefusesBadInputWithout5xx(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			w := newRouteWalk(t, newTestApp(t, d, ""))
			w.walk()
		})
	}
}

// A caller of the walk: how it authenticates.
type walkIdentity struct {
	name string
	b    *browser
}

// routeWalk holds the app, its callers and the real ids the walk substitutes.
type routeWalk struct {
	t          *testing.T
	a          *testApp
	identities []walkIdentity
	sandbox    walkIdentity // the sandbox's own bearer token, for /sandbox/hubspot
	ids        []string     // real ids: both users' simulations, connections, a DLQ row, a sandbox record
	tokens     []string     // real :token values: an open invite and an open reset link
	requests   int
	refused    int                    // requests too long for the server to read at all
	route      string                 // the route being walked
	statuses   map[string]map[int]int // "METHOD path as identity" → status → count, for -v
	offenders  []string
}

const (
	walkBossEmail    = "boss@example.com"
	walkPlayerEmail  = "player@example.com"
	walkAPIBossEmail = "api-boss@example.com"
	walkPassword     = "walk password 1"
)

func newRouteWalk(t *testing.T, a *testApp) *routeWalk {
	t.Helper()
	ctx := context.Background()
	w := &routeWalk{t: t, a: a, statuses: map[string]map[int]int{}}
	boss := a.browser(t)
	boss.signUp(walkBossEmail, walkPassword) // the first account is the boss
	player := a.browser(t)
	player.signUp(walkPlayerEmail, walkPassword)
	anon := a.browser(t)
	anon.get("/login") // a CSRF cookie and token, so its posts reach the handlers
	// The API's boss is a second one: replay calls are limited per user, and each
	// boss should get a real replay through.
	a.browser(t).signUp(walkAPIBossEmail, walkPassword)
	if err := a.store.SetUserRole(ctx, a.user(t, walkAPIBossEmail).ID, storage.RoleBoss); err != nil {
		t.Fatal(err)
	}
	bossAPI := a.apiClient(t, walkAPIBossEmail)
	sbx := a.browser(t)
	sbx.bearer = a.cfg.SandboxToken
	w.identities = []walkIdentity{{"anonymous", anon}, {"player", player}, {"boss", boss}, {"boss-api-token", bossAPI}}
	w.sandbox = walkIdentity{"sandbox-token", sbx}

	// The sandbox's rate limits off, so its handlers see the walk's input, not 429s.
	if status, body, _ := bossAPI.api(http.MethodPut, "/api/sandbox/limits", map[string]int{"burst": 0, "daily": 0, "searchPerSecond": 0}); status != http.StatusOK {
		t.Fatalf("sandbox limits off: want 200, got %d %v", status, body)
	}

	// Real things for :id routes: the boss creates a simulation and a connection
	// through the forms; the player owns a simulation and a connection too.
	resp, body := boss.post("/simulations", validForm())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("boss's simulation: want 303, got %d %s", resp.StatusCode, textAt(t, body, ".field-error, #form-error"))
	}
	bossSim := strings.TrimPrefix(resp.Header.Get("Location"), "/simulations/")
	playerSim := a.seedSimulation(t, a.user(t, walkPlayerEmail).ID, "player's", storage.StatusRunning)
	w.ids = append(w.ids, bossSim, strconv.FormatInt(playerSim.ID, 10))
	for _, b := range []*browser{boss, player} {
		b.get("/connections")
		resp, body := b.post("/connections", connForm("Walk portal", a.cfg.SandboxToken, "professional", a.cfg.SandboxURL))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("connection: want 303, got %d %s", resp.StatusCode, textAt(t, body, ".field-error, #form-error"))
		}
		w.ids = append(w.ids, strings.TrimPrefix(resp.Header.Get("Location"), "/connections/"))
	}
	row := dlqRows(t, a, playerSim.ID, 1, "server", false)[0]
	w.ids = append(w.ids, strconv.FormatInt(row.ID, 10))
	c, err := hubspot.NewClient(a.cfg.SandboxURL, a.cfg.SandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: map[string]string{
		"email": "walk@example.com", hubspot.SimulationIDProperty: strconv.FormatInt(playerSim.ID, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	w.ids = append(w.ids, rec.ID)
	slices.Sort(w.ids)
	w.ids = slices.Compact(w.ids)
	// Open links for /invite/:token and /reset/:token (the walk may use them up).
	w.tokens = append(w.tokens, strings.TrimPrefix(a.invite(t, storage.RolePlayer), "/invite/"))
	reset := auth.NewToken()
	playerID := a.user(t, walkPlayerEmail).ID
	l := storage.AccountLink{Kind: storage.LinkReset, UserID: &playerID, CreatedBy: a.user(t, walkBossEmail).ID, ExpiresAt: time.Now().Add(time.Hour)}
	if err := a.store.CreateAccountLink(ctx, &l, auth.HashToken(reset)); err != nil {
		t.Fatal(err)
	}
	w.tokens = append(w.tokens, reset)
	return w
}

// walkRoute is one registered method and path.
type walkRoute struct{ method, path string }

// routes lists every route the app registered (the sandbox's too), the ones that
// end something (delete, reset, abort, log out) last so the rest see live data.
func (w *routeWalk) routes() []walkRoute {
	w.a.app.Handler() // mounts the sandbox's routes into the list
	seen := map[walkRoute]bool{}
	var out []walkRoute
	for _, r := range w.a.app.GetRoutes(true) {
		wr := walkRoute{r.Method, r.Path}
		if !seen[wr] {
			seen[wr] = true
			out = append(out, wr)
		}
	}
	rank := func(r walkRoute) int {
		switch {
		case r.path == "/logout":
			return 4
		case strings.HasSuffix(r.path, "/disable") || strings.HasSuffix(r.path, "/role"):
			return 3 // may end the walk's own boss session
		case r.method == http.MethodDelete || strings.HasSuffix(r.path, "/delete") || strings.HasSuffix(r.path, "/reset") ||
			strings.HasSuffix(r.path, "/archive"):
			return 2
		case strings.HasSuffix(r.path, "/abort"):
			return 1
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// paramsIn names the path's parameters in order.
func paramsIn(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			out = append(out, strings.TrimSuffix(name, "?"))
		}
	}
	return out
}

// fill puts values into a path's parameters: value for the i-th one, a real value
// for the others.
func (w *routeWalk) fill(path string, i int, value string) string {
	segs := strings.Split(path, "/")
	n := 0
	for k, seg := range segs {
		name, ok := strings.CutPrefix(seg, ":")
		if !ok {
			continue
		}
		if n == i {
			segs[k] = value
		} else {
			segs[k] = w.realValues(name)[0]
		}
		n++
	}
	return strings.Join(segs, "/")
}

func (w *routeWalk) realValues(param string) []string {
	if v, ok := realParams[strings.TrimSuffix(param, "?")]; ok {
		return v
	}
	if param == "token" {
		return w.tokens
	}
	return w.ids
}

// walk sends every route the hostile matrix and reports every answer of 500 or
// more, and every request that did not finish.
func (w *routeWalk) walk() {
	start := time.Now()
	routes := w.routes()
	for _, r := range routes {
		ids := w.identities
		if strings.HasPrefix(r.path, sandbox.MountPath+"/") {
			ids = append([]walkIdentity{w.sandbox}, ids...)
		}
		w.route = r.path
		for k, id := range ids {
			w.walkRoute(r, id, k)
		}
	}
	w.route = "(outside the route table)"
	for _, p := range []string{"/static/" + url.PathEscape("../../go.mod"), "/static/%00", "/static/" + strings.Repeat("x", 2000), "/nowhere/%zz"} {
		for _, id := range w.identities {
			w.send(id, http.MethodGet, p, walkBody{name: "none"})
		}
	}
	if testing.Verbose() {
		keys := make([]string, 0, len(w.statuses))
		for k := range w.statuses {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w.t.Logf("%s: %v", k, w.statuses[k])
		}
	}
	// The exporter still gathers after all that (a bad label would fail every scrape).
	w.route = "/metrics"
	w.send(w.identities[2], http.MethodGet, "/metrics", walkBody{name: "none"})
	w.t.Logf("%d routes, %d requests (%d refused unread as too long) in %s", len(routes), w.requests, w.refused,
		time.Since(start).Round(time.Millisecond))
	// A recovered panic answers 500 too, but say so plainly.
	for _, line := range strings.Split(w.a.logs.String(), "\n") {
		if strings.Contains(line, "panic in ") {
			w.offenders = append(w.offenders, "  logged: "+clip(line, 400))
		}
	}
	if len(w.offenders) > 0 {
		w.t.Errorf("%d requests answered 5xx or did not finish (want 4xx for bad input):\n%s", len(w.offenders), strings.Join(w.offenders, "\n"))
	}
}

// walkRoute sends one route, as one identity, every hostile value of each path
// parameter, then every body and every query with real parameters. Read-only
// methods get the queries; the others the bodies and a sample of the queries.
func (w *routeWalk) walkRoute(r walkRoute, id walkIdentity, turn int) {
	params := paramsIn(r.path)
	for i, name := range params {
		values := append(slices.Clone(hostileParams), w.realValues(name)...)
		for _, v := range values {
			w.send(id, r.method, w.fill(r.path, i, v), walkBody{name: "none"})
		}
	}
	realPaths := []string{r.path}
	if len(params) > 0 {
		realPaths = realPaths[:0]
		for _, v := range w.realValues(params[0]) {
			realPaths = append(realPaths, w.fill(r.path, 0, v))
		}
	}
	for k, p := range realPaths {
		switch r.method {
		case http.MethodGet, http.MethodHead:
			for _, q := range walkQueries {
				w.send(id, r.method, p+"?"+q, walkBody{name: "none"})
			}
		default:
			// Bodies on one real path per identity in turn; all of them with the boss.
			if k != turn%len(realPaths) && id.name != "boss" {
				continue
			}
			for _, b := range walkBodies {
				w.send(id, r.method, p, b)
			}
			w.send(id, r.method, p+"?"+walkQueries[turn%len(walkQueries)], garbageFormBody)
		}
	}
	// htmx asks for fragments and errors of its own.
	for _, b := range []walkBody{{name: "none"}, garbageFormBody} {
		w.sendAs(id, r.method, realPaths[0]+"?"+walkQueries[turn%len(walkQueries)], b, true)
	}
}

// send makes one request over the app's listener (the real server path: a
// request the server cannot even read gets its answer from there too) and
// records it if it answers 5xx or does not finish.
func (w *routeWalk) send(id walkIdentity, method, target string, b walkBody) {
	w.t.Helper()
	w.sendAs(id, method, target, b, false)
}

// sendAs is send, as htmx sends requests when htmx is set (HX-Request: true).
func (w *routeWalk) sendAs(id walkIdentity, method, target string, b walkBody, htmx bool) {
	w.t.Helper()
	w.requests++
	req, err := http.NewRequest(method, w.a.url, strings.NewReader(b.body))
	if err != nil {
		w.t.Fatal(err)
	}
	path, query, _ := strings.Cut(target, "?")
	req.URL.Opaque, req.URL.RawQuery = path, query // sent as written: escapes and dots untouched
	if b.contentType != "" {
		req.Header.Set("Content-Type", b.contentType)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
		b.name += " (htmx)"
	}
	if id.b.csrf != "" {
		req.Header.Set("X-CSRF-Token", id.b.csrf)
	}
	for k, v := range id.b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if id.b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+id.b.bearer)
	}
	resp, err := walkClient.Do(req)
	if err != nil && len(target) > serverReadBuffer {
		// The server reads no request line longer than its buffer: it answers 431
		// and closes, often before the client has read the answer.
		w.refused++
		return
	}
	if err != nil {
		w.offend(id, method, target, b, 0, err.Error())
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if w.statuses != nil {
		k := method + " " + w.route + " as " + id.name
		if w.statuses[k] == nil {
			w.statuses[k] = map[int]int{}
		}
		w.statuses[k][resp.StatusCode]++
	}
	if resp.StatusCode >= 500 {
		w.offend(id, method, target, b, resp.StatusCode, string(body))
	}
}

// serverReadBuffer is Fiber's default read buffer, the longest request head it reads.
const serverReadBuffer = 4096

// walkClient does not follow redirects: a 303 is an answer of its own.
var walkClient = &http.Client{Timeout: 20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (w *routeWalk) offend(id walkIdentity, method, target string, b walkBody, status int, body string) {
	w.offenders = append(w.offenders, fmt.Sprintf("  %s %s as %s, body %s: %d %q", method, clip(target, 160), id.name, b.name,
		status, clip(strings.Join(strings.Fields(body), " "), 300)))
}
