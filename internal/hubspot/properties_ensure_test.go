package hubspot_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// propertyPortal is a fake portal's property definitions per type, with scopes it
// refuses per type (403 MISSING_SCOPES) and an optional whole-portal answer.
type propertyPortal struct {
	mu       sync.Mutex
	props    map[string][]hubspot.Property
	noRead   map[string]bool // GET properties answers 403 for these types
	noWrite  map[string]bool // POST properties answers 403 for these types
	conflict map[string]bool // POST answers 409 (another process defined it first) for these types
	noUnique map[string]bool // POST of a property with unique values answers 400 for these types
	status   int             // when set, every call answers this status
}

func (p *propertyPortal) handle(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, basePath+"/crm/v3/properties/"), "/")
	typ := parts[0]
	switch {
	case p.status == http.StatusUnauthorized:
		w.Header().Set("X-HubSpot-Auth-Failure", "401 Unauthorized")
		reply(w, 401, `{"status":"error","message":"Authentication credentials not found.","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"INVALID_AUTHENTICATION"}`)
	case p.status == http.StatusNotFound:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html>Welcome to nginx</html>"))
	case p.status != 0:
		reply(w, p.status, `{"status":"error","message":"boom","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"INTERNAL_ERROR"}`)
	case r.Method == http.MethodGet && len(parts) == 1:
		if p.noRead[typ] {
			missingScopes(w, "crm.schemas."+typ+".read")
			return
		}
		out := []hubspot.Property{}
		out = append(out, p.props[typ]...)
		b, _ := json.Marshal(map[string]any{"results": out})
		reply(w, 200, string(b))
	case r.Method == http.MethodGet && len(parts) == 2:
		for _, pr := range p.props[typ] {
			if pr.Name == parts[1] {
				b, _ := json.Marshal(pr)
				reply(w, 200, string(b))
				return
			}
		}
		reply(w, 404, `{"status":"error","message":"Unable to find property","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"OBJECT_NOT_FOUND"}`)
	case r.Method == http.MethodPost && len(parts) == 1:
		if p.noWrite[typ] {
			missingScopes(w, "crm.schemas."+typ+".write")
			return
		}
		var in hubspot.PropertyCreate
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.HasUniqueValue && p.noUnique[typ] {
			reply(w, 400, `{"status":"error","message":"Property values were not valid","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"VALIDATION_ERROR"}`)
			return
		}
		pr := hubspot.Property{Name: in.Name, Label: in.Label, Type: in.Type, FieldType: in.FieldType, GroupName: in.GroupName,
			Description: in.Description, Options: []hubspot.PropertyOption{}, HasUniqueValue: in.HasUniqueValue}
		if p.conflict[typ] {
			p.props[typ] = append(p.props[typ], pr)
			reply(w, 409, `{"status":"error","message":"Property named '`+in.Name+`' already exists.","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"OBJECT_ALREADY_EXISTS"}`)
			return
		}
		p.props[typ] = append(p.props[typ], pr)
		b, _ := json.Marshal(pr)
		reply(w, 201, string(b))
	default:
		reply(w, 404, `{"status":"error","message":"no route","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"OBJECT_NOT_FOUND"}`)
	}
}

func missingScopes(w http.ResponseWriter, scope string) {
	reply(w, 403, `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"c0ffee00-0000-0000-0000-000000000000","category":"MISSING_SCOPES","errors":[{"message":"One or more of the following scopes are required.","context":{"requiredScopes":["`+scope+`"]}}]}`)
}

func builtin(name, group string) hubspot.Property {
	return hubspot.Property{Name: name, Label: name, Type: "string", FieldType: "text", GroupName: group, Options: []hubspot.PropertyOption{}}
}

func newPortal() *propertyPortal {
	return &propertyPortal{
		props: map[string][]hubspot.Property{
			"contacts": {builtin("email", "contactinformation")},
			"notes":    {builtin("hs_note_body", "engagement")},
			"calls":    {builtin("hs_call_title", "call_information")},
		},
		noRead: map[string]bool{}, noWrite: map[string]bool{}, conflict: map[string]bool{}, noUnique: map[string]bool{},
	}
}

func (p *propertyPortal) find(typ, name string) (hubspot.Property, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.props[typ] {
		if pr.Name == name {
			return pr, true
		}
	}
	return hubspot.Property{}, false
}

func TestEnsureTracePropertiesCreatesMissing(t *testing.T) {
	portal := newPortal()
	f := newFake(t, true, portal.handle)
	c := f.client()
	rep, err := c.EnsureTraceProperties(context.Background())
	if err != nil {
		t.Fatalf("EnsureTraceProperties: %v", err)
	}
	if !rep.Ready() || rep.Created() != 2*len(hubspot.TraceTypes) {
		t.Fatalf("want ready with %d created, got ready=%v created=%d: %+v", 2*len(hubspot.TraceTypes), rep.Ready(), rep.Created(), rep)
	}
	for _, typ := range hubspot.TraceTypes {
		key, ok := portal.find(string(typ), hubspot.RecordKeyProperty)
		if !ok || !key.HasUniqueValue {
			t.Errorf("%s: want %s with hasUniqueValue, got %+v (found %v)", typ, hubspot.RecordKeyProperty, key, ok)
		}
		sim, ok := portal.find(string(typ), hubspot.SimulationIDProperty)
		if !ok || sim.HasUniqueValue {
			t.Errorf("%s: want %s without unique values, got %+v (found %v)", typ, hubspot.SimulationIDProperty, sim, ok)
		}
	}
	// The group is the type's usual one when present, else one the type has.
	for typ, want := range map[string]string{"contacts": "contactinformation", "notes": "engagement", "calls": "call_information", "deals": "dealinformation"} {
		if p, _ := portal.find(typ, hubspot.RecordKeyProperty); p.GroupName != want {
			t.Errorf("%s group: want %q, got %q", typ, want, p.GroupName)
		}
	}

	// A second run finds everything and creates nothing.
	n := len(f.requests())
	rep, err = c.EnsureTraceProperties(context.Background())
	if err != nil || !rep.Ready() || rep.Created() != 0 {
		t.Fatalf("second run: want ready, nothing created; got %+v, %v", rep, err)
	}
	if got := len(f.requests()) - n; got != len(hubspot.TraceTypes) {
		t.Errorf("second run: want %d reads, got %d calls", len(hubspot.TraceTypes), got)
	}
}

func TestEnsureTracePropertiesReportsScopesByName(t *testing.T) {
	portal := newPortal()
	portal.noRead["tickets"] = true
	portal.noWrite["deals"] = true
	f := newFake(t, true, portal.handle)
	rep, err := f.client().EnsureTraceProperties(context.Background())
	if err != nil {
		t.Fatalf("want per-type results, not an error: %v", err)
	}
	if rep.Ready() {
		t.Fatalf("want not ready")
	}
	want := []string{"crm.schemas.deals.write", "crm.schemas.tickets.read"}
	if got := rep.MissingScopes(); !reflect.DeepEqual(got, want) {
		t.Errorf("missing scopes: want %v, got %v", want, got)
	}
	for _, r := range rep.Results {
		switch r.Type {
		case hubspot.Deals, hubspot.Tickets:
			if len(r.Missing) != 2 || r.Ready() {
				t.Errorf("%s: want both properties missing, got %+v", r.Type, r)
			}
		default:
			if !r.Ready() {
				t.Errorf("%s: want ready, got %+v", r.Type, r)
			}
		}
	}
}

func TestEnsureTracePropertiesExistingAndRaces(t *testing.T) {
	portal := newPortal()
	// Someone defined the key by hand on contacts, without unique values.
	portal.props["contacts"] = append(portal.props["contacts"], builtin(hubspot.RecordKeyProperty, "contactinformation"))
	// On companies another process wins the race for both properties.
	portal.conflict["companies"] = true
	f := newFake(t, true, portal.handle)
	rep, err := f.client().EnsureTraceProperties(context.Background(), hubspot.Contacts, hubspot.Companies)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 {
		t.Fatalf("want 2 results, got %+v", rep.Results)
	}
	contacts, companies := rep.Results[0], rep.Results[1]
	if !contacts.KeyNotUnique || contacts.Ready() || !reflect.DeepEqual(contacts.Created, []string{hubspot.SimulationIDProperty}) {
		t.Errorf("contacts: want key reported not unique and only the simulation id created, got %+v", contacts)
	}
	if !companies.Ready() || len(companies.Created) != 0 {
		t.Errorf("companies: a 409 means it exists; want ready with nothing created, got %+v", companies)
	}
}

func TestEnsureTracePropertiesStopsOnUnusableConnection(t *testing.T) {
	// 401: the token is refused; 500: HubSpot is unwell; 404 from a web server: not HubSpot's API.
	for _, status := range []int{http.StatusUnauthorized, http.StatusInternalServerError, http.StatusNotFound} {
		portal := newPortal()
		portal.status = status
		f := newFake(t, false, portal.handle)
		rep, err := f.client().EnsureTraceProperties(context.Background())
		var he *hubspot.Error
		if !errors.As(err, &he) || he.StatusCode != status {
			t.Fatalf("status %d: want *hubspot.Error with that status, got %v", status, err)
		}
		if len(rep.Results) != 0 || len(f.requests()) != 1 {
			t.Errorf("status %d: want a stop after the first call, got %d results and %d calls", status, len(rep.Results), len(f.requests()))
		}
	}
}

// A type that takes no unique custom property still gets the key, without unique
// values (upserts by it are then impossible, which the report says).
func TestEnsureTracePropertiesKeyWithoutUniqueValues(t *testing.T) {
	portal := newPortal()
	portal.noUnique["notes"] = true
	f := newFake(t, true, portal.handle)
	rep, err := f.client().EnsureTraceProperties(context.Background(), hubspot.Notes)
	if err != nil {
		t.Fatal(err)
	}
	notes := rep.Results[0]
	key, ok := portal.find("notes", hubspot.RecordKeyProperty)
	if !ok || key.HasUniqueValue || !notes.Has(hubspot.RecordKeyProperty) || !notes.KeyNotUnique || len(notes.Created) != 2 {
		t.Errorf("want the key defined without unique values and reported so, got %+v (portal: %+v)", notes, key)
	}
	if key.GroupName != "engagement" {
		t.Errorf("group: want the portal's engagement group, got %q", key.GroupName)
	}
}

// Every call goes through the guard; a guard that refuses (a wait) stops the
// setup with its error, before any call.
func TestEnsureTracePropertiesGuarded(t *testing.T) {
	portal := newPortal()
	f := newFake(t, true, portal.handle)
	calls := 0
	count := func(ctx context.Context, call func(context.Context) error) error { calls++; return call(ctx) }
	rep, err := f.client().EnsureTracePropertiesGuarded(context.Background(), count, hubspot.Contacts, hubspot.Notes)
	if err != nil || !rep.Ready() {
		t.Fatalf("want both types ready, got %+v, %v", rep, err)
	}
	if calls != len(f.requests()) || calls != 6 {
		t.Errorf("want each of the 6 calls (2 reads, 4 creates) through the guard, got %d guarded of %d", calls, len(f.requests()))
	}
	wait := errors.New("wait for the window")
	before := len(f.requests())
	_, err = f.client().EnsureTracePropertiesGuarded(context.Background(), func(context.Context, func(context.Context) error) error { return wait }, hubspot.Deals)
	if !errors.Is(err, wait) || len(f.requests()) != before {
		t.Errorf("refusing guard: want its error and no call, got %v after %d calls", err, len(f.requests())-before)
	}
}
