package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/internal/rediskeys"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

func TestMetricsFragmentStopsPollingWhenFinished(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("maker@example.com", "maker password 1")
			uid := a.user(t, "maker@example.com").ID
			for _, tc := range []struct {
				status string
				want   int
			}{
				{storage.StatusQueued, 200}, {storage.StatusRunning, 200}, {storage.StatusPaused, 200},
				{storage.StatusCompleted, 286}, {storage.StatusAborted, 286}, {storage.StatusFailed, 286},
			} {
				s := a.seedSimulation(t, uid, "run "+tc.status, tc.status)
				for _, part := range []string{"metrics", "segments"} {
					path := fmt.Sprintf("/fragments/simulations/%d/%s?shown=%s", s.ID, part, tc.status)
					resp, body := b.htmx(http.MethodGet, path, nil)
					if resp.StatusCode != tc.want {
						t.Errorf("%s %s: want %d, got %d", tc.status, part, tc.want, resp.StatusCode)
					}
					panel := doc(t, body).Find("#sim-" + part)
					_, polls := panel.Attr("hx-trigger")
					if polls != (tc.want == 200) {
						t.Errorf("%s %s: want polling=%v, got %v", tc.status, part, tc.want == 200, polls)
					}
				}
			}
			// The controls come along out of band only when the status on screen is stale.
			s := a.seedSimulation(t, uid, "moving", storage.StatusPaused)
			_, body := b.htmx(http.MethodGet, fmt.Sprintf("/fragments/simulations/%d/metrics?shown=running", s.ID), nil)
			if doc(t, body).Find(`#sim-controls[hx-swap-oob="true"] #btn-resume`).Length() != 1 {
				t.Errorf("stale status: want out-of-band controls offering Resume")
			}
			_, body = b.htmx(http.MethodGet, fmt.Sprintf("/fragments/simulations/%d/metrics?shown=paused", s.ID), nil)
			if doc(t, body).Find("#sim-controls").Length() != 0 {
				t.Errorf("current status: want no controls in the answer")
			}
		})
	}
}

// While the target is failing, the progress panel says what holds the work back
// (breaker, cooldown, daily limit) until when; the bar shows created, failed and
// thinned as separate parts.
func TestMetricsBannerWhileTheTargetFails(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	b := a.browser(t)
	b.signUp("maker@example.com", "maker password 1")
	uid := a.user(t, "maker@example.com").ID
	s := a.seedSimulation(t, uid, "held", storage.StatusRunning)
	path := fmt.Sprintf("/fragments/simulations/%d/metrics?shown=running", s.ID)
	_, body := b.htmx(http.MethodGet, path, nil)
	d := doc(t, body)
	if d.Find("#target-failing").Length() != 0 {
		t.Errorf("banner shown while nothing holds the work back")
	}
	if d.Find(".progress.parts > span.part-created").Length() != 1 || d.Find(".progress.parts > span.part-failed").Length() != 1 ||
		d.Find(".progress.parts > span.part-thinned").Length() != 1 {
		t.Errorf("progress bar: want created, failed and thinned parts")
	}
	ctx := context.Background()
	until := time.Now().Add(30 * time.Second)
	a.redis.Client.Set(ctx, rediskeys.TrippedUntil, until.UnixMilli(), time.Minute)
	a.redis.Client.Set(ctx, rediskeys.Cooldown, until.UnixMilli(), time.Minute)
	t.Cleanup(func() { a.redis.Client.Del(ctx, rediskeys.TrippedUntil, rediskeys.Cooldown) })
	_, body = b.htmx(http.MethodGet, path, nil)
	banner := doc(t, body).Find("#target-failing").Text()
	at := format.Clock{Loc: time.UTC}.Precise(until)
	if !strings.Contains(banner, "Circuit breaker open until "+at) || !strings.Contains(banner, "Rate-limit cooldown until "+at) {
		t.Errorf("banner: want the breaker and the cooldown until %s, got %q", at, banner)
	}

	p := a.seedSimulation(t, uid, "daily", storage.StatusRunning)
	if _, err := a.store.TransitionSimulation(ctx, p.ID, []string{storage.StatusRunning}, storage.StatusPaused,
		"paused: the target's daily API limit is spent; it resets at 2026-12-04 00:00 UTC; resume it after the reset"); err != nil {
		t.Fatal(err)
	}
	_, body = b.htmx(http.MethodGet, fmt.Sprintf("/fragments/simulations/%d/metrics?shown=paused", p.ID), nil)
	if !strings.Contains(doc(t, body).Find("#target-failing").Text(), "Daily limit reached") {
		t.Errorf("paused at the daily limit: want the banner to say so")
	}
}

// The retry count is exact when the look read every waiting task, and says "at
// least" when a queue held more than one look reads.
func TestBannerRetryCountSaysWhenItIsALowerBound(t *testing.T) {
	clk := format.Clock{Loc: time.UTC}
	got := strings.Join(holding(jobs.TargetHealth{Retrying: 12}, storage.StatusRunning, clk), " ")
	if !strings.Contains(got, "Retries in progress: 12 tasks") {
		t.Errorf("exact count: got %q", got)
	}
	got = strings.Join(holding(jobs.TargetHealth{Retrying: 200, RetryingMore: true}, storage.StatusRunning, clk), " ")
	if !strings.Contains(got, "Retries in progress: at least 200 tasks") {
		t.Errorf("bounded look: got %q", got)
	}
	if got := holding(jobs.TargetHealth{Retrying: 5}, storage.StatusPaused, clk); len(got) != 0 {
		t.Errorf("paused: retries are not news, got %q", got)
	}
}
