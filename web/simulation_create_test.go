package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

func TestNewSimulationFormCreatesAndOpensTheSimulation(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			resp, body := b.get("/simulations/new")
			if resp.StatusCode != 200 || doc(t, body).Find("#sim-preview svg#preview-chart rect.bar").Length() == 0 {
				t.Fatalf("new form: want 200 with a preview chart, got %d", resp.StatusCode)
			}
			form := validForm()
			form.Set("seed", "1234")
			resp, body = b.post("/simulations", form)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: want 303, got %d: %s", resp.StatusCode, doc(t, body).Find(".field-error, #form-error").Text())
			}
			loc := resp.Header.Get("Location")
			if !strings.HasPrefix(loc, "/simulations/") {
				t.Fatalf("create: want a redirect to the simulation, got %q", loc)
			}
			resp, body = b.get(loc)
			if resp.StatusCode != 200 {
				t.Fatalf("simulation page: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			if got := page.Find("h1").Text(); got != "Demo run" {
				t.Errorf("title: want Demo run, got %q", got)
			}
			if got := page.Find("#sim-definition").Text(); !strings.Contains(got, "1234") {
				t.Errorf("definition: want the seed 1234, got %q", got)
			}
			if page.Find("#sim-metrics .progress").Length() != 1 {
				t.Errorf("simulation page: want a progress bar, got %q", page.Find("#sim-metrics").Text())
			}
			if resp, body := b.get("/"); resp.StatusCode != 200 || !strings.Contains(doc(t, body).Find("#simulations").Text(), "Demo run") {
				t.Errorf("dashboard: want the new simulation listed")
			}
		})
	}
}
