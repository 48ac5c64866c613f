package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A connection's base URL may not point inward: metadata, loopback (by address
// or by a name that resolves to it) and private addresses are refused at the
// dial, with nothing but "not allowed" said and nothing stored; the server
// behind them is never asked. Plain http is refused before any call, and only a
// boss may set a base URL other than HubSpot's or the built-in sandbox's. A
// connection stored with such a URL anyway cannot be targeted by a simulation.
func TestConnectionBaseURLsThatPointInwardAreRefused(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			var hits atomic.Int64
			inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(http.StatusUnauthorized)
			}))
			t.Cleanup(inside.Close)
			port := inside.URL[strings.LastIndex(inside.URL, ":")+1:]
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			player := a.browser(t)
			player.signUp("player@example.com", "player password 1")
			boss.get("/connections")
			player.get("/connections")
			cases := []struct {
				who  *browser
				base string
				want string
			}{
				{boss, "https://169.254.169.254", notAllowed},
				{boss, "https://169.254.169.254/latest/meta-data", notAllowed},
				{boss, "https://127.0.0.1:" + port, notAllowed},
				{boss, "https://10.0.0.1", notAllowed},
				{boss, "https://localhost:" + port, notAllowed},
				{boss, "http://169.254.169.254", "Use https"},
				{boss, "http://127.0.0.1:" + port, "Use https"},
				{player, "https://api.example.com", "Only a boss"},
				{player, "https://127.0.0.1:" + port, "Only a boss"},
			}
			for i, tc := range cases {
				resp, body := tc.who.post("/connections", connForm("c"+strconv.Itoa(i), "pat-na1-x", "free", tc.base))
				got := textAt(t, body, "#err-baseURL")
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, tc.want) {
					t.Errorf("%s: want 422 with %q beside the base URL, got %d %q", tc.base, tc.want, resp.StatusCode, got)
				}
				if tc.want == notAllowed && got != notAllowed {
					t.Errorf("%s: a refused address is told only %q, got %q", tc.base, notAllowed, got)
				}
			}
			api := a.apiClient(t, "boss@example.com")
			if status, body, _ := api.api(http.MethodPost, "/api/connections", map[string]string{"name": "api", "token": "pat-na1-x",
				"tier": "free", "baseUrl": "https://169.254.169.254"}); status != http.StatusUnprocessableEntity || !strings.Contains(strings.Join(fieldsOf(body), " "), notAllowed) {
				t.Errorf("API: want 422 not allowed, got %d %v", status, body)
			}
			if conns, _ := a.store.Connections(context.Background(), 0); len(conns) != 0 {
				t.Errorf("refused base URLs must store nothing, got %d connections", len(conns))
			}

			// A row that points inward (stored before these rules, or by hand).
			box, _ := secret.NewBox(a.cfg.TokenEncSecret)
			conn := storage.Connection{UserID: a.user(t, "boss@example.com").ID, Name: "old", BaseURL: "https://127.0.0.1:" + port,
				Tier: "free", TokenCiphertext: box.Seal([]byte("pat-na1-x"))}
			if err := a.store.CreateConnection(context.Background(), &conn); err != nil {
				t.Fatal(err)
			}
			in := validForm()
			in.Set("target", strconv.FormatInt(conn.ID, 10))
			// Creating a simulation makes no outbound call (the run decides), so it
			// reaches nothing inward; the engine's client refuses the address at run time.
			if resp, _ := boss.post("/simulations", in); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("simulation on an inward connection: want 303 (created without calling out), got %d", resp.StatusCode)
			}
			boss.get("/connections/" + strconv.FormatInt(conn.ID, 10))
			_, body := boss.post("/connections/"+strconv.FormatInt(conn.ID, 10)+"/validate", url.Values{})
			if got := textAt(t, body, ".validation-message"); got != notAllowed {
				t.Errorf("revalidate an inward connection: want %q, got %q", notAllowed, got)
			}
			if hits.Load() != 0 {
				t.Errorf("the inward server must never be asked: %d requests arrived", hits.Load())
			}
		})
	}
}

// fieldsOf lists the field messages of an API error body.
func fieldsOf(body map[string]any) []string {
	var out []string
	if f, ok := body["fields"].(map[string]any); ok {
		for _, v := range f {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
