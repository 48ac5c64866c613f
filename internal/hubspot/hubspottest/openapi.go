// Package hubspottest checks HTTP exchanges against HubSpot's published OpenAPI
// specs, for tests of the HubSpot client and of SimCRM's HubSpot-compatible sandbox.
//
// The specs are read from $HUBSPOT_OPENAPI_DIR or, by default, from
// ../shared/hubspot/openapi beside the module root (the nearest directory above the
// working directory that holds go.mod).
//
// Validation covers what the specs use: paths and methods, path and query
// parameters, JSON bodies against their schemas (type, required, properties,
// additionalProperties, items, enum, int32/int64 ranges, date-time) and documented
// response statuses. Security schemes are not checked. Requests to
// /crm/v3/objects/{type} are matched whether {type} is a name ("deals"), a singular
// ("deal") or an id ("0-3"); the deals spec's 0-3 paths are served as /deals.
//
// Where HubSpot's real API differs from its specs, the validator follows the API
// (see Deviations).
package hubspottest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// Deviations lists where the validator accepts HubSpot's observed behaviour over
// its specs.
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

// Validator checks requests and responses against one or more spec files.
type Validator struct {
	prefix string // path of the base URL, stripped from request paths
	specs  []*spec
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
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	v := &Validator{prefix: strings.TrimRight(u.Path, "/")}
	for _, k := range kinds {
		s, err := loadSpec(filepath.Join(dir, specFiles[k]))
		if err != nil {
			return nil, err
		}
		v.specs = append(v.specs, s)
	}
	return v, nil
}

// Spec files are parsed once per process and shared read-only.
var specCache sync.Map // path → *specEntry

type specEntry struct {
	once sync.Once
	spec *spec
	err  error
}

func loadSpec(path string) (*spec, error) {
	e, _ := specCache.LoadOrStore(path, new(specEntry))
	entry := e.(*specEntry)
	entry.once.Do(func() { entry.spec, entry.err = parseSpec(path) })
	return entry.spec, entry.err
}

type spec struct {
	name    string
	schemas map[string]any // components.schemas
	resps   map[string]any // components.responses
	ops     []*operation
}

type operation struct {
	method   string
	template string
	segs     []string // template segments; "{x}" are parameters
	literals int
	params   []parameter
	body     map[string]any // requestBody
	resps    map[string]any
	spec     *spec
}

type parameter struct {
	name     string
	in       string
	required bool
	explode  bool
	schema   map[string]any
}

var objectsPathType = regexp.MustCompile(`^/crm/v3/objects/([^/]+)`)

func parseSpec(path string) (*spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hubspottest: %w", err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("hubspottest: %s: %w", path, err)
	}
	s := &spec{name: filepath.Base(path)}
	comps, _ := doc["components"].(map[string]any)
	s.schemas, _ = comps["schemas"].(map[string]any)
	s.resps, _ = comps["responses"].(map[string]any)
	applyDeviations(s.schemas)

	paths, _ := doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		// The deals spec names its paths /crm/v3/objects/0-3; serve them under the name.
		tmpl = objectsPathType.ReplaceAllStringFunc(tmpl, func(m string) string {
			id := strings.TrimPrefix(m, "/crm/v3/objects/")
			if t, ok := hubspot.ParseObjectType(id); ok {
				return "/crm/v3/objects/" + string(t)
			}
			return m
		})
		shared := parseParams(ops["parameters"])
		for method, o := range ops {
			om, ok := o.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			op := &operation{method: strings.ToUpper(method), template: tmpl, spec: s}
			op.segs = strings.Split(strings.Trim(tmpl, "/"), "/")
			for _, seg := range op.segs {
				if !isParam(seg) {
					op.literals++
				}
			}
			op.params = append(append([]parameter(nil), shared...), parseParams(om["parameters"])...)
			op.body, _ = om["requestBody"].(map[string]any)
			op.resps, _ = om["responses"].(map[string]any)
			s.ops = append(s.ops, op)
		}
	}
	return s, nil
}

func parseParams(v any) []parameter {
	list, _ := v.([]any)
	var out []parameter
	for _, p := range list {
		m, _ := p.(map[string]any)
		if m == nil {
			continue
		}
		pr := parameter{explode: true}
		pr.name, _ = m["name"].(string)
		pr.in, _ = m["in"].(string)
		pr.required, _ = m["required"].(bool)
		if e, ok := m["explode"].(bool); ok {
			pr.explode = e
		}
		pr.schema, _ = m["schema"].(map[string]any)
		out = append(out, pr)
	}
	return out
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// applyDeviations patches the parsed schemas (see Deviations).
func applyDeviations(schemas map[string]any) {
	if sr, ok := schemas["PublicObjectSearchRequest"].(map[string]any); ok {
		if props, ok := sr["properties"].(map[string]any); ok {
			if sorts, ok := props["sorts"].(map[string]any); ok {
				sorts["items"] = map[string]any{"anyOf": []any{
					map[string]any{"type": "string"},
					map[string]any{
						"type":     "object",
						"required": []any{"propertyName"},
						"properties": map[string]any{
							"propertyName": map[string]any{"type": "string"},
							"direction":    map[string]any{"type": "string", "enum": []any{"ASCENDING", "DESCENDING"}},
						},
					},
				}}
			}
		}
	}
	if sl, ok := schemas["AssociationSpecWithLabel"].(map[string]any); ok {
		if props, ok := sl["properties"].(map[string]any); ok {
			if label, ok := props["label"].(map[string]any); ok {
				label["nullable"] = true
			}
		}
	}
	for name, s := range schemas {
		if !strings.HasPrefix(name, "SimplePublicObject") && !strings.HasPrefix(name, "SimplePublicUpsertObject") {
			continue
		}
		sm, _ := s.(map[string]any)
		props, _ := sm["properties"].(map[string]any)
		if p, ok := props["properties"].(map[string]any); ok && !strings.Contains(name, "Input") {
			if ap, ok := p["additionalProperties"].(map[string]any); ok {
				ap["nullable"] = true
			}
		}
	}
}

// rateLimitErrorSchema is the 429 body HubSpot sends.
var rateLimitErrorSchema = map[string]any{
	"type":     "object",
	"required": []any{"status", "message", "errorType", "correlationId", "policyName"},
	"properties": map[string]any{
		"status":        map[string]any{"type": "string"},
		"message":       map[string]any{"type": "string"},
		"errorType":     map[string]any{"type": "string", "enum": []any{"RATE_LIMIT"}},
		"correlationId": map[string]any{"type": "string"},
		"policyName":    map[string]any{"type": "string", "enum": []any{hubspot.PolicyTenSecondlyRolling, hubspot.PolicyDaily, hubspot.PolicySecondly}},
		"requestId":     map[string]any{"type": "string"},
	},
}

// Route describes the operation a request matched.
type Route struct {
	Spec     string // spec file name
	Method   string
	Template string // path template, e.g. /crm/v3/objects/contacts/{contactId}
	Params   map[string]string
}

var errNoRoute = errors.New("no operation in the specs")

// find matches a request to an operation, preferring the template with the most
// literal segments (/properties/{t}/groups over /properties/{t}/{name}).
func (v *Validator) find(method, path string) (*operation, map[string]string, error) {
	rel, ok := strings.CutPrefix(path, v.prefix)
	if !ok {
		return nil, nil, fmt.Errorf("path %s is not below the base path %s", path, v.prefix)
	}
	rel = canonicalObjectsPath(rel)
	segs := strings.Split(strings.Trim(rel, "/"), "/")
	var best *operation
	pathMatched := false
	for _, s := range v.specs {
		for _, op := range s.ops {
			if !segmentsMatch(op.segs, segs) {
				continue
			}
			pathMatched = true
			if op.method != method {
				continue
			}
			if best == nil || op.literals > best.literals {
				best = op
			}
		}
	}
	if best == nil {
		if pathMatched {
			return nil, nil, fmt.Errorf("%s %s: method not in the specs", method, rel)
		}
		return nil, nil, fmt.Errorf("%s %s: %w", method, rel, errNoRoute)
	}
	params := map[string]string{}
	for i, seg := range best.segs {
		if isParam(seg) {
			val, err := url.PathUnescape(segs[i])
			if err != nil {
				val = segs[i]
			}
			params[seg[1:len(seg)-1]] = val
		}
	}
	return best, params, nil
}

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

func segmentsMatch(tmpl, segs []string) bool {
	if len(tmpl) != len(segs) {
		return false
	}
	for i, t := range tmpl {
		if isParam(t) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if t != segs[i] {
			return false
		}
	}
	return true
}

// Route returns the operation a request matches.
func (v *Validator) Route(r *http.Request) (Route, error) {
	op, params, err := v.find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return Route{}, err
	}
	return Route{Spec: op.spec.name, Method: op.method, Template: op.template, Params: params}, nil
}

// ValidateRequest checks a request's path, parameters and body. The body is read
// and put back, so a handler can still read it.
func (v *Validator) ValidateRequest(r *http.Request) error {
	op, params, err := v.find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return err
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("read request body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	var errs []string
	op.checkParams(params, r.URL.Query(), &errs)
	op.checkRequestBody(r.Header.Get("Content-Type"), body, &errs)
	return joinErrors(r.Method+" "+op.template, errs)
}

// ValidateResponse checks a response's status and body against the operation the
// request matched.
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	op, _, err := v.find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return err
	}
	var errs []string
	op.checkResponse(status, header.Get("Content-Type"), body, &errs)
	return joinErrors(fmt.Sprintf("%s %s → %d", r.Method, op.template, status), errs)
}

func joinErrors(what string, errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", what, strings.Join(errs, "; "))
}

func (op *operation) checkParams(path map[string]string, query url.Values, errs *[]string) {
	for _, p := range op.params {
		switch p.in {
		case "path":
			op.spec.validateParam(p, []string{path[p.name]}, "path "+p.name, errs)
		case "query":
			vals, ok := query[p.name]
			if !ok {
				if p.required {
					*errs = append(*errs, "query "+p.name+": required")
				}
				continue
			}
			op.spec.validateParam(p, vals, "query "+p.name, errs)
		}
	}
}

func (s *spec) validateParam(p parameter, vals []string, at string, errs *[]string) {
	sch := s.resolve(p.schema)
	if t, _ := sch["type"].(string); t == "array" {
		items, _ := sch["items"].(map[string]any)
		var list []any
		for _, v := range vals {
			if !p.explode {
				for _, part := range strings.Split(v, ",") {
					list = append(list, paramValue(s.resolve(items), part))
				}
				continue
			}
			list = append(list, paramValue(s.resolve(items), v))
		}
		s.validate(sch, list, at, errs)
		return
	}
	if len(vals) > 1 {
		*errs = append(*errs, at+": given more than once")
	}
	s.validate(sch, paramValue(sch, vals[0]), at, errs)
}

// paramValue turns a parameter string into the JSON value its schema expects, so
// one validator serves both.
func paramValue(sch map[string]any, v string) any {
	switch sch["type"] {
	case "integer", "number":
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return json.Number(v)
		}
	case "boolean":
		if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
			return b
		}
	}
	return v
}

func (op *operation) checkRequestBody(contentType string, body []byte, errs *[]string) {
	if op.body == nil {
		return
	}
	rb := op.spec.resolve(op.body)
	if len(bytes.TrimSpace(body)) == 0 {
		if req, _ := rb["required"].(bool); req {
			*errs = append(*errs, "request body: required")
		}
		return
	}
	content, _ := rb["content"].(map[string]any)
	sch, ok := mediaSchema(content, contentType)
	if !ok {
		*errs = append(*errs, fmt.Sprintf("request body: content type %q not in the spec", contentType))
		return
	}
	op.spec.validateJSON(sch, body, "body", errs)
}

func (op *operation) checkResponse(status int, contentType string, body []byte, errs *[]string) {
	resp, ok := op.resps[strconv.Itoa(status)]
	if !ok {
		if resp, ok = op.resps["default"]; !ok {
			*errs = append(*errs, "status not in the spec")
			return
		}
		if status < 400 {
			*errs = append(*errs, "success status not in the spec")
			return
		}
	}
	r := op.spec.resolve(resp.(map[string]any))
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			*errs = append(*errs, "response has a body the spec does not declare")
		}
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		*errs = append(*errs, "response body: missing")
		return
	}
	sch, ok := mediaSchema(content, contentType)
	if !ok {
		*errs = append(*errs, fmt.Sprintf("response content type %q not in the spec", contentType))
		return
	}
	if status == http.StatusTooManyRequests {
		sch = rateLimitErrorSchema
	}
	op.spec.validateJSON(sch, body, "body", errs)
}

func mediaSchema(content map[string]any, contentType string) (map[string]any, bool) {
	mt := strings.TrimSpace(strings.ToLower(strings.SplitN(contentType, ";", 2)[0]))
	for key, m := range content {
		if key == mt || key == "*/*" || (mt == "" && key == "application/json") {
			mm, _ := m.(map[string]any)
			sch, _ := mm["schema"].(map[string]any)
			return sch, true
		}
	}
	return nil, false
}

func (s *spec) validateJSON(sch map[string]any, body []byte, at string, errs *[]string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		*errs = append(*errs, at+": invalid JSON: "+err.Error())
		return
	}
	if dec.More() {
		*errs = append(*errs, at+": trailing data after JSON value")
	}
	s.validate(sch, v, at, errs)
}

// resolve follows a local $ref (#/components/schemas/X or #/components/responses/X).
func (s *spec) resolve(m map[string]any) map[string]any {
	for i := 0; i < 16 && m != nil; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		switch {
		case strings.HasPrefix(ref, "#/components/schemas/"):
			m, _ = s.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		case strings.HasPrefix(ref, "#/components/responses/"):
			m, _ = s.resps[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
		default:
			return nil
		}
	}
	return m
}
