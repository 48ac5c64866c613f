package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// testApp is the whole web side on real stores.
type testApp struct {
	app   *fiber.App
	store *storage.Store
	redis *storage.Redis
	cfg   config.Config
}

// newTestApp builds the app on a migrated database of a dialect and on redisURL
// ("" gives the test's own Redis from testenv).
func newTestApp(t *testing.T, d testenv.Dialect, redisURL string) *testApp {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		if k == "DATA_DIR" {
			return t.TempDir()
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rdb, err := storage.OpenRedis(ctx, redisURL, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	app := New(Deps{Config: cfg, Store: store, Redis: rdb, Log: log})
	return &testApp{app: app, store: store, redis: rdb, cfg: cfg}
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
func (b *browser) signUp(email, password string) {
	b.t.Helper()
	b.get("/signup")
	resp, body := b.post("/signup", url.Values{"email": {email}, "password": {password}, "confirm": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign up %s: want 303, got %d: %s", email, resp.StatusCode, body)
	}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
