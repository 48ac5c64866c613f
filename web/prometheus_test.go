package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

func TestPrometheusExporter(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.get("/signup")
	b.get("/no/such/page")
	resp, body := b.get("/metrics")
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
	resp, body = b.get("/metrics")
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
