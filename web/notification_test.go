package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/jobs"
)

// A user adds a webhook on the notifications page (bad input: a message beside the
// field), sees its secret once, sends a test that arrives signed with it, reads
// the delivery log, and deletes the channel; nobody else can see it.
func TestNotificationChannels(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "")
			a.runWorkers(t)
			b := a.browser(t)
			b.signUp("player@example.com", "player password 1")
			var got atomic.Value
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				got.Store([]string{r.Header.Get(jobs.HeaderSignature), string(body)})
				io.WriteString(w, "ok")
			}))
			t.Cleanup(hook.Close)

			b.get("/notifications")
			for _, tc := range []struct {
				form  url.Values
				field string
			}{
				{url.Values{"kind": {"webhook"}, "url": {"ftp://x"}, "events": {"finished"}}, "url"},
				{url.Values{"kind": {"webhook"}, "url": {hook.URL}}, "events"},
				{url.Values{"kind": {"webhook"}, "url": {hook.URL}, "events": {"dlq"}, "threshold": {"0"}}, "threshold"},
				{url.Values{"kind": {"webhook"}, "url": {hook.URL}, "events": {"finished"}, "threshold": {"-4"}}, "threshold"},
				{url.Values{"kind": {"email"}, "email": {"me@example.com"}, "events": {"finished"}}, "kind"}, // no SMTP_URL
				{url.Values{"kind": {"pigeon"}, "events": {"finished"}}, "kind"},
			} {
				resp, body := b.post("/notifications", tc.form)
				if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#err-"+tc.field).Length() != 1 {
					t.Errorf("%v: want 422 with a message beside %s, got %d", tc.form, tc.field, resp.StatusCode)
				}
			}
			resp, body := b.post("/notifications", url.Values{"kind": {"webhook"}, "url": {hook.URL}, "events": {"finished", "failed"}, "threshold": {""}})
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("add: want 201, got %d", resp.StatusCode)
			}
			page := doc(t, body)
			secret := page.Find("#secret").Text()
			if !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("want the secret shown once, got %q", secret)
			}
			chans, _ := a.store.NotificationChannels(t.Context(), a.user(t, "player@example.com").ID)
			if len(chans) != 1 {
				t.Fatalf("want one channel stored, got %d", len(chans))
			}
			chURL := "/notifications/" + itoa64(chans[0].ID)
			if _, body := b.get(chURL); strings.Contains(body, secret) {
				t.Error("the secret must not be shown again")
			}

			// A test notification arrives signed with the secret and shows in the log.
			if resp, _ := b.post(chURL+"/test", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("test: want 303, got %d", resp.StatusCode)
			}
			waitFor(t, 10*time.Second, "test delivered", func() bool { return got.Load() != nil })
			call := got.Load().([]string)
			ts, _, _ := strings.Cut(strings.TrimPrefix(call[0], "t="), ",")
			if want := jobs.Sign([]byte(secret), unixOf(t, ts), []byte(call[1])); call[0] != want || !strings.Contains(call[1], `"event":"test"`) {
				t.Errorf("signature: want %q for %s, got %q", want, call[1], call[0])
			}
			waitFor(t, 5*time.Second, "log updated", func() bool {
				_, body := b.get(chURL)
				return doc(t, body).Find("#deliveries .delivery-delivered").Length() == 1
			})

			// Another user cannot open, test or delete it; the API lists it.
			other := a.browser(t)
			other.signUp("other@example.com", "other password 1")
			if resp, _ := other.get(chURL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("someone else's channel: want 404, got %d", resp.StatusCode)
			}
			api := a.apiClient(t, "player@example.com")
			if _, body := api.get("/api/notifications/" + itoa64(chans[0].ID) + "/deliveries"); !strings.Contains(body, `"status":"delivered"`) {
				t.Errorf("API deliveries: want the delivered test, got %s", body)
			}
			resp, body = api.postJSON("/api/notifications", `{"kind": "webhook", "url": "`+hook.URL+`", "events": ["dlq"], "dlqThreshold": 10}`)
			if resp.StatusCode != http.StatusCreated || !strings.Contains(body, `"secret":"whsec_`) {
				t.Errorf("API add: want 201 with the secret, got %d %s", resp.StatusCode, body)
			}
			if resp, _ := api.postJSON("/api/notifications", `{"kind": "webhook", "url": "x", "events": []}`); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("API bad channel: want 422, got %d", resp.StatusCode)
			}

			resp, _ = b.htmx(http.MethodPost, chURL+"/delete", url.Values{})
			if resp.Header.Get("HX-Redirect") != "/notifications" {
				t.Fatalf("delete: want HX-Redirect /notifications, got %d", resp.StatusCode)
			}
			if resp, _ := b.get(chURL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("deleted channel: want 404, got %d", resp.StatusCode)
			}
		})
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func unixOf(t *testing.T, s string) time.Time {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return time.Unix(n, 0)
}
