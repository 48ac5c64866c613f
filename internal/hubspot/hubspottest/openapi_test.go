package hubspottest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot/hubspottest"
)

const base = "http://sandbox.test/sandbox/hubspot"

func request(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, base+path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func TestValidateRequest(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	cases := []struct {
		name    string
		method  string
		path    string
		body    string
		wantErr string // substring; "" for valid
	}{
		{"create", "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"a@x"},"associations":[]}`, ""},
		{"create without associations", "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"a@x"}}`, "body.associations: required"},
		{"property value not a string", "POST", "/crm/v3/objects/contacts", `{"properties":{"n":5},"associations":[]}`, "body.properties.n: want string"},
		{"bad association category", "POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"NOPE","associationTypeId":1}]}]}`, "is not one of"},
		{"type id overflows int32", "POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":9999999999}]}]}`, "overflows int32"},
		{"missing body", "POST", "/crm/v3/objects/contacts/batch/create", ``, "request body: required"},
		{"invalid JSON", "POST", "/crm/v3/objects/contacts/batch/create", `{"inputs":[`, "invalid JSON"},
		{"deals by name", "POST", "/crm/v3/objects/deals/batch/create", `{"inputs":[{"properties":{"dealname":"x"},"associations":[]}]}`, ""},
		{"deals by id", "POST", "/crm/v3/objects/0-3/batch/create", `{"inputs":[{"properties":{"dealname":"x"},"associations":[]}]}`, ""},
		{"contacts by id", "GET", "/crm/v3/objects/0-1/5", ``, ""},
		{"search with sort objects", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[{"propertyName":"createdate","direction":"DESCENDING"}],"properties":[],"limit":10,"after":"0"}`, ""},
		{"search with sort strings", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":["createdate"],"properties":[],"limit":10,"after":"0"}`, ""},
		{"search bad operator", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"a","operator":"LIKE"}]}],"sorts":[],"properties":[],"limit":10,"after":"0"}`, "is not one of"},
		{"search without after", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":10}`, "body.after: required"},
		{"get with bad boolean", "GET", "/crm/v3/objects/contacts/5?archived=maybe", ``, "query archived"},
		{"get with array query", "GET", "/crm/v3/objects/contacts/5?properties=email,firstname&properties=x", ``, ""},
		{"v4 default association", "PUT", "/crm/v4/objects/deals/42/associations/default/contacts/101", ``, ""},
		{"v4 non-numeric id", "PUT", "/crm/v4/objects/deals/abc/associations/default/contacts/101", ``, "path fromObjectId"},
		{"v4 labelled association", "PUT", "/crm/v4/objects/contacts/1/associations/companies/2", `[{"associationCategory":"USER_DEFINED","associationTypeId":37}]`, ""},
		{"owners limit not integer", "GET", "/crm/v3/owners?limit=ten", ``, "query limit"},
		{"property groups (literal beats parameter)", "GET", "/crm/v3/properties/contacts/groups", ``, ""},
		{"property create", "POST", "/crm/v3/properties/contacts", `{"name":"k","label":"K","type":"string","fieldType":"text","groupName":"g","hasUniqueValue":true}`, ""},
		{"property create bad type", "POST", "/crm/v3/properties/contacts", `{"name":"k","label":"K","type":"text","fieldType":"text","groupName":"g"}`, "body.type"},
		{"unknown path", "GET", "/crm/v3/objects/widgets/1", ``, "no operation"},
		{"method not in spec", "PUT", "/crm/v3/objects/contacts/1", `{}`, "method not in the specs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.ValidateRequest(request(tc.method, tc.path, tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("want an error containing %q, got none", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("want an error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestValidateRequestKeepsBody(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	r := request("POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[]}`)
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil || string(b) != `{"properties":{},"associations":[]}` {
		t.Errorf("body after validation: %q %v", b, err)
	}
}

func TestValidateResponse(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	obj := `{"id":"1","properties":{"email":"a@x","company":null},"createdAt":"2024-05-01T10:00:00.000Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}`
	cases := []struct {
		name          string
		method, path  string
		status        int
		body, wantErr string
	}{
		{"201 object with null property", "POST", "/crm/v3/objects/contacts", 201, obj, ""},
		{"object missing id", "POST", "/crm/v3/objects/contacts", 201, `{"properties":{},"createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}`, "body.id: required"},
		{"bad date-time", "POST", "/crm/v3/objects/contacts", 201, strings.Replace(obj, "2024-05-01T10:00:00Z", "yesterday", 1), "date-time"},
		{"undocumented success status", "POST", "/crm/v3/objects/contacts", 200, obj, "success status not in the spec"},
		{"batch 207", "POST", "/crm/v3/objects/contacts/batch/create", 207, `{"status":"COMPLETE","results":[],"numErrors":1,"errors":[{"status":"error","category":"CONFLICT","message":"m","context":{},"errors":[],"links":{}}],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, ""},
		{"batch bad status", "POST", "/crm/v3/objects/contacts/batch/create", 201, `{"status":"DONE","results":[],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, "body.status"},
		{"409 error", "POST", "/crm/v3/objects/contacts", 409, `{"status":"error","message":"Contact already exists. Existing ID: 1","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"CONFLICT"}`, ""},
		{"error without category", "POST", "/crm/v3/objects/contacts", 400, `{"status":"error","message":"m","correlationId":"x"}`, "body.category: required"},
		{"429 body", "POST", "/crm/v3/objects/contacts", 429, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"x","policyName":"DAILY","requestId":"y"}`, ""},
		{"429 unknown policy", "POST", "/crm/v3/objects/contacts", 429, `{"status":"error","message":"m","errorType":"RATE_LIMIT","correlationId":"x","policyName":"HOURLY"}`, "policyName"},
		{"204 with body", "DELETE", "/crm/v3/objects/contacts/1", 204, `{}`, "does not declare"},
		{"204", "DELETE", "/crm/v3/objects/contacts/1", 204, ``, ""},
		{"201 without body", "POST", "/crm/v3/objects/contacts", 201, ``, "missing"},
		{"v4 list with null label", "GET", "/crm/v4/objects/contacts/1/associations/companies", 200, `{"results":[{"toObjectId":2,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}]}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json;charset=utf-8"}}
			err := v.ValidateResponse(request(tc.method, tc.path, ""), tc.status, h, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("want an error containing %q, got none", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("want an error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestRoute(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	cases := []struct{ method, path, spec, template string }{
		{"POST", "/crm/v3/objects/deals/search", "Deals.json", "/crm/v3/objects/deals/search"},
		{"PATCH", "/crm/v3/objects/deal/7", "Deals.json", "/crm/v3/objects/deals/{dealId}"},
		{"GET", "/crm/v3/properties/deals/groups", "Properties.json", "/crm/v3/properties/{objectType}/groups"},
		{"GET", "/crm/v3/properties/deals/amount", "Properties.json", "/crm/v3/properties/{objectType}/{propertyName}"},
		{"GET", "/crm/v3/pipelines/tickets", "Pipelines.json", "/crm/v3/pipelines/{objectType}"},
	}
	for _, tc := range cases {
		rt, err := v.Route(request(tc.method, tc.path, ""))
		if err != nil || rt.Spec != tc.spec || rt.Template != tc.template {
			t.Errorf("%s %s: got %+v %v, want %s %s", tc.method, tc.path, rt, err, tc.spec, tc.template)
		}
	}
	if _, err := v.Route(httptest.NewRequest("GET", "http://sandbox.test/other/crm/v3/owners", nil)); err == nil {
		t.Error("a path outside the base path was routed")
	}
}

func TestLoadSpec(t *testing.T) {
	v, err := hubspottest.LoadSpec("0-3", base)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.ValidateRequest(request("GET", "/crm/v3/objects/deals/1", "")); err != nil {
		t.Errorf("deals spec: %v", err)
	}
	if err := v.ValidateRequest(request("GET", "/crm/v3/objects/contacts/1", "")); err == nil {
		t.Error("the deals spec alone accepted a contacts path")
	}
	if _, err := hubspottest.LoadSpec("widgets", base); err == nil {
		t.Error("unknown kind loaded")
	}
}

func TestDirOverride(t *testing.T) {
	dir, err := hubspottest.Dir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Contacts.json")); err != nil {
		t.Fatalf("default dir %s: %v", dir, err)
	}
	t.Setenv(hubspottest.EnvDir, t.TempDir())
	if _, err := hubspottest.LoadSpec("contacts", base); err == nil {
		t.Error("loaded specs from an empty override directory")
	}
}

type collector struct{ errs []string }

func (c *collector) Helper()                        {}
func (c *collector) Errorf(format string, a ...any) { c.errs = append(c.errs, format) }

func TestHandlerReportsBothDirections(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	var rep collector
	h := v.Handler(&rep, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write([]byte(`{"id":1}`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, request("POST", "/crm/v3/objects/contacts", `{"properties":{}}`))
	if len(rep.errs) != 2 {
		t.Errorf("want a request and a response failure, got %v", rep.errs)
	}
	if rec.Code != 201 || rec.Body.String() != `{"id":1}` {
		t.Errorf("response not passed through: %d %s", rec.Code, rec.Body)
	}
}

func TestTransportChecksClientSide(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		w.Write([]byte(`{"id":"1","properties":{},"createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z"}`)) // archived missing
	}))
	defer srv.Close()
	v := hubspottest.MustLoad(t, srv.URL)
	var rep collector
	hc := &http.Client{Transport: v.Transport(&rep, nil)}
	req, _ := http.NewRequest("POST", srv.URL+"/crm/v3/objects/contacts", strings.NewReader(`{"properties":{"email":"a@x"},"associations":[]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"id":"1"`) {
		t.Errorf("body not passed on: %s", body)
	}
	if len(rep.errs) != 1 {
		t.Errorf("want one response failure (archived missing), got %v", rep.errs)
	}
}
