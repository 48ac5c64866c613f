package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

func TestControlRefusedByStateIsAConflict(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "done", storage.StatusCompleted)
	b.get(fmt.Sprintf("/simulations/%d", s.ID))
	resp, body := b.post(fmt.Sprintf("/simulations/%d/pause", s.ID), url.Values{})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "is completed, so it cannot be paused") {
		t.Errorf("form: want 409 that explains, got %d", resp.StatusCode)
	}
	resp, body = b.htmx(http.MethodPost, fmt.Sprintf("/simulations/%d/resume", s.ID), url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(doc(t, body).Find("#sim-controls #control-error").Text(), "cannot be resumed") {
		t.Errorf("htmx: want the controls with the refusal, got %d %s", resp.StatusCode, body)
	}
}
