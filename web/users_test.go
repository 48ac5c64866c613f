package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// With the default SIGNUP=first-only the first account signs up (and is the
// boss); after it the form is closed and a post creates nothing. SIGNUP=open
// lets others in as players; SIGNUP=invite opens the form to nobody.
func TestSignupClosesAfterTheFirstAccount(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			first := a.browser(t)
			first.signUp("boss@example.com", "boss password 1")
			if u := a.user(t, "boss@example.com"); u.Role != storage.RoleBoss {
				t.Fatalf("first account: want boss, got %s", u.Role)
			}
			late := a.browser(t)
			resp, body := late.get("/signup")
			if resp.StatusCode != http.StatusOK || doc(t, body).Find("#signup-closed").Length() != 1 || doc(t, body).Find(`form[action="/signup"]`).Length() != 0 {
				t.Fatalf("GET /signup after the first account: want the closed notice and no form, got %d", resp.StatusCode)
			}
			if _, body := late.get("/login"); doc(t, body).Find("#ask-invite").Length() != 1 || doc(t, body).Find(`a[href="/signup"]`).Length() != 1 {
				t.Errorf("log-in page after the first account: want the invite hint instead of the sign-up link (the menu keeps its link)")
			}
			resp, body = late.post("/signup", url.Values{"email": {"eve@example.com"}, "password": {"eve password 1"}, "confirm": {"eve password 1"}})
			if resp.StatusCode != http.StatusForbidden || doc(t, body).Find("#signup-closed").Length() != 1 {
				t.Fatalf("POST /signup after the first account: want 403 with the notice, got %d", resp.StatusCode)
			}
			if _, err := a.store.UserByEmail(context.Background(), "eve@example.com"); err == nil {
				t.Fatal("a closed sign-up must create no account")
			}
		})
	}
	t.Run("open", func(t *testing.T) {
		a := newTestApp(t, testenv.Dialects(t)[0], "", "SIGNUP=open")
		a.browser(t).signUp("boss@example.com", "boss password 1")
		b := a.browser(t)
		b.get("/signup")
		if resp, _ := b.post("/signup", url.Values{"email": {"p@example.com"}, "password": {"player pass 1"}, "confirm": {"player pass 1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("open sign-up: want 303, got %d", resp.StatusCode)
		}
		if u := a.user(t, "p@example.com"); u.Role != storage.RolePlayer {
			t.Errorf("open sign-up: want a player, got %s", u.Role)
		}
	})
	t.Run("invite", func(t *testing.T) {
		a := newTestApp(t, testenv.Dialects(t)[0], "", "SIGNUP=invite")
		b := a.browser(t)
		if resp, _ := b.get("/"); resp.Header.Get("Location") != "/login" {
			t.Errorf("SIGNUP=invite, no account yet: want /login (accounts come from the command line), got %s", resp.Header.Get("Location"))
		}
		b.get("/login")
		if resp, body := b.post("/signup", url.Values{"email": {"b@example.com"}, "password": {"boss password 1"}, "confirm": {"boss password 1"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "signup-closed") {
			t.Fatalf("SIGNUP=invite: want 403 even for the first account, got %d", resp.StatusCode)
		}
	})
}

// A boss makes an invite link on the Users page; it opens a form, makes an
// account with the invite's role, and works once. Expired and unknown links are
// 404s. Both actions are in the audit.
func TestInviteFlow(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			boss.get("/boss/users")
			resp, body := boss.post("/boss/users/invites", url.Values{"role": {"boss"}, "expiry": {"1d"}})
			link := textAt(t, body, "#new-link")
			if resp.StatusCode != http.StatusOK || !strings.Contains(link, "/invite/") {
				t.Fatalf("invite: want 200 with the link, got %d %q", resp.StatusCode, link)
			}
			path := link[strings.Index(link, "/invite/"):]
			if got := textAt(t, body, "#invites li .role"); got != "boss" {
				t.Errorf("open invites: want one boss invite, got %q", got)
			}
			resp, body = boss.post("/boss/users/invites", url.Values{"role": {"king"}, "expiry": {"1y"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || textAt(t, body, "#err-role") == "" || textAt(t, body, "#err-expiry") == "" {
				t.Errorf("bad invite: want 422 with messages beside role and expiry, got %d", resp.StatusCode)
			}

			guest := a.browser(t)
			resp, body = guest.get(path)
			if resp.StatusCode != http.StatusOK || textAt(t, body, ".role") != "boss" {
				t.Fatalf("invite page: want 200 naming the role, got %d %q", resp.StatusCode, textAt(t, body, ".role"))
			}
			resp, body = guest.post(path, url.Values{"email": {"x"}, "password": {"short"}, "confirm": {"short"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || textAt(t, body, "#err-email") == "" || textAt(t, body, "#err-password") == "" {
				t.Fatalf("bad join: want 422 with field messages, got %d", resp.StatusCode)
			}
			resp, _ = guest.post(path, url.Values{"email": {"New@Example.com"}, "password": {"new boss pass 1"}, "confirm": {"new boss pass 1"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("join: want 303, got %d", resp.StatusCode)
			}
			if u := a.user(t, "new@example.com"); u.Role != storage.RoleBoss {
				t.Errorf("joined account: want the invite's role boss, got %s", u.Role)
			}
			if resp, _ := guest.get("/boss/users"); resp.StatusCode != http.StatusOK {
				t.Errorf("the new boss is signed in: want 200 on /boss/users, got %d", resp.StatusCode)
			}
			other := a.browser(t)
			other.get("/login")
			if resp, body := other.post(path, url.Values{"email": {"again@example.com"}, "password": {"again pass 12"}, "confirm": {"again pass 12"}}); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "used already") {
				t.Errorf("second use: want 404 saying so, got %d", resp.StatusCode)
			}
			if resp, _ := other.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("used link: want 404, got %d", resp.StatusCode)
			}
			if _, err := a.store.UserByEmail(context.Background(), "again@example.com"); err == nil {
				t.Error("a used invite must create nothing")
			}

			// Expired and unknown links.
			token := auth.NewToken()
			l := storage.AccountLink{Kind: storage.LinkInvite, Role: storage.RolePlayer, CreatedBy: a.user(t, "boss@example.com").ID, ExpiresAt: time.Now().Add(-time.Minute)}
			if err := a.store.CreateAccountLink(context.Background(), &l, auth.HashToken(token)); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/invite/" + token, "/invite/nothing-here", "/reset/" + strings.TrimPrefix(path, "/invite/")} {
				if resp, _ := other.get(p); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: want 404, got %d", p, resp.StatusCode)
				}
			}

			_, body = boss.get("/boss/users")
			audit := textAt(t, body, "#account-audit")
			for _, want := range []string{"invite as boss", "joined as boss", "new@example.com"} {
				if !strings.Contains(audit, want) {
					t.Errorf("audit: want %q in %q", want, audit)
				}
			}
		})
	}
}

// Disabling an account stops its session and API token at the next request and
// refuses its log-in; enabling it lets them work again. The last enabled boss can
// be neither demoted nor disabled. A reset link sets a new password once.
func TestDisableRoleAndResetLink(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			player := a.browser(t)
			player.signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			if resp, _ := api.get("/api/me"); resp.StatusCode != http.StatusOK {
				t.Fatalf("API token before: want 200, got %d", resp.StatusCode)
			}
			pid := strconv.FormatInt(a.user(t, "player@example.com").ID, 10)
			bid := strconv.FormatInt(a.user(t, "boss@example.com").ID, 10)

			boss.get("/boss/users")
			resp, body := boss.post("/boss/users/"+pid+"/disable", url.Values{})
			if resp.StatusCode != http.StatusOK || textAt(t, body, "#user-row-"+pid+" .status") != "disabled" {
				t.Fatalf("disable: want 200 and the row disabled, got %d %q", resp.StatusCode, textAt(t, body, "#user-row-"+pid+" .status"))
			}
			if resp, body := api.get("/api/me"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("disabled user's API token: want 401 at once, got %d %s", resp.StatusCode, body)
			}
			if resp, _ := player.get("/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
				t.Errorf("disabled user's session: want a redirect to /login, got %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			player.get("/login")
			if resp, body := player.post("/login", url.Values{"email": {"player@example.com"}, "password": {"player password 1"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "disabled") {
				t.Errorf("disabled user's log-in: want 403 saying so, got %d", resp.StatusCode)
			}
			boss.post("/boss/users/"+pid+"/enable", url.Values{})
			if resp, _ := api.get("/api/me"); resp.StatusCode != http.StatusOK {
				t.Errorf("enabled again: the API token works again, want 200, got %d", resp.StatusCode)
			}

			// The last boss.
			for _, action := range []string{"role", "disable"} {
				resp, body := boss.post("/boss/users/"+bid+"/"+action, url.Values{"role": {"player"}})
				if resp.StatusCode != http.StatusConflict || !strings.Contains(textAt(t, body, "#notice"), "last enabled boss") {
					t.Errorf("last boss %s: want 409 saying so, got %d %q", action, resp.StatusCode, textAt(t, body, "#notice"))
				}
			}
			if u := a.user(t, "boss@example.com"); u.Role != storage.RoleBoss || u.Disabled() {
				t.Fatalf("the last boss must stay an enabled boss: %+v", u)
			}
			bossAPI := a.apiClient(t, "boss@example.com")
			if status, body, _ := bossAPI.api(http.MethodPost, "/api/users/"+bid+"/disable", nil); status != http.StatusConflict {
				t.Errorf("API: last boss disable: want 409, got %d %v", status, body)
			}
			if status, body, _ := bossAPI.api(http.MethodPost, "/api/users/"+pid+"/role", map[string]string{"role": "boss"}); status != http.StatusOK || body["role"] != "boss" {
				t.Errorf("API: promote: want 200 with role boss, got %d %v", status, body)
			}
			if status, _, _ := bossAPI.api(http.MethodPost, "/api/users/"+pid+"/role", map[string]string{"role": "king"}); status != http.StatusUnprocessableEntity {
				t.Errorf("API: unknown role: want 422, got %d", status)
			}
			// With a second boss, the first may step down.
			if resp, _ := boss.post("/boss/users/"+bid+"/role", url.Values{"role": {"player"}}); resp.StatusCode != http.StatusOK {
				t.Errorf("demote with another boss left: want 200, got %d", resp.StatusCode)
			}
			if resp, _ := boss.get("/boss/users"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("a demoted boss: want 403 on /boss/users, got %d", resp.StatusCode)
			}

			// Reset link, made by the remaining boss through the API.
			status, out, _ := a.apiClient(t, "player@example.com").api(http.MethodPost, "/api/users/"+bid+"/reset", nil)
			link, _ := out["url"].(string)
			if status != http.StatusCreated || !strings.Contains(link, "/reset/") {
				t.Fatalf("reset link: want 201 with a url, got %d %v", status, out)
			}
			path := link[strings.Index(link, "/reset/"):]
			anon := a.browser(t)
			if resp, body := anon.get(path); resp.StatusCode != http.StatusOK || !strings.Contains(body, "boss@example.com") {
				t.Fatalf("reset page: want 200 naming the account, got %d", resp.StatusCode)
			}
			if resp, _ := anon.post(path, url.Values{"password": {"a new password 1"}, "confirm": {"a new password 1"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: want 303, got %d", resp.StatusCode)
			}
			if resp, _ := boss.get("/"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("a reset ends the account's sessions: want a redirect, got %d", resp.StatusCode)
			}
			if resp, _ := anon.post(path, url.Values{"password": {"third password 1"}, "confirm": {"third password 1"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("reset link used twice: want 404, got %d", resp.StatusCode)
			}
			anon.get("/login")
			if resp, _ := anon.post("/login", url.Values{"email": {"boss@example.com"}, "password": {"boss password 1"}}); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("old password after reset: want 401, got %d", resp.StatusCode)
			}
			if resp, _ := anon.post("/login", url.Values{"email": {"boss@example.com"}, "password": {"a new password 1"}}); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("new password after reset: want 303, got %d", resp.StatusCode)
			}
			events, err := a.store.AccountEvents(context.Background(), 50)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range events {
				actions = append(actions, e.Action)
			}
			for _, want := range []string{storage.AuditDisable, storage.AuditEnable, storage.AuditRole, storage.AuditResetLink, storage.AuditResetDone} {
				if !contains(actions, want) {
					t.Errorf("audit: want %s among %v", want, actions)
				}
			}
		})
	}
}
