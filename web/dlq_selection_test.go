package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// Rows ticked in the list narrow resolve, discard and replay to themselves, within
// the filter; a ticked value that is not a row number is refused.
func TestDLQTickedRowsNarrowTheBulkActions(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	ctx := context.Background()
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")
	sim := dlqSim(t, a, "boss@example.com", "Ticks")
	rows := dlqRows(t, a, sim, 6, "server", false)
	b.get("/boss/dlq")

	resp, _ := b.htmx(http.MethodPost, "/boss/dlq/close", url.Values{"action": {"resolve"}, "reason": {"fixed by hand"},
		"rows": {strconv.FormatInt(rows[0].ID, 10), strconv.FormatInt(rows[3].ID, 10)}})
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("HX-Redirect") == "" {
		t.Fatalf("close ticked rows: want 204 with HX-Redirect, got %d", resp.StatusCode)
	}
	for i, r := range rows {
		e, err := a.store.DLQEntry(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := storage.DLQOpen
		if i == 0 || i == 3 {
			want = storage.DLQResolved
		}
		if e.Status != want {
			t.Errorf("row %d: want %s, got %s", i, want, e.Status)
		}
	}
	resp, body := b.htmx(http.MethodPost, "/boss/dlq/replay", url.Values{"dryRun": {"true"}, "rows": {strconv.FormatInt(rows[1].ID, 10)}})
	if resp.StatusCode != http.StatusOK || textAt(t, body, "#dlq-replay-result h3") != "Dry run: 1 of 1 open rows would be replayed" {
		t.Errorf("dry run of one ticked row: got %d %q", resp.StatusCode, textAt(t, body, "#dlq-replay-result h3"))
	}
	if got := textAt(t, body, "#dlq-replay [data-scope-text]"); got != "all 4 open rows matching the filter" {
		t.Errorf("the panel's scope after a dry run: want the filter's 4 open rows, got %q", got)
	}
	resp, body = b.htmx(http.MethodPost, "/boss/dlq/close", url.Values{"action": {"discard"}, "reason": {"x"}, "rows": {"1; DROP"}})
	if resp.Header.Get("X-SimCRM-Status") != "422" || textAt(t, body, "#form-error") == "" {
		t.Errorf("bad ticked row: want 422 with a message, got %s %q", resp.Header.Get("X-SimCRM-Status"), body)
	}
	if n, _ := a.store.CountDLQ(ctx, storage.DLQFilter{}); n != 4 {
		t.Errorf("after the refused discard: want 4 open rows, got %d", n)
	}
}
