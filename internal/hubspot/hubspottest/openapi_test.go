package hubspottest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
		{"create without associations", "POST", "/crm/v3/objects/contacts", `{"properties":{"email":"a@x"}}`, `"/associations": property "associations" is missing`},
		{"property value not a string", "POST", "/crm/v3/objects/contacts", `{"properties":{"n":5},"associations":[]}`, `"/properties/n": value must be a string`},
		{"bad association category", "POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"NOPE","associationTypeId":1}]}]}`, "is not one of"},
		{"type id overflows int32", "POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":9999999999}]}]}`, `"/associations/0/types/0/associationTypeId": integer doesn't match the format "int32"`},
		{"missing body", "POST", "/crm/v3/objects/contacts/batch/create", ``, "request body has an error: value is required but missing"},
		{"failed to decode request body", "POST", "/crm/v3/objects/contacts/batch/create", `{"inputs":[`, "failed to decode request body"},
		{"deals by name", "POST", "/crm/v3/objects/deals/batch/create", `{"inputs":[{"properties":{"dealname":"x"},"associations":[]}]}`, ""},
		{"deals by id", "POST", "/crm/v3/objects/0-3/batch/create", `{"inputs":[{"properties":{"dealname":"x"},"associations":[]}]}`, ""},
		{"contacts by id", "GET", "/crm/v3/objects/0-1/5", ``, ""},
		{"search with sort objects", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[{"propertyName":"createdate","direction":"DESCENDING"}],"properties":[],"limit":10,"after":"0"}`, ""},
		{"search with sort strings", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":["createdate"],"properties":[],"limit":10,"after":"0"}`, ""},
		{"search bad operator", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"a","operator":"LIKE"}]}],"sorts":[],"properties":[],"limit":10,"after":"0"}`, "is not one of"},
		{"search without after", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":10}`, `"/after": property "after" is missing`},
		{"get with bad boolean", "GET", "/crm/v3/objects/contacts/5?archived=maybe", ``, `parameter "archived" in query`},
		{"get with array query", "GET", "/crm/v3/objects/contacts/5?properties=email,firstname&properties=x", ``, ""},
		{"v4 default association", "PUT", "/crm/v4/objects/deals/42/associations/default/contacts/101", ``, ""},
		{"v4 non-numeric id", "PUT", "/crm/v4/objects/deals/abc/associations/default/contacts/101", ``, `parameter "fromObjectId" in path`},
		{"v4 labelled association", "PUT", "/crm/v4/objects/contacts/1/associations/companies/2", `[{"associationCategory":"USER_DEFINED","associationTypeId":37}]`, ""},
		{"owners limit not integer", "GET", "/crm/v3/owners?limit=ten", ``, `parameter "limit" in query`},
		{"property groups (literal beats parameter)", "GET", "/crm/v3/properties/contacts/groups", ``, ""},
		{"property create", "POST", "/crm/v3/properties/contacts", `{"name":"k","label":"K","type":"string","fieldType":"text","groupName":"g","hasUniqueValue":true}`, ""},
		{"property create bad type", "POST", "/crm/v3/properties/contacts", `{"name":"k","label":"K","type":"text","fieldType":"text","groupName":"g"}`, `"/type": value is not one of the allowed values`},
		{"unknown path", "GET", "/crm/v3/objects/widgets/1", ``, "no operation"},
		{"method not in spec", "PUT", "/crm/v3/objects/contacts/1", `{}`, "method not in the specs"},
		{"deal singular", "POST", "/crm/v3/objects/deal/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":10,"after":"0"}`, ""},
		{"search sort object with bad direction", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[{"propertyName":"createdate","direction":"UP"}],"properties":[],"limit":10,"after":"0"}`, `"/sorts/0"`},
		{"search sort object without propertyName", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[{"direction":"ASCENDING"}],"properties":[],"limit":10,"after":"0"}`, `"/sorts/0"`},
		{"null property value in a request", "POST", "/crm/v3/objects/contacts", `{"properties":{"email":null},"associations":[]}`, `"/properties/email"`},
		{"limit not an integer", "POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[],"sorts":[],"properties":[],"limit":"10","after":"0"}`, `"/limit": value must be an integer`},
		{"batch inputs not an array", "POST", "/crm/v3/objects/contacts/batch/create", `{"inputs":{}}`, `"/inputs": value must be an array`},
		{"body where none is documented", "GET", "/crm/v3/objects/contacts/5", `{}`, "request body not allowed"},
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
		{"object missing id", "POST", "/crm/v3/objects/contacts", 201, `{"properties":{},"createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}`, `"/id": property "id" is missing`},
		{"bad date-time", "POST", "/crm/v3/objects/contacts", 201, strings.Replace(obj, "2024-05-01T10:00:00Z", "yesterday", 1), "date-time"},
		{"undocumented success status", "POST", "/crm/v3/objects/contacts", 200, obj, "status not in the spec"},
		{"batch 207", "POST", "/crm/v3/objects/contacts/batch/create", 207, `{"status":"COMPLETE","results":[],"numErrors":1,"errors":[{"status":"error","category":"CONFLICT","message":"m","context":{},"errors":[],"links":{}}],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, ""},
		{"batch bad status", "POST", "/crm/v3/objects/contacts/batch/create", 201, `{"status":"DONE","results":[],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, `"/status": value is not one of the allowed values`},
		{"409 error", "POST", "/crm/v3/objects/contacts", 409, `{"status":"error","message":"Contact already exists. Existing ID: 1","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","category":"CONFLICT"}`, ""},
		{"error without category", "POST", "/crm/v3/objects/contacts", 400, `{"status":"error","message":"m","correlationId":"x"}`, `"/category": property "category" is missing`},
		{"429 body", "POST", "/crm/v3/objects/contacts", 429, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"x","policyName":"DAILY","requestId":"y"}`, ""},
		{"429 unknown policy", "POST", "/crm/v3/objects/contacts", 429, `{"status":"error","message":"m","errorType":"RATE_LIMIT","correlationId":"x","policyName":"HOURLY"}`, "policyName"},
		{"204 with body", "DELETE", "/crm/v3/objects/contacts/1", 204, `{}`, "does not declare"},
		{"204", "DELETE", "/crm/v3/objects/contacts/1", 204, ``, ""},
		{"201 without body", "POST", "/crm/v3/objects/contacts", 201, ``, "failed to decode response body"},
		{"v4 list with null label", "GET", "/crm/v4/objects/contacts/1/associations/companies", 200, `{"results":[{"toObjectId":2,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}]}`, ""},
		{"v4 label not a string", "GET", "/crm/v4/objects/contacts/1/associations/companies", 200, `{"results":[{"toObjectId":2,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":5}]}]}`, `"/results/0/associationTypes/0/label"`},
		{"batch read with null property", "POST", "/crm/v3/objects/contacts/batch/read", 200, `{"status":"COMPLETE","results":[` + obj + `],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, ""},
		{"batch read with a number property", "POST", "/crm/v3/objects/contacts/batch/read", 200, `{"status":"COMPLETE","results":[` + strings.Replace(obj, `"company":null`, `"company":5`, 1) + `],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`, `"/results/0/properties/company"`},
		{"archived not a boolean", "GET", "/crm/v3/objects/contacts/1", 200, strings.Replace(obj, `"archived":false`, `"archived":"no"`, 1), `"/archived": value must be a boolean`},
		{"429 with category instead of errorType", "GET", "/crm/v3/objects/contacts/1", 429, `{"status":"error","message":"m","category":"RATE_LIMITS","correlationId":"x","policyName":"DAILY"}`, `property "errorType" is missing`},
		{"undocumented error status falls to default", "GET", "/crm/v3/objects/contacts/1", 418, `{"status":"error","message":"m","correlationId":"x","category":"TEAPOT"}`, ""},
		{"undocumented status on an unknown route", "GET", "/crm/v3/objects/widgets/1", 200, `{}`, "no operation"},
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

func TestValidateResponseContentType(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	r := request("POST", "/crm/v3/objects/contacts", "")
	html := http.Header{"Content-Type": {"text/html"}}
	if err := v.ValidateResponse(r, 502, html, []byte("<html>bad gateway</html>")); err == nil {
		t.Error("an HTML 502 passed")
	}
	if err := v.ValidateResponse(r, 201, html, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "Content-Type") {
		t.Errorf("a 201 in text/html: %v", err)
	}
	err := v.ValidateRequest(func() *http.Request {
		r := request("POST", "/crm/v3/objects/contacts", `{"properties":{},"associations":[]}`)
		r.Header.Set("Content-Type", "text/plain")
		return r
	}())
	if err == nil || !strings.Contains(err.Error(), "Content-Type") {
		t.Errorf("a text/plain request body: %v", err)
	}
}

// TestDeviationsInEverySpec checks that the adjustments reach every object spec.
func TestDeviationsInEverySpec(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, typ := range []string{"contacts", "companies", "0-3", "tickets", "calls", "emails", "meetings", "notes", "tasks"} {
		search := `{"filterGroups":[],"sorts":[{"propertyName":"hs_lastmodifieddate","direction":"ASCENDING"}],"properties":[],"limit":100,"after":"0"}`
		if err := v.ValidateRequest(request("POST", "/crm/v3/objects/"+typ+"/search", search)); err != nil {
			t.Errorf("%s: sort objects: %v", typ, err)
		}
		found := `{"total":1,"results":[{"id":"1","properties":{"a":null},"createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}]}`
		if err := v.ValidateResponse(request("POST", "/crm/v3/objects/"+typ+"/search", ""), 200, h, []byte(found)); err != nil {
			t.Errorf("%s: null property: %v", typ, err)
		}
		limited := `{"status":"error","message":"m","errorType":"RATE_LIMIT","correlationId":"x","policyName":"TEN_SECONDLY_ROLLING"}`
		if err := v.ValidateResponse(request("PATCH", "/crm/v3/objects/"+typ+"/1", ""), 429, h, []byte(limited)); err != nil {
			t.Errorf("%s: 429: %v", typ, err)
		}
	}
}

func TestValidateRequestLeavesRequestAlone(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	r := request("GET", "/crm/v3/objects/0-3/1", "")
	before := r.URL.String()
	if err := v.ValidateRequest(r); err != nil {
		t.Fatal(err)
	}
	// archived has a default in the spec: it must not be written into the query.
	if r.URL.String() != before || r.URL.RawQuery != "" {
		t.Errorf("URL changed from %s to %s", before, r.URL)
	}
}

func TestConcurrentValidation(t *testing.T) {
	v := hubspottest.MustLoad(t, base)
	h := http.Header{"Content-Type": {"application/json"}}
	body := `{"inputs":[{"properties":{"email":"a@x"},"associations":[]}]}`
	resp := []byte(`{"status":"COMPLETE","results":[{"id":"1","properties":{"email":"a@x","x":null},"createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z","archived":false}],"startedAt":"2024-05-01T10:00:00Z","completedAt":"2024-05-01T10:00:00Z"}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				r := request("POST", "/crm/v3/objects/contacts/batch/create", body)
				if err := v.ValidateRequest(r); err != nil {
					t.Error(err)
				}
				if err := v.ValidateResponse(r, 201, h, resp); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
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
	for _, u := range []string{"http://sandbox.test/other/crm/v3/owners", "http://sandbox.test/sandbox/hubspotx/crm/v3/owners"} {
		if _, err := v.Route(httptest.NewRequest("GET", u, nil)); err == nil {
			t.Errorf("%s: a path outside the base path was routed", u)
		}
	}
	// The host is not compared: a test server is reached under several names.
	rt, err := v.Route(httptest.NewRequest("GET", "http://127.0.0.1:1/sandbox/hubspot/crm/v3/objects/0-3/a%2Fb", nil))
	if err != nil || rt.Template != "/crm/v3/objects/deals/{dealId}" || rt.Params["dealId"] != "a/b" {
		t.Errorf("escaped id on another host: %+v %v", rt, err)
	}
}

func TestLoadSpec(t *testing.T) {
	hubspottest.RequireSpecs(t)
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
	hubspottest.RequireSpecs(t)
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
