package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
)

// The app mounts the sandbox with Fiber's Mount under a parent that has its own
// error handler and a catch-all 404 registered after the mount (as web.New does):
// sandbox paths reach the sandbox and its error bodies, others stay the parent's.
func TestMountedUnderAnApp(t *testing.T) {
	d := testenv.Dialects(t)[0]
	st := openStore(t, d)
	sb := sandbox.New(st, sandbox.Options{Token: testToken, Limits: sandbox.DefaultLimits()})
	parent := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(fiber.StatusTeapot).SendString("parent error page")
	}})
	parent.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	parent.Mount(sandbox.MountPath, sb.Handler())
	parent.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = parent.Listener(ln) }()
	t.Cleanup(func() { _ = parent.ShutdownWithTimeout(5 * time.Second) })
	root := "http://" + ln.Addr().String()
	base := root + sandbox.MountPath

	v := hubspottest.MustLoad(t, base)
	c, err := hubspot.NewClient(base, testToken, hubspot.WithHTTPClient(&http.Client{Transport: v.Transport(t, nil)}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := c.BatchCreate(ctx, hubspot.Contacts, []hubspot.ObjectInput{{Properties: props("email", "mounted@example.com")}})
	if err != nil || len(created.Results) != 1 {
		t.Fatalf("batch create through the mount: %+v, %v", created, err)
	}
	if info, ok := c.RateLimit(); !ok || info.Max != 100 {
		t.Errorf("rate-limit headers through the mount: got %+v, %v", info, ok)
	}
	_, err = c.Object(ctx, hubspot.Contacts, "987654321", hubspot.ReadOptions{})
	var he *hubspot.Error
	if !errors.As(err, &he) || he.StatusCode != 404 || he.Category != "OBJECT_NOT_FOUND" {
		t.Errorf("sandbox 404 through the mount: want its JSON body, got %v", err)
	}

	get := func(url string, authz bool) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if authz {
			req.Header.Set("Authorization", "Bearer "+testToken)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get(base+"/crm/v3/no/such/route", true); status != 404 || !strings.Contains(body, `"category":"OBJECT_NOT_FOUND"`) {
		t.Errorf("unknown sandbox path: want the sandbox's 404 body, got %d %s", status, body)
	}
	if status, body := get(base+"/crm/v3/objects/contacts", false); status != 401 || !strings.Contains(body, "INVALID_AUTHENTICATION") {
		t.Errorf("no token through the mount: want 401, got %d %s", status, body)
	}
	if status, body := get(root+"/elsewhere", false); status != fiber.StatusTeapot || body != "parent error page" {
		t.Errorf("outside the mount: want the parent's error handler, got %d %s", status, body)
	}
	if status, _ := get(root+"/healthz", false); status != 200 {
		t.Errorf("parent route: got %d", status)
	}
}

func TestCountsRecordsReset(t *testing.T) {
	ctx := context.Background()
	eachDialect(t, sandbox.Options{Limits: unlimited}, func(t *testing.T, e *env) {
		company, _ := e.client.CreateObject(ctx, hubspot.Companies, hubspot.ObjectInput{Properties: props("name", "Browse Co", "simcrm_simulation_id", "42")})
		var inputs []hubspot.ObjectInput
		for i := 0; i < 30; i++ {
			sim := "42"
			if i%3 == 0 {
				sim = "7"
			}
			inputs = append(inputs, hubspot.ObjectInput{
				Properties:   props("email", fmt.Sprintf("b%02d@example.com", i), "firstname", fmt.Sprintf("B%02d", i), "simcrm_simulation_id", sim),
				Associations: []hubspot.Association{hubspot.DefinedAssociation(company.ID, 279)},
			})
		}
		res, err := e.client.BatchCreate(ctx, hubspot.Contacts, inputs)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := e.sb.Counts(ctx)
		if err != nil || counts["contacts"] != 30 || counts["companies"] != 1 {
			t.Errorf("counts: got %v, %v", counts, err)
		}

		page, err := e.sb.Records(ctx, sandbox.RecordQuery{Type: "contacts", Property: "simcrm_simulation_id", Value: "42", Limit: 15})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 20 || len(page.Records) != 15 || page.NextOffset != 15 {
			t.Errorf("records of simulation 42: want 20 in pages of 15, got total %d, %d records, next %d", page.Total, len(page.Records), page.NextOffset)
		}
		if page.Records[0].Properties["email"] != "b29@example.com" || page.Records[0].Properties["hs_object_id"] == "" {
			t.Errorf("newest first, with system properties: got %v", page.Records[0].Properties)
		}
		next, _ := e.sb.Records(ctx, sandbox.RecordQuery{Type: "0-1", Property: "simcrm_simulation_id", Value: "42", Limit: 15, Offset: page.NextOffset})
		if len(next.Records) != 5 || next.NextOffset != 0 {
			t.Errorf("second page: want the last 5, got %d (next %d)", len(next.Records), next.NextOffset)
		}
		q, _ := e.sb.Records(ctx, sandbox.RecordQuery{Type: "contacts", Query: "b1"})
		if q.Total != 10 {
			t.Errorf("text query b1: want 10, got %d", q.Total)
		}
		if _, err := e.sb.Records(ctx, sandbox.RecordQuery{Type: "widgets"}); !errors.Is(err, sandbox.ErrUnknownType) {
			t.Errorf("unknown type: want ErrUnknownType, got %v", err)
		}
		var qe *sandbox.QueryError
		if _, err := e.sb.Records(ctx, sandbox.RecordQuery{Type: "contacts", Property: "nope", Value: "x"}); !errors.As(err, &qe) {
			t.Errorf("unknown property: want a *QueryError, got %v", err)
		}

		rec, assocs, err := e.sb.Record(ctx, "contacts", mustID(t, res.Results[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		if rec.Properties["email"] == "" || len(assocs) != 1 || assocs[0].Type != "companies" || assocs[0].TypeID != 279 || assocs[0].Label != "contact_to_company_unlabeled" {
			t.Errorf("record with associations: got %+v %+v", rec, assocs)
		}
		if names := rec.SortedProperties(); len(names) < 4 || names[0] > names[1] {
			t.Errorf("sorted properties: got %v", names)
		}
		if _, _, err := e.sb.Record(ctx, "contacts", 987654321); !errors.Is(err, sandbox.ErrNotFound) {
			t.Errorf("missing record: want ErrNotFound, got %v", err)
		}

		if err := e.sb.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		counts, _ = e.sb.Counts(ctx)
		if len(counts) != 0 {
			t.Errorf("after reset: want nothing, got %v", counts)
		}
		// SimCRM's properties survive a reset, so upsert by record key still works.
		if _, err := e.client.BatchUpsert(ctx, hubspot.Deals, []hubspot.UpdateInput{{ID: "k1", IDProperty: "simcrm_record_key", Properties: props("dealname", "after reset")}}); err != nil {
			t.Errorf("upsert by simcrm_record_key after reset: %v", err)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return id
}

// Records survive a restart: a second sandbox on the same database sees them, and
// new ids do not collide with old ones.
func TestRecordsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			first := openStore(t, d)
			sb1 := sandbox.New(first, sandbox.Options{Token: testToken})
			c1, _ := hubspot.NewClient(serve(t, sb1), testToken)
			made, err := c1.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "persist@example.com")})
			if err != nil {
				t.Fatal(err)
			}
			second := openStore(t, d)
			sb2 := sandbox.New(second, sandbox.Options{Token: testToken})
			c2, _ := hubspot.NewClient(serve(t, sb2), testToken)
			got, err := c2.Object(ctx, hubspot.Contacts, made.ID, hubspot.ReadOptions{Properties: []string{"email"}})
			if err != nil || got.Properties.Get("email") != "persist@example.com" {
				t.Errorf("after restart: got %+v, %v", got, err)
			}
			again, err := c2.CreateObject(ctx, hubspot.Contacts, hubspot.ObjectInput{Properties: props("email", "second@example.com")})
			if err != nil || again.ID == made.ID {
				t.Errorf("a new record after restart: want a new id, got %+v, %v", again, err)
			}
		})
	}
}
