package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

func TestPreviewFragmentRedrawsTheCurve(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	b.get("/simulations/new")

	form := validForm()
	form.Set("endTime", "yesterday")
	resp, body := b.htmx(http.MethodPost, "/fragments/simulations/preview", form)
	if resp.StatusCode != 200 {
		t.Fatalf("preview with a bad date: want 200 (a fragment that explains), got %d", resp.StatusCode)
	}
	frag := doc(t, body)
	if frag.Find("#sim-preview").Length() != 1 || !strings.Contains(frag.Find(".problems").Text(), "End: Use a date and time") {
		t.Errorf("preview problems: want the bad end named, got %q", frag.Text())
	}
	if frag.Find("header.topbar").Length() != 0 {
		t.Errorf("a fragment must not carry the layout")
	}

	for _, dist := range []string{"linear", "front_loaded", "business_hours"} {
		form := validForm()
		form.Set("distribution", dist)
		resp, body := b.htmx(http.MethodPost, "/fragments/simulations/preview", form)
		bars := doc(t, body).Find("#sim-preview svg#preview-chart rect.bar")
		if resp.StatusCode != 200 || bars.Length() == 0 {
			t.Fatalf("%s: want 200 with bars, got %d with %d bars: %s", dist, resp.StatusCode, bars.Length(), doc(t, body).Text())
		}
	}
}
