// Package hubspottest checks HTTP exchanges against HubSpot's published OpenAPI
// specs, for tests of the HubSpot client and of SimCRM's HubSpot-compatible sandbox.
//
// The specs are read from $HUBSPOT_OPENAPI_DIR or, by default, from
// ../shared/hubspot/openapi beside the module root (the nearest directory above the
// working directory that holds go.mod).
//
// The validating is done by kin-openapi: each spec is loaded with openapi3.Loader,
// checked as a document, routed with a gorilla/mux router whose server is the
// base URL given to Load, and every exchange goes through openapi3filter's
// ValidateRequest and ValidateResponse (paths and methods, path and query
// parameters, JSON bodies against their schemas, formats such as date-time and
// int32, documented response statuses). Security requirements are not checked.
// A request body must have a Content-Type the operation documents, and an
// operation that documents no body gets none. Two checks are added on top: a
// status below 400 must be documented by the operation itself (HubSpot's
// "default" response is its error body), and a response the spec gives no
// content must have no body. The validator never changes the request it checks
// (no defaults are written into it; its body is read and put back).
//
// Requests to /crm/v3/objects/{type} are matched whether {type} is a name
// ("deals"), a singular ("deal") or an id ("0-3"); the deals spec's 0-3 paths are
// served as /deals. The path of the base URL (e.g. /sandbox/hubspot) must prefix
// every request; the host and scheme are not compared, since a test server is
// reached as 127.0.0.1, localhost or example.com alike.
//
// Where HubSpot's real API differs from its specs, the loaded specs are widened to
// follow the API (see Deviations, and adjust.go for how).
package hubspottest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/simcrm/simcrm/internal/testenv"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// Deviations lists where the validator accepts HubSpot's observed behaviour over
// its specs. Each is an adjustment of the loaded spec documents (adjust.go).
var Deviations = []string{
	"search sorts[] items may be {propertyName, direction} objects (the API sorts only with those; the spec says strings)",
	"object properties in responses may be null (HubSpot returns null for unset properties; the spec says string)",
	"429 bodies are {status, message, errorType, correlationId, policyName, requestId} (no category)",
	"v4 association types may have \"label\": null (unlabelled default associations)",
}

// EnvDir overrides where the spec files are read from.
const EnvDir = "HUBSPOT_OPENAPI_DIR"

// specFiles maps an API name to its spec file.
var specFiles = map[string]string{
	"associations":            "Associations_v4.json",
	"owners":                  "Owners.json",
	"pipelines":               "Pipelines.json",
	"properties":              "Properties.json",
	string(hubspot.Contacts):  "Contacts.json",
	string(hubspot.Companies): "Companies.json",
	string(hubspot.Deals):     "Deals.json",
	string(hubspot.Tickets):   "Tickets.json",
	string(hubspot.Calls):     "Calls.json",
	string(hubspot.Emails):    "Emails.json",
	string(hubspot.Meetings):  "Meetings.json",
	string(hubspot.Notes):     "Notes.json",
	string(hubspot.Tasks):     "Tasks.json",
}

// Dir returns the directory holding the spec files.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "hubspot", "openapi"), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("hubspottest: no go.mod above %s; set %s", wd, EnvDir)
		}
		d = parent
	}
}

// RequireSpecs skips a test on a machine without HubSpot's spec files (a clone
// without the shared folder beside it) and fails it under CI=true.
func RequireSpecs(t testing.TB) {
	t.Helper()
	dir, err := Dir()
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, specFiles["contacts"]))
	}
	testenv.Require(t, err == nil, "HubSpot OpenAPI specs not found (set "+EnvDir+" to the folder holding Contacts.json)")
}

// Validator checks requests and responses against one or more spec files.
type Validator struct {
	base   *url.URL
	prefix string // path of the base URL, stripped from request paths
	specs  []*spec
}

// spec is one spec file, routed for one base URL.
type spec struct {
	name   string // file name
	router routers.Router
}

// Load returns a validator for every spec file. baseURL replaces the specs' servers:
// its path (e.g. /sandbox/hubspot) is stripped from request paths.
func Load(baseURL string) (*Validator, error) {
	names := make([]string, 0, len(specFiles))
	for name := range specFiles {
		names = append(names, name)
	}
	sort.Strings(names)
	return load(baseURL, names...)
}

// LoadSpec returns a validator for the spec of one object type ("contacts",
// "deal", "0-3", …) or API ("associations", "owners", "pipelines", "properties").
func LoadSpec(kind, baseURL string) (*Validator, error) {
	if t, ok := hubspot.ParseObjectType(kind); ok {
		kind = string(t)
	}
	if _, ok := specFiles[kind]; !ok {
		return nil, fmt.Errorf("hubspottest: no spec for %q", kind)
	}
	return load(baseURL, kind)
}

// MustLoad is Load for tests.
func MustLoad(t testing.TB, baseURL string) *Validator {
	t.Helper()
	RequireSpecs(t)
	v, err := Load(baseURL)
	if err != nil {
		t.Fatalf("load HubSpot OpenAPI specs: %v", err)
	}
	return v
}

func load(baseURL string, kinds ...string) (*Validator, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("hubspottest: base URL: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("hubspottest: base URL %q is not absolute", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	v := &Validator{base: u, prefix: u.EscapedPath()}
	for _, k := range kinds {
		doc, err := loadDoc(filepath.Join(dir, specFiles[k]))
		if err != nil {
			return nil, err
		}
		// The cached document is shared; this one differs only in its servers.
		routed := &openapi3.T{
			OpenAPI:    doc.OpenAPI,
			Info:       doc.Info,
			Components: doc.Components,
			Paths:      doc.Paths,
			Security:   doc.Security,
			Servers:    openapi3.Servers{{URL: u.String()}},
		}
		router, err := gorillamux.NewRouter(routed)
		if err != nil {
			return nil, fmt.Errorf("hubspottest: %s: %w", specFiles[k], err)
		}
		v.specs = append(v.specs, &spec{name: specFiles[k], router: router})
	}
	return v, nil
}

// Spec files are loaded, adjusted and checked once per process, then shared
// read-only.
var docCache sync.Map // path → *docEntry

type docEntry struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

func loadDoc(path string) (*openapi3.T, error) {
	e, _ := docCache.LoadOrStore(path, new(docEntry))
	entry := e.(*docEntry)
	entry.once.Do(func() { entry.doc, entry.err = parseDoc(path) })
	return entry.doc, entry.err
}

func parseDoc(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("hubspottest: %w", err)
	}
	if err := adjust(doc); err != nil {
		return nil, fmt.Errorf("hubspottest: %s: %w", filepath.Base(path), err)
	}
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("hubspottest: %s: %w", filepath.Base(path), err)
	}
	return doc, nil
}

// options are those of every validation: security is not checked, undocumented
// statuses fail, every problem is reported, and nothing is written into the
// request (no defaults).
var options = &openapi3filter.Options{
	AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus:             true,
	MultiError:                        true,
	SkipSettingDefaults:               true,
	RejectWhenRequestBodyNotSpecified: true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{
		// Messages name the failing location and rule, without dumping the
		// schema and the (possibly 100-object) value.
		openapi3.DisableSchemaErrorDetails(),
	},
}

var objectsPathType = regexp.MustCompile(`^/crm/v3/objects/([^/]+)`)

// canonicalObjectsPath names the object type of a /crm/v3/objects path by its
// plural name ("0-3" and "deal" become "deals").
func canonicalObjectsPath(p string) string {
	m := objectsPathType.FindStringSubmatchIndex(p)
	if m == nil {
		return p
	}
	if t, ok := hubspot.ParseObjectType(p[m[2]:m[3]]); ok {
		return p[:m[2]] + string(t) + p[m[3]:]
	}
	return p
}

// Route describes the operation a request matched.
type Route struct {
	Spec     string // spec file name
	Method   string
	Template string // path template, e.g. /crm/v3/objects/contacts/{contactId}
	Params   map[string]string
}

var errNoRoute = errors.New("no operation in the specs")

// match is a request routed to an operation.
type match struct {
	spec   *spec
	route  *routers.Route
	params map[string]string // unescaped path parameters
	url    *url.URL          // the request's URL on the base URL, object type canonical
}

// find routes a request through each spec's router.
func (v *Validator) find(r *http.Request) (*match, error) {
	escaped := r.URL.EscapedPath()
	rel, ok := strings.CutPrefix(escaped, v.prefix)
	if !ok || (rel != "" && rel[0] != '/') {
		return nil, fmt.Errorf("path %s is not below the base path %s", escaped, v.prefix)
	}
	rel = canonicalObjectsPath(rel)
	u, err := url.Parse(v.prefix + rel)
	if err != nil {
		return nil, fmt.Errorf("path %s: %w", escaped, err)
	}
	u.Scheme, u.Host, u.RawQuery = v.base.Scheme, v.base.Host, r.URL.RawQuery
	probe := &http.Request{Method: r.Method, URL: u, Host: u.Host, Header: http.Header{}}
	methodMismatch := false
	for _, s := range v.specs {
		route, vars, err := s.router.FindRoute(probe)
		switch {
		case err == nil:
			params := make(map[string]string, len(vars))
			for k, val := range vars {
				if un, err := url.PathUnescape(val); err == nil {
					val = un
				}
				params[k] = val
			}
			return &match{spec: s, route: route, params: params, url: u}, nil
		case errors.Is(err, routers.ErrMethodNotAllowed):
			methodMismatch = true
		case errors.Is(err, routers.ErrPathNotFound):
		default:
			return nil, fmt.Errorf("%s %s: %s: %w", r.Method, rel, s.name, err)
		}
	}
	if methodMismatch {
		return nil, fmt.Errorf("%s %s: method not in the specs", r.Method, rel)
	}
	return nil, fmt.Errorf("%s %s: %w", r.Method, rel, errNoRoute)
}

// Route returns the operation a request matches.
func (v *Validator) Route(r *http.Request) (Route, error) {
	m, err := v.find(r)
	if err != nil {
		return Route{}, err
	}
	return Route{Spec: m.spec.name, Method: r.Method, Template: m.route.Path, Params: m.params}, nil
}

// input is what openapi3filter needs of a request. Its request is a copy of r on
// the canonical URL, with its own reader over body, so the validator changes
// nothing in r.
func (m *match) input(r *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	req := r.Clone(r.Context())
	req.URL = m.url
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = nil
	req.ContentLength = int64(len(body))
	return &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: m.params,
		Route:      m.route,
		Options:    options,
	}
}

// ValidateRequest checks a request's path, parameters and body. The body is read
// and put back, so a handler can still read it.
func (v *Validator) ValidateRequest(r *http.Request) error {
	m, err := v.find(r)
	if err != nil {
		return err
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		body, err = io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return fmt.Errorf("read request body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	err = openapi3filter.ValidateRequest(context.Background(), m.input(r, body))
	return wrap(r.Method+" "+m.route.Path, err)
}

// ValidateResponse checks a response's status, headers and body against the
// operation the request matched. The request's body is not read.
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	m, err := v.find(r)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s %s → %d", r.Method, m.route.Path, status)
	responses := m.route.Operation.Responses
	documented := responses.Status(status)
	if documented == nil && status < 400 {
		return wrap(what, errors.New("status not in the spec (the spec's default response is HubSpot's error body)"))
	}
	if documented == nil {
		documented = responses.Default()
	}
	if documented != nil && documented.Value != nil && len(documented.Value.Content) == 0 && len(bytes.TrimSpace(body)) > 0 {
		return wrap(what, errors.New("response has a body the spec does not declare"))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: m.input(r, nil),
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                options,
	}
	return wrap(what, openapi3filter.ValidateResponse(context.Background(), in))
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
