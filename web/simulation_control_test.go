package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

// Without a working Redis a simulation cannot start: the API answers 409 with the
// reason, htmx gets the reason beside the button (status 409 in X-SimCRM-Status),
// and the page disables Start with the reason. Nothing answers 500.
func TestStartRefusedWithoutRedis(t *testing.T) {
	proc := testenv.StartRedisProcess(t)
	a := newTestApp(t, testenv.Dialects(t)[0], proc.URL())
	a.redis.Watch(200 * time.Millisecond)
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	s := a.seedSimulation(t, a.user(t, "maker@example.com").ID, "waits", storage.StatusQueued)
	page := fmt.Sprintf("/simulations/%d", s.ID)
	if _, body := b.get(page); doc(t, body).Find("#btn-start[disabled]").Length() != 0 {
		t.Fatalf("Start disabled while Redis is up")
	}

	proc.Stop()
	waitFor(t, 3*time.Second, "the outage noticed", func() bool { return !a.redis.Up() })
	api := a.apiClient(t, "maker@example.com")
	resp, body := api.postJSON(fmt.Sprintf("/api/simulations/%d/start", s.ID), "")
	var got struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != http.StatusConflict || !strings.Contains(got.Error, "Redis") {
		t.Errorf("API start without Redis: want 409 naming Redis, got %d %s", resp.StatusCode, body)
	}
	resp, body = b.htmx("POST", page+"/start", url.Values{})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-SimCRM-Status") != "409" ||
		!strings.Contains(doc(t, body).Find("#control-error").Text(), "Redis is unreachable") {
		t.Errorf("htmx start without Redis: want the controls with the reason (409), got %d %q %s", resp.StatusCode, resp.Header.Get("X-SimCRM-Status"), body)
	}
	resp, body = b.get(page)
	d := doc(t, body)
	if resp.StatusCode != http.StatusOK || d.Find("#btn-start[disabled]").Length() != 1 || !strings.Contains(d.Find("#start-refused").Text(), "Redis") {
		t.Errorf("page without Redis: want Start disabled with the reason, got %d %s", resp.StatusCode, d.Find("#sim-controls").Text())
	}
	if now, _ := a.store.Simulation(context.Background(), s.ID); now.Status != storage.StatusQueued {
		t.Errorf("a refused start must leave the simulation queued, got %s", now.Status)
	}
}

// A user who opened the page while Redis was up and clicks Start after it went
// away sees why it did not start, beside the button (a real browser: htmx must
// not swallow the answer).
func TestBrowserSeesStartRefusedWithoutRedis(t *testing.T) {
	proc := testenv.StartRedisProcess(t)
	a := newTestApp(t, testenv.Dialects(t)[0], proc.URL())
	a.redis.Watch(200 * time.Millisecond)
	ctx := newChromium(t)
	step(t, ctx, "sign up",
		chromedp.Navigate(a.url+"/signup"),
		chromedp.SendKeys(chromedp.ID("f-email"), "player@example.com"),
		chromedp.SendKeys(chromedp.ID("f-password"), "browser password 1"),
		chromedp.SendKeys(chromedp.ID("f-confirm"), "browser password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".who .email")),
	)
	s := a.seedSimulation(t, a.user(t, "player@example.com").ID, "waits", storage.StatusQueued)
	step(t, ctx, "open the simulation", chromedp.Navigate(fmt.Sprintf("%s/simulations/%d", a.url, s.ID)), chromedp.WaitVisible(chromedp.ID("btn-start")))
	proc.Stop()
	waitFor(t, 3*time.Second, "the outage noticed", func() bool { return !a.redis.Up() })
	step(t, ctx, "click Start", chromedp.Click(chromedp.ID("btn-start")), chromedp.WaitVisible(chromedp.ID("control-error")))
	msg := run(t, ctx, "read the message", chromedp.Text(chromedp.ID("control-error")))
	if !strings.Contains(msg, "Redis is unreachable") {
		t.Errorf("message beside the button: want the reason, got %q", msg)
	}
	disabled := run(t, ctx, "Start disabled", chromedp.Evaluate[bool](`document.getElementById('btn-start').disabled`))
	if !disabled {
		t.Errorf("after the refusal Start must be disabled with the reason")
	}
}
