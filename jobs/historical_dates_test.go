package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/storage"
)

// bodyRecorder keeps the bodies of the batch create and update requests.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies map[string][]string // path → request bodies
	next   http.RoundTripper
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && strings.Contains(r.URL.Path, "/batch/") {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		b.mu.Lock()
		b.bodies[r.URL.Path] = append(b.bodies[r.URL.Path], string(body))
		b.mu.Unlock()
	}
	return b.next.RoundTrip(r)
}

// dated returns, for every input of the recorded bodies of path, the value of prop.
func (b *bodyRecorder) dated(t *testing.T, path, prop string) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, body := range b.bodies[path] {
		var in struct {
			Inputs []struct {
				Properties map[string]string `json:"properties"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(body), &in); err != nil {
			t.Fatalf("%s body: %v", path, err)
		}
		for _, i := range in.Inputs {
			if v, ok := i.Properties[prop]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// A backfill through a HubSpot connection (the sandbox behind it) sends the
// planned createdate and lifecycle dates, and every request and answer validates
// against HubSpot's OpenAPI specs. With the connection's "historical dates" off,
// no planned date is sent. Deal "date entered" stage dates, which HubSpot (and
// the sandbox) calculate, are never sent.
func TestHubSpotBackfillSendsHistoricalDates(t *testing.T) {
	v := hubspottest.MustLoad(t, "http://127.0.0.1")
	rec := &bodyRecorder{bodies: map[string][]string{}}
	e := newTestEnv(t, firstDialect(t), envOptions{engineOptions: func(o *Options) {
		rec.next = o.HTTPClient.Transport
		o.HTTPClient = &http.Client{Transport: v.Transport(t, rec)}
	}})
	ctx := context.Background()
	box, err := secret.NewBox(e.cfg.TokenEncSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{true, false} {
		c := &storage.Connection{UserID: e.user, Name: "portal " + strconv.FormatBool(on), BaseURL: e.baseURL, Tier: "starter",
			TokenCiphertext: box.Seal([]byte(testSandboxToken)), ValidationOK: true, HistoricalDates: on}
		if err := e.store.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		rec.bodies = map[string][]string{}
		rec.mu.Unlock()
		in := backfillInput(150)
		in.Target = strconv.FormatInt(c.ID, 10)
		started := time.Now()
		s := e.run(in)
		s = e.wait(s.ID, storage.StatusCompleted, time.Minute)
		e.checkExact(s)

		created := rec.dated(t, "/crm/v3/objects/contacts/batch/create", "createdate")
		became := rec.dated(t, "/crm/v3/objects/contacts/batch/update", "hs_lifecyclestage_customer_date")
		entered := rec.dated(t, "/crm/v3/objects/deals/batch/update", "hs_date_entered_closedwon")
		if len(entered) > 0 {
			t.Errorf("historical %v: deal stage dates are HubSpot's own, yet %d were sent", on, len(entered))
		}
		if !on {
			if len(created)+len(became) > 0 {
				t.Errorf("historical dates off: want no planned dates sent, got %d createdate and %d customer dates", len(created), len(became))
			}
			for _, o := range e.sandboxObjects(s, "contacts") {
				if o.CreatedAt.Before(started.Add(-time.Second)) {
					t.Fatalf("historical dates off: contact %d created %v, before the run", o.ID, o.CreatedAt)
				}
			}
			continue
		}
		if len(created) != s.EffectiveTotal || len(became) == 0 {
			t.Fatalf("historical dates on: want %d contacts with createdate and some customer dates, got %d and %d", s.EffectiveTotal, len(created), len(became))
		}
		for _, v := range created {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || !time.UnixMilli(ms).Before(s.EndAt.Add(time.Second)) || time.UnixMilli(ms).Before(s.StartAt) {
				t.Fatalf("createdate %q: want a planned moment in the window %v … %v", v, s.StartAt, s.EndAt)
			}
		}
		_, recs := e.planAll(s)
		contacts := byKey(e.sandboxObjects(s, "contacts"))
		for _, r := range recs {
			if got := contacts[r.Key].CreatedAt; !got.Equal(r.CreatedAt.UTC().Truncate(time.Millisecond)) {
				t.Fatalf("contact %s: want createdate %v in the portal, got %v", r.Key, r.CreatedAt, got)
			}
		}
	}
}
