package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
)

// SimCRM's traceability properties: the one definition of their names for the
// engine, the sandbox and the pages. Every object SimCRM creates carries both: the
// simulation that created it, and its deterministic key, unique per object type, so
// that counting is exact, a retried create upserts instead of duplicating, and a
// clean-up finds everything a simulation made.
const (
	SimulationIDProperty = "simcrm_simulation_id"
	RecordKeyProperty    = "simcrm_record_key"
)

// TraceTypes are the object types SimCRM writes, in the order they are ensured.
var TraceTypes = []ObjectType{Contacts, Companies, Deals, Tickets, Notes, Calls, Tasks, Meetings}

// TraceResult is what EnsureTraceProperties found and did for one object type.
type TraceResult struct {
	Type    ObjectType
	Created []string // properties this call defined
	Missing []string // properties that are still not defined (see MissingScopes and Problem)
	// KeyNotUnique reports a simcrm_record_key defined without unique values (by
	// hand, before SimCRM): upserts by it are impossible and HubSpot does not allow
	// changing that afterwards.
	KeyNotUnique  bool
	MissingScopes []string // scopes HubSpot named in a 403 MISSING_SCOPES
	Problem       string   // any other refusal, as HubSpot worded it
	Refusal       error    // the first refusal recorded (Missing), as the client returned it
	// Properties are the type's property definitions as read before any was
	// created (callers check what else the type takes, e.g. which are writable).
	Properties []Property
}

// Has reports whether the property (one of the two) is defined on the type.
func (r TraceResult) Has(name string) bool { return !slices.Contains(r.Missing, name) }

// Ready reports whether both properties exist and the key is unique.
func (r TraceResult) Ready() bool { return len(r.Missing) == 0 && !r.KeyNotUnique }

// TraceReport is the outcome of EnsureTraceProperties, one result per type.
type TraceReport struct {
	Results []TraceResult
}

// Ready reports whether every type is ready.
func (r TraceReport) Ready() bool {
	for _, t := range r.Results {
		if !t.Ready() {
			return false
		}
	}
	return len(r.Results) > 0
}

// MissingScopes returns every scope HubSpot said is missing, sorted, once each.
func (r TraceReport) MissingScopes() []string {
	var out []string
	for _, t := range r.Results {
		for _, s := range t.MissingScopes {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Created counts the properties this call defined.
func (r TraceReport) Created() int {
	n := 0
	for _, t := range r.Results {
		n += len(t.Created)
	}
	return n
}

// TraceProperties are the two properties as SimCRM defines them, in a group.
func TraceProperties(group string) []PropertyCreate {
	return []PropertyCreate{
		{Name: SimulationIDProperty, Label: "SimCRM simulation", Type: "string", FieldType: "text", GroupName: group,
			Description: "The SimCRM simulation that created this record."},
		{Name: RecordKeyProperty, Label: "SimCRM record key", Type: "string", FieldType: "text", GroupName: group,
			Description: "SimCRM's deterministic key of this record, unique per object type.", HasUniqueValue: true},
	}
}

// DefaultGroup is the property group HubSpot files a type's own properties under.
//
// A new property must name a group that exists on that object type (groupName is
// required by POST /crm/v3/properties/{objectType}, and groups live per type under
// /crm/v3/properties/{objectType}/groups). The CRM objects have their
// "<object>information" groups (the spec's own example is contactinformation);
// notes, calls, tasks and meetings are engagements, whose shared properties
// (hs_timestamp, owner) sit in "engagement". Names like "noteinformation" are not
// groups HubSpot documents, and naming a missing group is a 400, so
// EnsureTraceProperties never trusts this table alone: it uses the group only when
// the portal's own property list shows it, and otherwise the group of an existing
// property (see groupFor). The sandbox files its built-in properties the same way.
func DefaultGroup(t ObjectType) string {
	switch t {
	case Contacts:
		return "contactinformation"
	case Companies:
		return "companyinformation"
	case Deals:
		return "dealinformation"
	case Tickets:
		return "ticketinformation"
	}
	return "engagement"
}

// groupFor picks the group new properties go to: the type's usual group when some
// existing property uses it, otherwise the group of the first property that has one.
func groupFor(t ObjectType, props []Property) string {
	want := DefaultGroup(t)
	first := ""
	for _, p := range props {
		if p.GroupName == want {
			return want
		}
		if first == "" && p.GroupName != "" {
			first = p.GroupName
		}
	}
	if first != "" {
		return first
	}
	return want
}

// Guard runs one call to HubSpot; the engine's guard waits for its rate limit and
// circuit breaker first and turns a 429 into a wait.
type Guard func(ctx context.Context, call func(context.Context) error) error

// EnsureTraceProperties makes sure simcrm_simulation_id and simcrm_record_key (with
// unique values) exist on every type (TraceTypes when none are given): it reads each
// type's properties and defines the missing ones. It needs the
// crm.schemas.<type>.read and .write scopes; a 403 MISSING_SCOPES on a type is
// recorded in that type's result, with the scopes HubSpot named, and the next type
// is tried. Answers that say the whole connection is unusable (401, 429, 5xx, no
// answer) stop at once and are returned as the error, with the report so far.
func (c *Client) EnsureTraceProperties(ctx context.Context, types ...ObjectType) (TraceReport, error) {
	return c.EnsureTracePropertiesGuarded(ctx, nil, types...)
}

// EnsureTracePropertiesGuarded is EnsureTraceProperties with each call made
// through guard (nil: directly); an error the guard returns instead of calling
// (a wait) stops it like an unusable connection.
func (c *Client) EnsureTracePropertiesGuarded(ctx context.Context, guard Guard, types ...ObjectType) (TraceReport, error) {
	if len(types) == 0 {
		types = TraceTypes
	}
	if guard == nil {
		guard = func(ctx context.Context, call func(context.Context) error) error { return call(ctx) }
	}
	var rep TraceReport
	for _, t := range types {
		res, err := c.ensureTrace(ctx, guard, t)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func (c *Client) ensureTrace(ctx context.Context, guard Guard, t ObjectType) (TraceResult, error) {
	res := TraceResult{Type: t}
	var props []Property
	err := guard(ctx, func(ctx context.Context) (err error) { props, err = c.Properties(ctx, t); return err })
	if err != nil {
		return res, res.refused(err, SimulationIDProperty, RecordKeyProperty)
	}
	res.Properties = props
	have := map[string]Property{}
	for _, p := range props {
		have[p.Name] = p
	}
	for _, def := range TraceProperties(groupFor(t, props)) {
		if p, ok := have[def.Name]; ok {
			res.KeyNotUnique = res.KeyNotUnique || (def.HasUniqueValue && !p.HasUniqueValue)
			continue
		}
		p, err := c.createTrace(ctx, guard, t, def)
		if err == nil && def.HasUniqueValue && !p.HasUniqueValue {
			res.KeyNotUnique = true
		}
		if err != nil {
			if err := res.refused(err, def.Name); err != nil {
				return res, err
			}
			continue
		}
		if p.created {
			res.Created = append(res.Created, def.Name)
		}
	}
	return res, nil
}

// tracedProperty is a trace property as createTrace left it.
type tracedProperty struct {
	HasUniqueValue bool
	created        bool // by this call (not by another process meanwhile)
}

// createTrace defines one trace property. A key the type refuses as unique (400)
// is defined without unique values, which still traces the objects; a 409 means
// another SimCRM process defined it meanwhile, so it is read back.
func (c *Client) createTrace(ctx context.Context, guard Guard, t ObjectType, def PropertyCreate) (tracedProperty, error) {
	for {
		err := guard(ctx, func(ctx context.Context) error { _, err := c.CreateProperty(ctx, t, def); return err })
		var he *Error
		switch {
		case err == nil:
			return tracedProperty{HasUniqueValue: def.HasUniqueValue, created: true}, nil
		case errors.As(err, &he) && he.StatusCode == http.StatusConflict:
			var p *Property
			if err := guard(ctx, func(ctx context.Context) (err error) { p, err = c.property(ctx, t, def.Name); return err }); err != nil {
				return tracedProperty{}, err
			}
			return tracedProperty{HasUniqueValue: p.HasUniqueValue}, nil
		case def.HasUniqueValue && errors.As(err, &he) && he.StatusCode == http.StatusBadRequest:
			def.HasUniqueValue = false
			continue
		}
		return tracedProperty{}, err
	}
}

// refused records a refusal that concerns this type alone (403, or HubSpot's 400,
// 409 and 422 bodies) as missing properties and returns nil; anything else,
// including a 404 or an answer that is not HubSpot's, comes back as the error.
func (r *TraceResult) refused(err error, missing ...string) error {
	var he *Error
	if !errors.As(err, &he) {
		return err
	}
	hubspotBody := he.Body == nil && he.Category != ""
	switch {
	case he.StatusCode == http.StatusForbidden:
		for _, s := range he.RequiredScopes() {
			if !slices.Contains(r.MissingScopes, s) {
				r.MissingScopes = append(r.MissingScopes, s)
			}
		}
		if len(he.RequiredScopes()) == 0 && r.Problem == "" {
			r.Problem = fmt.Sprintf("403 %s: %s", he.Category, he.Message)
		}
	case hubspotBody && (he.StatusCode == http.StatusBadRequest || he.StatusCode == http.StatusConflict || he.StatusCode == http.StatusUnprocessableEntity):
		if r.Problem == "" {
			r.Problem = fmt.Sprintf("%d %s: %s", he.StatusCode, he.Category, he.Message)
		}
	default:
		return err
	}
	r.Missing = append(r.Missing, missing...)
	if r.Refusal == nil {
		r.Refusal = err
	}
	return nil
}

// property reads one property definition (GET /crm/v3/properties/{objectType}/{propertyName}).
func (c *Client) property(ctx context.Context, t ObjectType, name string) (*Property, error) {
	var out Property
	if _, err := c.do(ctx, http.MethodGet, "/crm/v3/properties/"+segment(string(t))+"/"+segment(name), "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
