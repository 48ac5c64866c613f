package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
)

// "Historical dates" is on for a new connection unless the form says off; the
// connection page and the API change it; a bad value is a message beside the field.
func TestConnectionHistoricalDatesSetting(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "", "ALLOW_PRIVATE_TARGETS=true")
	ok := newFakePortal(t, a.store, portalToken, sandbox.Faults{})
	b := a.browser(t)
	b.signUp("owner@example.com", "owner password 1")
	ctx := context.Background()

	if resp, _ := b.post("/connections", connForm("Dated", portalToken, "free", ok.base)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: want 303, got %d", resp.StatusCode)
	}
	form := connForm("Undated", portalToken, "free", ok.base)
	form.Set("historicalDates", "off")
	if resp, _ := b.post("/connections", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with dates off: want 303, got %d", resp.StatusCode)
	}
	on, _ := a.store.Connection(ctx, 1)
	off, _ := a.store.Connection(ctx, 2)
	if !on.HistoricalDates || off.HistoricalDates {
		t.Fatalf("historical dates: want on by default and off when asked, got %v and %v", on.HistoricalDates, off.HistoricalDates)
	}
	form = connForm("Odd", portalToken, "free", ok.base)
	form.Set("historicalDates", "sometimes")
	resp, body := b.post("/connections", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(textAt(t, body, "#err-historicalDates"), "Choose on") {
		t.Fatalf("bad value: want 422 with a message beside the field, got %d %q", resp.StatusCode, textAt(t, body, ".field-error"))
	}

	resp, body = b.post("/connections/1/settings", url.Values{"historicalDates": {"off"}})
	if resp.StatusCode != http.StatusOK || textAt(t, body, "#notice") != "Settings saved." {
		t.Fatalf("settings: want 200 with a notice, got %d %q", resp.StatusCode, textAt(t, body, "#notice"))
	}
	if c, _ := a.store.Connection(ctx, 1); c.HistoricalDates {
		t.Error("settings: want historical dates off")
	}
	if resp, body = b.post("/connections/1/settings", url.Values{"historicalDates": {"maybe"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(textAt(t, body, "#err-historicalDates"), "Choose on") {
		t.Errorf("bad setting: want 422 beside the field, got %d", resp.StatusCode)
	}

	api := a.apiClient(t, "owner@example.com")
	if resp, body := api.postJSON("/api/connections/2/settings", `{"historicalDates":true}`); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"historicalDates":true`) {
		t.Errorf("api settings: want 200 with historicalDates true, got %d %s", resp.StatusCode, body)
	}
	if resp, body := api.postJSON("/api/connections/2/settings", `{"historicalDates":7}`); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "historicalDates") {
		t.Errorf("api bad settings: want 422 naming the field, got %d %s", resp.StatusCode, body)
	}
	if resp, _ := api.postJSON("/api/connections/2/settings", `{}`); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("api empty settings: want 422, got %d", resp.StatusCode)
	}
}
