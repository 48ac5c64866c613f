package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// isoTime formats a time as HubSpot does: UTC, milliseconds, "Z".
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// decodeBody reads a JSON request body; a missing or malformed one is a 400.
func decodeBody(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return validationError("Invalid input JSON: the request body is empty")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line, col := position(body, se.Offset)
			return validationError("Invalid input JSON on line %d, column %d: %s", line, col, se.Error())
		case errors.As(err, &te):
			return validationError("Invalid input JSON: %s must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return validationError("Invalid input JSON: %s", err.Error())
	}
	return nil
}

func position(body []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(body)); i++ {
		if body[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// pathType resolves the object type in a path parameter.
func pathType(c *fiber.Ctx, param string) (hubspot.ObjectType, error) {
	raw := c.Params(param)
	t, ok := parseType(raw)
	if !ok {
		return "", validationError("Unable to infer object type from: %s", strings.Clone(raw))
	}
	return t, nil
}

// param returns a path parameter unescaped and copied (Fiber hands out the raw,
// reused bytes; an id such as an email arrives as a%40example.com).
func param(c *fiber.Ctx, name string) string {
	raw := c.Params(name)
	if v, err := url.PathUnescape(raw); err == nil {
		return v
	}
	return strings.Clone(raw)
}

// readInputs decodes a batch call's {"inputs": [...]} and refuses more than limit.
func readInputs[T any](c *fiber.Ctx, limit int) ([]T, error) {
	var body struct {
		Inputs []T `json:"inputs"`
	}
	if err := decodeBody(c, &body); err != nil {
		return nil, err
	}
	if err := tooMany(len(body.Inputs), limit); err != nil {
		return nil, err
	}
	return body.Inputs, nil
}

// queryAfter reads a list call's paging cursor (?after=), 0 when there is none.
func queryAfter(c *fiber.Ctx) (int64, error) {
	a := c.Query("after")
	if a == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil || n < 0 {
		return 0, validationError("after must be a cursor from paging.next.after, got %q", strings.Clone(a))
	}
	return n, nil
}

// nextPage is a list answer's paging object, pointing after the cursor next.
func nextPage(next string) fiber.Map {
	return fiber.Map{"next": fiber.Map{"after": next, "link": "?after=" + next}}
}

// parseID reads a record id; ids are positive integers.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return id, err == nil && id > 0
}

// flexString accepts a JSON string, number or bool (HubSpot coerces property values
// and ids); null becomes "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		*f = flexString(b[1 : len(b)-1]) // no escapes: the text is the value
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	switch s := string(b); {
	case s == "null":
		*f = ""
	case s == "true" || s == "false":
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string, got %s", s)
		}
		*f = flexString(n.String())
	}
	return nil
}

// propMap is an input's properties.
type propMap map[string]flexString

func (p propMap) plain() map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = string(v)
	}
	return out
}

// objectJSON is a record as the API returns it (SimplePublicObject and its
// relatives: WithAssociations, UpsertObject).
type objectJSON struct {
	ID                    string                          `json:"id"`
	Properties            map[string]string               `json:"properties"`
	PropertiesWithHistory map[string][]valueWithTimestamp `json:"propertiesWithHistory,omitempty"`
	CreatedAt             string                          `json:"createdAt"`
	UpdatedAt             string                          `json:"updatedAt"`
	Archived              bool                            `json:"archived"`
	ArchivedAt            string                          `json:"archivedAt,omitempty"`
	Associations          map[string]associatedIDs        `json:"associations,omitempty"`
	New                   *bool                           `json:"new,omitempty"`
	ObjectWriteTraceID    string                          `json:"objectWriteTraceId,omitempty"`
}

type valueWithTimestamp struct {
	Value      string `json:"value"`
	Timestamp  string `json:"timestamp"`
	SourceType string `json:"sourceType"`
}

type associatedIDs struct {
	Results []associatedID `json:"results"`
}

type associatedID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// propertySelection is which properties a read returns.
type propertySelection struct {
	all     bool     // every stored property (answers to writes)
	names   []string // these, when set (and present)
	history []string // these with their history
}

// selection reads the properties / propertiesWithHistory of a query or body.
func selection(names, history []string) propertySelection {
	return propertySelection{names: splitNames(names), history: splitNames(history)}
}

// splitNames accepts repeated and comma-separated names.
func splitNames(in []string) []string {
	var out []string
	for _, s := range in {
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// systemValues are the system properties of a record, computed from its columns.
func systemValues(t hubspot.ObjectType, o sandboxstore.Object) map[string]string {
	created, updated := isoTime(o.CreatedAt), isoTime(o.UpdatedAt)
	m := map[string]string{
		"hs_object_id":        strconv.FormatInt(o.ID, 10),
		"createdate":          created,
		"lastmodifieddate":    updated,
		"hs_lastmodifieddate": updated,
	}
	if isEngagement(t) {
		m["hs_createdate"] = created
	}
	return m
}

// render turns a stored record into its API form.
func render(t hubspot.ObjectType, o sandboxstore.Object, sel propertySelection) objectJSON {
	props := systemValues(t, o)
	switch {
	case sel.all:
		for k, v := range o.Properties {
			props[k] = v
		}
	case len(sel.names) > 0:
		for _, n := range sel.names {
			if v, ok := o.Properties[n]; ok {
				props[n] = v
			}
		}
	default:
		for _, n := range defaultReadProperties[t] {
			if v, ok := o.Properties[n]; ok {
				props[n] = v
			}
		}
	}
	out := objectJSON{
		ID:         strconv.FormatInt(o.ID, 10),
		Properties: props,
		CreatedAt:  isoTime(o.CreatedAt),
		UpdatedAt:  isoTime(o.UpdatedAt),
		Archived:   o.Archived,
	}
	if o.ArchivedAt != nil {
		out.ArchivedAt = isoTime(*o.ArchivedAt)
	}
	if len(sel.history) > 0 {
		// The sandbox keeps no history: each property's history is its current value.
		out.PropertiesWithHistory = map[string][]valueWithTimestamp{}
		all := systemValues(t, o)
		for k, v := range o.Properties {
			all[k] = v
		}
		for _, n := range sel.history {
			if v, ok := all[n]; ok {
				out.PropertiesWithHistory[n] = []valueWithTimestamp{{Value: v, Timestamp: isoTime(o.UpdatedAt), SourceType: "API"}}
			}
		}
	}
	return out
}

// batchResponse is the spec's BatchResponse… with or without errors.
type batchResponse struct {
	Status      string          `json:"status"`
	Results     any             `json:"results"`
	NumErrors   int             `json:"numErrors,omitempty"`
	Errors      []standardError `json:"errors,omitempty"`
	StartedAt   string          `json:"startedAt"`
	CompletedAt string          `json:"completedAt"`
}

// standardError is one failed input of a batch (the spec's StandardError, whose
// fields are all required).
type standardError struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
	Errors   []errorDetail       `json:"errors"`
	Links    map[string]string   `json:"links"`
}

func newStandardError(category, message string, context map[string][]string) standardError {
	if context == nil {
		context = map[string][]string{}
	}
	return standardError{Status: "error", Category: category, Message: message, Context: context, Errors: []errorDetail{}, Links: map[string]string{}}
}

// writeBatch answers a batch call: okStatus when every input worked, 207 otherwise.
func writeBatch(c *fiber.Ctx, okStatus int, started time.Time, results any, errs []standardError) error {
	resp := batchResponse{Status: "COMPLETE", Results: results, StartedAt: isoTime(started), CompletedAt: isoTime(time.Now())}
	status := okStatus
	if len(errs) > 0 {
		resp.NumErrors, resp.Errors, status = len(errs), errs, fiber.StatusMultiStatus
	}
	return c.Status(status).JSON(resp)
}
