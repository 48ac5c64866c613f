package web

import (
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

func TestOnboardingWalksThroughEveryStep(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	anon := a.browser(t)
	resp, body := anon.get("/onboarding")
	if resp.StatusCode != 200 {
		t.Fatalf("signed out: want 200, got %d", resp.StatusCode)
	}
	if doc(t, body).Find(`.hero a[href="/signup"]`).Length() != 1 {
		t.Errorf("signed out: want a sign-up call to action")
	}

	b := a.browser(t)
	b.signUp("new@example.com", "newcomer password")
	_, body = b.get("/")
	if doc(t, body).Find(`nav a[href="/onboarding"]`).Length() != 1 {
		t.Errorf("the nav must link the walkthrough")
	}
	_, body = b.get("/onboarding")
	page := doc(t, body)
	for _, id := range []string{"step-create", "step-watch", "step-failures", "step-hubspot", "step-api"} {
		if page.Find("#"+id+" h2").Length() != 1 {
			t.Errorf("walkthrough: step #%s missing", id)
		}
	}
	if !strings.Contains(page.Find("#step-api").Text(), "simcrm token create") {
		t.Errorf("the API step must show simcrm token create")
	}
	if page.Find(`.hero a[href="/simulations/new"]`).Length() != 1 || page.Find(`nav a.active[href="/onboarding"]`).Length() != 1 {
		t.Errorf("signed in: want the plan-a-simulation call to action and the nav entry active")
	}
}
