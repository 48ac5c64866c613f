package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// seedSandbox writes records into the app's sandbox database through a second
// sandbox on the same store, as the engine would through the API: contacts tagged
// with the simulation ids, each associated with one company.
func seedSandbox(t *testing.T, a *testApp, sims map[int64]int) {
	t.Helper()
	ctx := context.Background()
	writer := newFakePortal(t, a.store, a.cfg.SandboxToken, sandbox.Faults{})
	c, err := hubspot.NewClient(writer.base, a.cfg.SandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	for sim, n := range sims {
		simID := strconv.FormatInt(sim, 10)
		company, err := c.CreateObject(ctx, hubspot.Companies, hubspot.ObjectInput{Properties: map[string]string{
			"name": "Acme " + simID, "domain": "acme" + simID + ".example", hubspot.SimulationIDProperty: simID}})
		if err != nil {
			t.Fatal(err)
		}
		var in []hubspot.ObjectInput
		for i := range n {
			stage := "lead"
			if i%2 == 0 {
				stage = "customer"
			}
			in = append(in, hubspot.ObjectInput{
				Properties: map[string]string{"email": fmt.Sprintf("p%d-%02d@example.com", sim, i), "firstname": "Pat", "lastname": fmt.Sprintf("No%02d", i),
					"lifecyclestage": stage, hubspot.SimulationIDProperty: simID, hubspot.RecordKeyProperty: fmt.Sprintf("s%d-c%d", sim, i)},
				Associations: []hubspot.Association{hubspot.DefinedAssociation(company.ID, 279)},
			})
		}
		if _, err := c.BatchCreate(ctx, hubspot.Contacts, in); err != nil {
			t.Fatal(err)
		}
	}
}

// The boss browses every record: counts per type, property and text search,
// paging, one record with its associations, and reset.
func TestSandboxBrowserBoss(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			boss := a.browser(t)
			boss.signUp("boss@example.com", "boss password 1")
			bossID := a.user(t, "boss@example.com").ID
			s1 := a.seedSimulation(t, bossID, "Run one", storage.StatusRunning)
			s2 := a.seedSimulation(t, bossID, "Run two", storage.StatusCompleted)
			seedSandbox(t, a, map[int64]int{s1.ID: 30, s2.ID: 4})

			resp, body := boss.get("/sandbox")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /sandbox: want 200, got %d", resp.StatusCode)
			}
			if got := textAt(t, body, "#tab-contacts .type-count"); got != "34" {
				t.Errorf("contacts count: want 34, got %q", got)
			}
			if got := textAt(t, body, "#tab-companies .type-count"); got != "2" {
				t.Errorf("companies count: want 2, got %q", got)
			}
			if n := doc(t, body).Find("table.records tbody tr").Length(); n != sandboxPageSize {
				t.Errorf("first page: want %d rows, got %d", sandboxPageSize, n)
			}
			if got := textAt(t, body, "#range"); got != "1–25 of 34" {
				t.Errorf("range: want 1–25 of 34, got %q", got)
			}
			next, _ := doc(t, body).Find("#next").Attr("href")
			_, body = boss.get(next)
			if n := doc(t, body).Find("table.records tbody tr").Length(); n != 9 {
				t.Errorf("second page: want 9 rows, got %d (%s)", n, next)
			}

			// One simulation, by property, by text.
			q := url.Values{"type": {"contacts"}, "sim": {strconv.FormatInt(s2.ID, 10)}}
			_, body = boss.get("/sandbox?" + q.Encode())
			if got := textAt(t, body, "#tab-contacts .type-count"); got != "4" {
				t.Errorf("simulation 2 contacts: want 4, got %q", got)
			}
			q.Set("property", "lifecyclestage")
			q.Set("value", "customer")
			_, body = boss.get("/sandbox?" + q.Encode())
			if got := textAt(t, body, "#range"); got != "1–2 of 2" {
				t.Errorf("simulation 2 customers: want 1–2 of 2, got %q", got)
			}
			_, body = boss.get("/sandbox?type=contacts&q=" + url.QueryEscape(fmt.Sprintf("p%d-03", s1.ID)))
			if got := textAt(t, body, "#range"); got != "1–1 of 1" {
				t.Errorf("text search: want one match, got %q", got)
			}

			// Bad queries answer 422 with the message beside the field.
			for _, tc := range []struct{ query, field, want string }{
				{"type=contacts&property=no_such_property&value=x", "property", "no_such_property"},
				{"type=contacts&property=lifecyclestage", "value", "Enter the value"},
				{"type=contacts&value=x", "property", "Name the property"},
				{"type=contacts&sim=abc", "sim", "Choose one of your simulations"},
				{"type=widgets", "", "no object type"},
				{"type=contacts&offset=-5", "", "out of range"},
			} {
				resp, body := boss.get("/sandbox?" + tc.query)
				sel := "#err-" + tc.field
				if tc.field == "" {
					sel = "#form-error"
				}
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(textAt(t, body, sel), tc.want) {
					t.Errorf("%s: want 422 with %q at %s, got %d %q", tc.query, tc.want, sel, resp.StatusCode, textAt(t, body, sel))
				}
			}

			// One record with its association.
			_, body = boss.get("/sandbox?type=contacts&sim=" + strconv.FormatInt(s2.ID, 10))
			href, _ := doc(t, body).Find("table.records tbody tr td.num a").First().Attr("href")
			resp, body = boss.get(href)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("record %s: want 200, got %d", href, resp.StatusCode)
			}
			if got := textAt(t, body, "h1"); !strings.HasPrefix(got, "Pat No") {
				t.Errorf("record title: want the contact's name, got %q", got)
			}
			if got := textAt(t, body, "tr.simcrm-prop"); !strings.Contains(got, "simcrm_record_key") {
				t.Errorf("record: want SimCRM's properties marked, got %q", got)
			}
			assoc := doc(t, body).Find("#associations .assoc-list a")
			if assoc.Length() != 1 || !strings.HasPrefix(assoc.Text(), "companies #") {
				t.Fatalf("associations: want one company, got %q", assoc.Text())
			}
			companyHref, _ := assoc.Attr("href")
			if resp, body := boss.get(companyHref); resp.StatusCode != http.StatusOK || textAt(t, body, "h1") != "Acme "+strconv.FormatInt(s2.ID, 10) {
				t.Errorf("associated company: want 200 Acme, got %d %q", resp.StatusCode, textAt(t, body, "h1"))
			}
			for _, path := range []string{"/sandbox/records/contacts/999999", "/sandbox/records/widgets/1", "/sandbox/records/contacts/x"} {
				if resp, _ := boss.get(path); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: want 404, got %d", path, resp.StatusCode)
				}
			}

			// Reset.
			resp, _ = boss.post("/sandbox/reset", url.Values{})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: want 303, got %d", resp.StatusCode)
			}
			_, body = boss.get(resp.Header.Get("Location"))
			if got := textAt(t, body, "#notice"); !strings.Contains(got, "reset") {
				t.Errorf("after reset: want a notice, got %q", got)
			}
			if got := textAt(t, body, "#tab-contacts .type-count"); got != "0" {
				t.Errorf("after reset: want 0 contacts, got %q", got)
			}
		})
	}
}

// A player sees only their own simulations' records and cannot reset.
func TestSandboxBrowserPlayer(t *testing.T) {
	a := newTestApp(t, testenv.Dialects(t)[0], "")
	a.browser(t).signUp("boss@example.com", "boss password 1")
	alice, bob := a.browser(t), a.browser(t)
	alice.signUp("alice@example.com", "alice password 1")
	bob.signUp("bob@example.com", "bob password 12")

	_, body := bob.get("/sandbox")
	if got := textAt(t, body, "#no-records .muted"); !strings.Contains(got, "once you run one") {
		t.Errorf("player without simulations: want the empty state, got %q", got)
	}
	mine := a.seedSimulation(t, a.user(t, "alice@example.com").ID, "Alice's run", storage.StatusRunning)
	theirs := a.seedSimulation(t, a.user(t, "bob@example.com").ID, "Bob's run", storage.StatusRunning)
	seedSandbox(t, a, map[int64]int{mine.ID: 3, theirs.ID: 5})

	_, body = alice.get("/sandbox")
	if got := textAt(t, body, "#tab-contacts .type-count"); got != "3" {
		t.Errorf("alice's contacts: want 3 (her simulation only), got %q", got)
	}
	if opts := doc(t, body).Find("#f-sim option").Length(); opts != 1 {
		t.Errorf("alice's simulation choices: want 1, got %d", opts)
	}
	for _, row := range doc(t, body).Find("table.records tbody tr").Nodes {
		_ = row
	}
	if got := textAt(t, body, "table.records"); strings.Contains(got, fmt.Sprintf("p%d-", theirs.ID)) {
		t.Errorf("alice sees bob's records: %q", got)
	}
	resp, body := alice.get("/sandbox?sim=" + strconv.FormatInt(theirs.ID, 10))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(textAt(t, body, "#err-sim"), "your simulations") {
		t.Errorf("alice picks bob's simulation: want 422 with a message, got %d %q", resp.StatusCode, textAt(t, body, "#err-sim"))
	}
	if strings.Contains(textAt(t, body, "table.records"), fmt.Sprintf("p%d-", theirs.ID)) {
		t.Errorf("alice picking bob's simulation must not show his records")
	}

	// Bob's record is a 404 for Alice, hers is a 200.
	_, bobBody := bob.get("/sandbox")
	bobHref, _ := doc(t, bobBody).Find("table.records tbody tr td.num a").First().Attr("href")
	if resp, _ := alice.get(bobHref); resp.StatusCode != http.StatusNotFound {
		t.Errorf("alice opens bob's record %s: want 404, got %d", bobHref, resp.StatusCode)
	}
	_, body = alice.get("/sandbox")
	href, _ := doc(t, body).Find("table.records tbody tr td.num a").First().Attr("href")
	if resp, _ := alice.get(href); resp.StatusCode != http.StatusOK {
		t.Errorf("alice opens her record %s: want 200, got %d", href, resp.StatusCode)
	}

	if doc(t, body).Find("#reset-sandbox").Length() != 0 {
		t.Errorf("a player must not see the reset button")
	}
	for _, path := range []string{"/sandbox/reset", "/sandbox/settings/limits", "/sandbox/settings/faults"} {
		if resp, _ := alice.post(path, url.Values{"burst": {"1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("player POST %s: want 403, got %d", path, resp.StatusCode)
		}
	}
	if resp, _ := alice.get("/sandbox/settings"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("player GET /sandbox/settings: want 403, got %d", resp.StatusCode)
	}
	if counts, _ := a.sb.Counts(context.Background()); counts["contacts"] != 8 {
		t.Errorf("players cannot reset: want 8 contacts left, got %v", counts)
	}
}
