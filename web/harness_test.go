package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// testApp is the whole web side as main builds it, on real stores: the real
// engine, a queue and the built-in sandbox, served on a loopback listener (the
// engine reaches the sandbox over HTTP, as in production). Everything it logs, at
// debug level, is in logs.
type testApp struct {
	app     *fiber.App
	store   *storage.Store
	redis   *storage.Redis
	engine  *jobs.Engine
	sb      *sandbox.Server
	cfg     config.Config
	log     *slog.Logger
	logs    *logBuffer
	url     string // http://127.0.0.1:port
	metrics *Metrics
	notify  *jobs.Notifier
}

// newTestApp builds the app on a migrated database of a dialect and on redisURL
// ("" gives the test's own Redis from testenv), with settings from env
// ("NAME=value") over the defaults.
func newTestApp(t *testing.T, d testenv.Dialect, redisURL string, env ...string) *testApp {
	t.Helper()
	ctx := context.Background()
	dataDir := t.TempDir()
	cfg, err := config.Load(func(k string) string {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		if k == "DATA_DIR" {
			return dataDir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := config.EnsureSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(ctx, d.Name, d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if redisURL == "" {
		redisURL = testenv.RedisURL(t)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rdb, err := storage.OpenRedis(ctx, redisURL, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	queue := asynq.NewClientFromRedisClient(rdb.Client)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg.SandboxURL = base + sandbox.MountPath
	sb := sandbox.New(store.Sandbox(), sandbox.Options{Token: cfg.SandboxToken, Limits: sandbox.DefaultLimits(), Log: log})
	engine, err := jobs.New(jobs.Options{Config: cfg, Store: store, Redis: rdb, Queue: queue, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	metrics := NewMetrics(store, rdb, log)
	box, err := secret.NewBox(cfg.TokenEncSecret)
	if err != nil {
		t.Fatal(err)
	}
	// Test webhooks listen on loopback, which the production client refuses.
	notifier := jobs.NewNotifier(jobs.NotifierOptions{Store: store, Queue: queue, Box: box, HTTP: &http.Client{Timeout: 5 * time.Second},
		Log: log, Interval: 200 * time.Millisecond, Backoff: []time.Duration{time.Second}})
	app := New(Deps{Config: cfg, Store: store, Redis: rdb, Queue: queue, Lifecycle: engine.Lifecycle, Progress: engine.Progress,
		Notifier: notifier, Sandbox: sb, Log: log, Metrics: metrics})
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &testApp{app: app, store: store, redis: rdb, engine: engine, notify: notifier, sb: sb, cfg: cfg, log: log, logs: logs, url: base,
		metrics: metrics}
}

// runWorkers runs the engine's task handlers and its loop, as a worker process
// does, until the test ends.
func (a *testApp) runWorkers(t *testing.T) {
	t.Helper()
	srv := jobs.NewServer(a.redis.Client, jobs.ServerOptions{Concurrency: 8, ShutdownTimeout: 2 * time.Second, Log: a.log,
		RetryDelay: a.engine.Worker.RetryDelay, ErrorHandler: asynq.ErrorHandlerFunc(a.engine.Worker.HandleError)})
	mux := asynq.NewServeMux()
	mux.Use(jobs.Instrument(a.redis))
	mux.Handle(jobs.TypeNoop, jobs.NoopHandler(nil))
	a.engine.Worker.Register(mux)
	a.notify.Register(mux)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, notified := make(chan struct{}), make(chan struct{})
	go func() { a.engine.Reconciler.Run(ctx); close(done) }()
	go a.redis.Heartbeat(ctx, storage.NewWorkerID())
	go func() { a.notify.Run(ctx); close(notified) }()
	t.Cleanup(func() { srv.Shutdown(); cancel(); <-done; <-notified })
}

// browser keeps cookies and the page's CSRF token like a real one would.
type browser struct {
	t       *testing.T
	a       *testApp
	cookies map[string]string
	csrf    string
	bearer  string
}

func (a *testApp) browser(t *testing.T) *browser {
	return &browser{t: t, a: a, cookies: map[string]string{}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if b.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+b.bearer)
	}
	resp, err := b.a.app.Test(req, -1)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body))); err == nil {
		if v, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
			b.csrf = v
		}
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post submits a form with this browser's CSRF token unless the form sets _csrf.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signUp creates an account through the form and leaves the browser signed in.
// Once sign-up is closed (SIGNUP=first-only after the first account), the account
// joins as a player through an invite link, as an invited person would.
func (b *browser) signUp(email, password string) {
	b.t.Helper()
	path := "/signup"
	if n, err := b.a.store.UserCount(context.Background()); err != nil {
		b.t.Fatal(err)
	} else if n > 0 && b.a.cfg.Signup != config.SignupOpen {
		path = b.a.invite(b.t, storage.RolePlayer)
	}
	b.get(path)
	resp, body := b.post(path, url.Values{"email": {email}, "password": {password}, "confirm": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign up %s at %s: want 303, got %d: %s", email, path, resp.StatusCode, body)
	}
}

// invite stores an invite link with a role, made by the first boss, and returns
// its path.
func (a *testApp) invite(t *testing.T, role string) string {
	t.Helper()
	users, err := a.store.Users(context.Background())
	if err != nil || len(users) == 0 {
		t.Fatalf("an invite needs a boss: %v", err)
	}
	token := auth.NewToken()
	l := storage.AccountLink{Kind: storage.LinkInvite, Role: role, CreatedBy: users[0].ID, ExpiresAt: time.Now().Add(time.Hour)}
	if err := a.store.CreateAccountLink(context.Background(), &l, auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	return "/invite/" + token
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// postJSON sends a JSON body (the CSRF header too, as the pages' htmx would).
func (b *browser) postJSON(path, body string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// htmx requests a fragment the way htmx does.
func (b *browser) htmx(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// user returns a signed-up account by email.
func (a *testApp) user(t *testing.T, email string) storage.User {
	t.Helper()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

// apiClient is a browser that calls the API with a fresh bearer token of an account.
func (a *testApp) apiClient(t *testing.T, email string) *browser {
	t.Helper()
	token := auth.NewToken()
	if _, err := a.store.CreateAPIToken(context.Background(), a.user(t, email).ID, "test", auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	b.bearer = token
	return b
}

// seedSimulation stores a simulation directly (no engine) and moves it to status.
func (a *testApp) seedSimulation(t *testing.T, userID int64, name, status string) storage.Simulation {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	s := storage.Simulation{UserID: userID, Name: name, Scenario: "b2b", Distribution: "linear", StartAt: start,
		EndAt: start.Add(24 * time.Hour), TimeZone: "UTC", TotalRecords: 100, EffectiveTotal: 80, PaceMode: "backfill",
		TargetKind: storage.TargetSandbox, Seed: 42}
	if err := a.store.CreateSimulation(ctx, &s); err != nil {
		t.Fatal(err)
	}
	path := map[string][]string{
		storage.StatusQueued:    nil,
		storage.StatusRunning:   {storage.StatusRunning},
		storage.StatusPaused:    {storage.StatusRunning, storage.StatusPaused},
		storage.StatusCompleted: {storage.StatusRunning, storage.StatusCompleted},
		storage.StatusAborted:   {storage.StatusAborted},
		storage.StatusFailed:    {storage.StatusRunning, storage.StatusFailed},
	}[status]
	for _, to := range path {
		var err error
		if s, err = a.store.TransitionSimulation(ctx, s.ID, []string{s.Status}, to, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
