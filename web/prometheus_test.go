package web

import (
	"net/http"
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
}
