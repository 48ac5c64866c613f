package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

const testMetricsToken = "metrics-token-0123456789"

func TestPrometheusExporter(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "METRICS_TOKEN="+testMetricsToken)
	b := a.browser(t)
	scraper := a.browser(t)
	scraper.bearer = testMetricsToken
	b.get("/signup")
	b.get("/no/such/page")
	resp, body := scraper.get("/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: want 200, got %d", resp.StatusCode)
	}
	for _, want := range []string{
		`simcrm_store_up{store="database"} 1`,
		`simcrm_store_up{store="redis"} 1`,
		`simcrm_http_request_duration_seconds_count{method="GET",route="/signup",status="200"} 1`,
		`simcrm_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1`,
		`simcrm_ledger_objects 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Label values outlive the request: requests of other methods must not rewrite
	// the stored ones (which made every later scrape a 500).
	b.post("/login", url.Values{})
	b.get("/signup")
	resp, body = scraper.get("/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics after a POST: want 200, got %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`simcrm_http_request_duration_seconds_count{method="GET",route="/signup",status="200"} 2`,
		`simcrm_http_request_duration_seconds_count{method="POST",route="/login",status="422"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics after a POST lacks %q", want)
		}
	}
}

// /metrics answers only METRICS_TOKEN or a boss's session: 401 for anyone else,
// and so does the METRICS_ADDR handler without the token.
func TestMetricsNeedTokenOrBoss(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "", "METRICS_TOKEN="+testMetricsToken)
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			player := a.browser(t)
			player.signUp("player@example.com", "player password 1")
			wrong := a.browser(t)
			wrong.bearer = "not-the-metrics-token"
			token := a.browser(t)
			token.bearer = testMetricsToken
			for _, tc := range []struct {
				who  string
				b    *browser
				want int
			}{
				{"anonymous", a.browser(t), http.StatusUnauthorized},
				{"player session", player, http.StatusUnauthorized},
				{"wrong bearer", wrong, http.StatusUnauthorized},
				{"player API token", a.apiClient(t, "player@example.com"), http.StatusUnauthorized},
				{"METRICS_TOKEN", token, http.StatusOK},
				{"boss session", boss, http.StatusOK},
			} {
				resp, body := tc.b.get("/metrics")
				if resp.StatusCode != tc.want {
					t.Errorf("%s: want %d, got %d", tc.who, tc.want, resp.StatusCode)
				}
				if tc.want == http.StatusOK && !strings.Contains(body, "simcrm_store_up") {
					t.Errorf("%s: want the metrics, got %q", tc.who, clip(body, 200))
				}
				if tc.want != http.StatusOK && strings.Contains(body, "simcrm_") {
					t.Errorf("%s: the 401 must not carry metrics", tc.who)
				}
			}

			// METRICS_ADDR serves the same handler alone.
			srv := httptest.NewServer(a.metrics.Handler(testMetricsToken))
			t.Cleanup(srv.Close)
			for _, tc := range []struct {
				authz string
				want  int
			}{{"", http.StatusUnauthorized}, {"Bearer nope", http.StatusUnauthorized}, {"Bearer " + testMetricsToken, http.StatusOK}} {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
				if tc.authz != "" {
					req.Header.Set("Authorization", tc.authz)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("METRICS_ADDR with %q: want %d, got %d", tc.authz, tc.want, resp.StatusCode)
				}
			}
		})
	}
}
