package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/testenv"
)

func TestSignUpLogInLogOut(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signup" {
				t.Fatalf("first visit to a new installation: want redirect to /signup, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			b.signUp("Boss@Example.com", "correct horse battery")
			resp, body := b.get("/")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("dashboard: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if got := page.Find(".who .email").Text(); got != "boss@example.com" {
				t.Errorf("header email: want boss@example.com, got %q", got)
			}
			if page.Find(".who .role").Text() != "boss" {
				t.Errorf("the first account must be a boss")
			}
			if resp, _ := b.post("/logout", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: want 303, got %d", resp.StatusCode)
			}
			if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
				t.Fatalf("after logout: want redirect to /login, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			b.get("/login")
			resp, body = b.post("/login", url.Values{"email": {"boss@example.com"}, "password": {"wrong password!"}})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(doc(t, body).Find("#form-error").Text(), "Wrong email or password") {
				t.Fatalf("wrong password: want 401 with message, got %d", resp.StatusCode)
			}
			resp, _ = b.post("/login", url.Values{"email": {"BOSS@example.com "}, "password": {"correct horse battery"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: want 303, got %d", resp.StatusCode)
			}
			if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
				t.Fatalf("signed in again: want 200, got %d", resp.StatusCode)
			}
		})
	}
}

func TestFormWithoutCSRFTokenIsForbidden(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.get("/signup")
	for _, token := range []string{"", "forged"} {
		resp, body := b.post("/signup", url.Values{"_csrf": {token}, "email": {"x@example.com"}, "password": {"long enough pw"}, "confirm": {"long enough pw"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("csrf %q: want 403, got %d", token, resp.StatusCode)
		}
		if !strings.Contains(body, "expired") {
			t.Errorf("403 page should explain: %s", body)
		}
	}
	if _, err := a.store.UserByEmail(t.Context(), "x@example.com"); err == nil {
		t.Fatalf("a forged form must not create an account")
	}
}

func TestPlayerGetsForbiddenOnBossRoutes(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("boss@example.com", "boss password 1")
	player := a.browser(t)
	player.signUp("player@example.com", "player password 1")
	for _, path := range []string{"/boss/", "/boss/dlq", "/api/users"} {
		resp, body := player.get(path)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: want 403, got %d", path, resp.StatusCode)
		}
		if strings.HasPrefix(path, "/api/") && !strings.Contains(body, `"requiredRole":"boss"`) {
			t.Errorf("%s: want requiredRole boss in %s", path, body)
		}
	}
}

func TestSignUpRejectsBadInputBesideTheField(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "SIGNUP=open")
	a.browser(t).signUp("taken@example.com", "first password")
	huge := strings.Repeat("x", 10*1024)
	cases := []struct {
		name           string
		email, pw, cfm string
		status         int
		field, message string
	}{
		{"empty", "", "", "", 422, "email", "Enter your email"},
		{"empty password", "a@example.com", "", "", 422, "password", "Choose a password"},
		{"bad email", "not-an-email", "long enough pw", "long enough pw", 422, "email", "does not look like"},
		{"short password", "a@example.com", "short", "short", 422, "password", "at least 10"},
		{"mismatch", "a@example.com", "long enough pw", "other one here", 422, "confirm", "differ"},
		{"duplicate", "TAKEN@example.com", "long enough pw", "long enough pw", 409, "email", "already exists"},
		{"huge email", huge + "@example.com", "long enough pw", "long enough pw", 422, "email", "too long"},
		{"huge password", "b@example.com", huge, huge, 422, "password", "at most 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := a.browser(t)
			b.get("/signup")
			resp, body := b.post("/signup", url.Values{"email": {tc.email}, "password": {tc.pw}, "confirm": {tc.cfm}})
			if resp.StatusCode != tc.status {
				t.Fatalf("want %d, got %d", tc.status, resp.StatusCode)
			}
			msg := doc(t, body).Find("#err-" + tc.field).Text()
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message beside %s: want %q, got %q", tc.field, tc.message, msg)
			}
			if strings.Contains(body, huge) {
				t.Errorf("a huge value must not be echoed back")
			}
		})
	}
}

func TestAPIBearerTokenCarriesTheRole(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("boss@example.com", "boss password 1")
	u, err := a.store.UserByEmail(t.Context(), "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	token := auth.NewToken()
	if _, err := a.store.CreateAPIToken(t.Context(), u.ID, "test", auth.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	api := a.browser(t)
	api.bearer = token
	resp, body := api.get("/api/me")
	if resp.StatusCode != 200 || !strings.Contains(body, `"role":"boss"`) {
		t.Fatalf("/api/me with token: got %d %s", resp.StatusCode, body)
	}
	if resp, _ := api.get("/api/users"); resp.StatusCode != 200 {
		t.Fatalf("boss token on a boss API: want 200, got %d", resp.StatusCode)
	}
	api.bearer = "wrong"
	if resp, _ := api.get("/api/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: want 401, got %d", resp.StatusCode)
	}
	anon := a.browser(t)
	if resp, _ := anon.get("/api/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: want 401, got %d", resp.StatusCode)
	}
}

func TestUnknownPageIsA404InTheAppsLook(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	resp, body := a.browser(t).get("/no/such/page")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("want 404, got %d", resp.StatusCode)
	}
	if doc(t, body).Find("header.topbar").Length() != 1 {
		t.Errorf("404 page should use the layout")
	}
}
