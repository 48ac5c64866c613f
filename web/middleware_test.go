package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

// Form and query text that is not UTF-8 is a 400 naming the field, before any
// handler stores it (MySQL would refuse it with a 500); JSON bodies are decoded
// with the bad bytes replaced, and the sandbox's API answers for itself.
func TestTextThatIsNotUTF8IsRefused(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("boss@example.com", "boss password 1")

			form := validForm()
			form.Set("name", "Demo \xff run")
			resp, body := b.post("/simulations", form)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(textAt(t, body, "main"), `The field "name" holds bytes that are not UTF-8 text.`) {
				t.Errorf("form: want 400 naming the field, got %d %q", resp.StatusCode, textAt(t, body, "main"))
			}
			api := a.apiClient(t, "boss@example.com")
			resp, body = api.get("/api/dlq/summary?q=%FF")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"error":"The field \"q\" holds bytes that are not UTF-8 text."`) {
				t.Errorf("query: want a JSON 400 naming the field, got %d %s", resp.StatusCode, body)
			}
			resp, body = api.postJSON("/api/simulations", `{"name":"Demo `+"\xff"+` run","scenario":"b2b"}`)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("JSON: want the usual 422 for missing fields, got %d %s", resp.StatusCode, body)
			}
			req := httptest.NewRequest(http.MethodGet, "/sandbox/hubspot/crm/v3/objects/contacts?properties=%FF", nil)
			req.Header.Set("Authorization", "Bearer "+a.cfg.SandboxToken)
			if resp, body := b.do(req); resp.StatusCode != http.StatusOK {
				t.Errorf("sandbox API: want its own answer (200), got %d %s", resp.StatusCode, body)
			}
		})
	}
}
