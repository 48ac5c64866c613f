package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/simcrm/simcrm/internal/testenv"
)

// formValues reads the values a page's new-simulation form would submit.
func formValues(page *goquery.Document) url.Values {
	v := url.Values{}
	page.Find("#sim-form input, #sim-form select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		if name == "" || name == "_csrf" || ((typ == "checkbox" || typ == "radio") && s.AttrOr("checked", "-") == "-") {
			return
		}
		if s.Is("select") {
			v.Add(name, s.Find("option[selected]").AttrOr("value", ""))
			return
		}
		v.Add(name, s.AttrOr("value", ""))
	})
	return v
}

// Run again opens the form filled with a finished simulation's settings; the same
// seed plans the same records, a new seed is left blank; the API makes copies too.
func TestRunAgain(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.runWorkers(t)
			ctx := context.Background()
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			api := a.apiClient(t, "player@example.com")
			first := runToEnd(t, a, api, map[string]any{"totalRecords": 30, "name": "Demo", "seed": 4242})
			id := strconv.FormatInt(first.ID, 10)

			resp, body := b.get("/simulations/" + id + "/clone")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("clone: want 200, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			vals := formValues(page)
			for k, want := range map[string]string{"name": "Demo (again)", "seed": "4242", "totalRecords": "30", "scenario": "b2c",
				"distribution": "linear", "pace": "backfill", "target": "sandbox"} {
				if got := vals.Get(k); got != want {
					t.Errorf("pre-filled %s: want %q, got %q", k, want, got)
				}
			}
			if page.Find("#form-notice").Length() != 1 || page.Find("#preview-chart").Length() != 1 {
				t.Errorf("clone page: want a notice and the preview")
			}
			// Submitting it unchanged creates and runs the same plan.
			vals.Set("_csrf", b.csrf)
			resp, _ = b.post("/simulations", vals)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("submit the copy: want 303, got %d", resp.StatusCode)
			}
			againID, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/simulations/"), 10, 64)
			waitFor(t, 90*time.Second, "copy completed", func() bool {
				s, err := a.store.Simulation(ctx, againID)
				return err == nil && s.Status == "completed"
			})
			p1, err1 := a.store.SimulationPlan(ctx, first.ID)
			p2, err2 := a.store.SimulationPlan(ctx, againID)
			if err1 != nil || err2 != nil || p1 != p2 {
				t.Errorf("same seed: want the same plan, got %s and %s (%v %v)", p1, p2, err1, err2)
			}
			l1, _ := a.store.LedgerCounts(ctx, first.ID)
			l2, _ := a.store.LedgerCounts(ctx, againID)
			if len(l1) == 0 || l1["contact"] != l2["contact"] || l1["note"] != l2["note"] {
				t.Errorf("same seed: want the same objects created, got %v and %v", l1, l2)
			}

			_, body = b.get("/simulations/" + id + "/clone?seed=new")
			if got := formValues(doc(t, body)).Get("seed"); got != "" {
				t.Errorf("new seed: want the seed left blank, got %q", got)
			}

			// The API: a queued copy, same seed or a new one.
			resp, body = api.postJSON("/api/simulations/"+id+"/rerun", ``)
			same := decode[simulationJSON](t, body)
			if resp.StatusCode != http.StatusCreated || same.Seed != 4242 || same.Status != "queued" || same.Name != "Demo (again)" {
				t.Fatalf("rerun: want 201, queued, seed 4242, got %d %+v", resp.StatusCode, same)
			}
			resp, body = api.postJSON("/api/simulations/"+id+"/rerun", `{"newSeed": true}`)
			if fresh := decode[simulationJSON](t, body); resp.StatusCode != http.StatusCreated || fresh.Seed == 4242 {
				t.Fatalf("rerun with a new seed: want 201 and another seed, got %d %+v", resp.StatusCode, fresh)
			}
			if resp, _ := api.postJSON("/api/simulations/"+id+"/rerun", `{"newSeed": "yes"}`); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("rerun with a bad body: want 400, got %d", resp.StatusCode)
			}
			other := a.browser(t)
			other.signUp("other@example.com", "other password 1")
			if resp, _ := other.get("/simulations/" + id + "/clone"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("someone else's clone: want 404, got %d", resp.StatusCode)
			}
		})
	}
}

// A profile names the form's settings; opening it fills the form again.
func TestProfiles(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			b.get("/simulations/new")
			form := validForm()
			form.Set("totalRecords", "777")
			form.Set("scenario", "saas")

			// No profile name: 422 with the message beside the field, nothing stored.
			resp, body := b.post("/profiles", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#err-profileName").Length() != 1 {
				t.Fatalf("no name: want 422 with a message beside the name, got %d", resp.StatusCode)
			}
			bad := validForm()
			bad.Set("totalRecords", "lots")
			bad.Set("profileName", "Broken")
			if resp, body = b.post("/profiles", bad); resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#err-totalRecords").Length() != 1 {
				t.Fatalf("bad settings: want 422 with a message beside records, got %d", resp.StatusCode)
			}

			form.Set("profileName", "Weekly demo")
			resp, _ = b.post("/profiles", form)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/simulations/new?profile=") {
				t.Fatalf("save: want 303 to the form from the profile, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body = b.get(resp.Header.Get("Location"))
			page := doc(t, body)
			vals := formValues(page)
			if vals.Get("totalRecords") != "777" || vals.Get("scenario") != "saas" || vals.Get("paceFactor") != "60" {
				t.Errorf("from the profile: want 777 saas ×60, got %v", vals)
			}
			if page.Find("#profiles li").Length() != 1 || !strings.Contains(page.Find("#profiles").Text(), "Weekly demo") {
				t.Errorf("the profile list: want Weekly demo, got %q", page.Find("#profiles").Text())
			}
			profileURL, _ := page.Find("#profiles a").Attr("href")

			// Another user cannot open it; the API lists and saves profiles too.
			other := a.browser(t)
			other.signUp("other@example.com", "other password 1")
			if resp, _ := other.get(profileURL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("someone else's profile: want 404, got %d", resp.StatusCode)
			}
			api := a.apiClient(t, "player@example.com")
			resp, body = api.postJSON("/api/profiles", `{"name": "API", "settings": {"scenario": "b2b", "distribution": "linear",
				"startTime": "2030-01-01T09:00", "endTime": "2030-01-02T09:00", "timeZone": "UTC", "totalRecords": "50", "pace": "backfill", "target": "sandbox"}}`)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("API save: want 201, got %d: %s", resp.StatusCode, body)
			}
			if resp, body = api.postJSON("/api/profiles", `{"name": "", "settings": {"totalRecords": "0"}}`); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("API bad profile: want 422, got %d: %s", resp.StatusCode, body)
			}
			_, body = api.get("/api/profiles")
			if got := decode[struct{ Profiles []profileJSON }](t, body).Profiles; len(got) != 2 || got[0].Name != "API" {
				t.Fatalf("API list: want API and Weekly demo, got %+v", got)
			}

			// Delete from the form page.
			del, _ := page.Find("#profiles form").Attr("action")
			if resp, _ := b.post(del, url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("delete: want 303, got %d", resp.StatusCode)
			}
			if resp, _ := b.get(profileURL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("deleted profile: want 404, got %d", resp.StatusCode)
			}
		})
	}
}
