package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
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
