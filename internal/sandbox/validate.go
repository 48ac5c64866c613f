package sandbox

import (
	"fmt"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// maxStringLength is HubSpot's limit on a string property value.
const maxStringLength = 65536

type writeMode int

const (
	modeCreate writeMode = iota
	modeUpdate
)

// checked is one input's properties after validation: normalised values to store
// ("" clears a property on update) and the create date asked for, if any.
type checked struct {
	props     map[string]string
	createdAt time.Time
}

// check validates and normalises one input's properties the way HubSpot does:
// unknown and read-only properties, enumeration options, emails, numbers,
// datetimes (ms or ISO 8601, stored as ISO), owners, pipelines and stages, and the
// properties a new record needs. index is the input's place in a batch (-1 alone).
func (sc schema) check(in map[string]string, mode writeMode, index int) (checked, []problem) {
	out := checked{props: make(map[string]string, len(in))}
	var ps []problem
	bad := func(name, code, format string, args ...any) {
		ps = append(ps, problem{Name: name, Code: code, Message: fmt.Sprintf(format, args...), Index: index})
	}
	for name, v := range in {
		p := sc.property(name)
		switch {
		case p == nil:
			bad(name, "PROPERTY_DOESNT_EXIST", "Property %q does not exist", name)
			continue
		case name == "createdate" || name == "hs_createdate":
			if mode == modeCreate && v != "" {
				t, err := parseDatetime(v)
				if err != nil {
					bad(name, "INVALID_DATETIME", "%q is not a valid datetime: use milliseconds since the epoch or ISO 8601, in the years 1000 to 9999", v)
					continue
				}
				out.createdAt = t
			}
			continue
		case p.ReadOnly:
			bad(name, "READ_ONLY_VALUE", "%s is a read only property; its value cannot be set.", name)
			continue
		}
		if v == "" {
			if mode == modeUpdate {
				out.props[name] = ""
			}
			continue
		}
		norm, code, msg := sc.normalize(p, v)
		if code != "" {
			bad(name, code, "%s", msg)
			continue
		}
		if p.Unique && len(norm) > sandboxstore.UniqueMax {
			bad(name, "INVALID_UNIQUE_VALUE", "%s holds unique values, which can be at most %d characters long", name, sandboxstore.UniqueMax)
			continue
		}
		out.props[name] = norm
	}
	ps = append(ps, sc.checkPipeline(out.props, mode, index)...)
	if mode == modeCreate && isEngagement(sc.t) && out.props["hs_timestamp"] == "" {
		bad("hs_timestamp", "REQUIRED_PROPERTY", "hs_timestamp is required")
	}
	return out, ps
}

// normalize checks one value against its property and returns the value to store,
// or an error code and message.
func (sc schema) normalize(p *propertyDef, v string) (string, string, string) {
	switch p.Type {
	case typeNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", "INVALID_NUMBER", fmt.Sprintf("%q is not a valid number", v)
		}
		return strings.TrimSpace(v), "", ""
	case typeDatetime:
		t, err := parseDatetime(v)
		if err != nil {
			return "", "INVALID_DATETIME", fmt.Sprintf("%q is not a valid datetime: use milliseconds since the epoch or ISO 8601, in the years 1000 to 9999", v)
		}
		return isoTime(t), "", ""
	case typeDate:
		t, err := parseDatetime(v)
		if err != nil || !t.Equal(t.Truncate(24*time.Hour)) {
			return "", "INVALID_DATE", fmt.Sprintf("%q is not a valid date: use YYYY-MM-DD or midnight UTC in milliseconds", v)
		}
		return t.Format(time.DateOnly), "", ""
	case typeBool:
		switch strings.ToLower(v) {
		case "true", "false":
			return strings.ToLower(v), "", ""
		}
		return "", "INVALID_BOOLEAN", fmt.Sprintf("%q is not a valid boolean: use true or false", v)
	case typeEnumeration:
		if p.Owner {
			if !isOwner(v) {
				return "", "INVALID_OPTION", fmt.Sprintf("%s is not a valid owner id", v)
			}
			return v, "", ""
		}
		if _, ok := pipelineProps[sc.t]; ok && len(p.Options) == 0 {
			return v, "", "" // pipeline and stage: checked together
		}
		values := []string{v}
		if p.FieldType == "checkbox" {
			values = strings.Split(v, ";")
		}
		for _, one := range values {
			if !p.hasOption(one) {
				return "", "INVALID_OPTION", fmt.Sprintf("%s was not one of the allowed options: [%s]", one, strings.Join(optionValues(p), ", "))
			}
		}
		return v, "", ""
	}
	if utf8.RuneCountInString(v) > maxStringLength {
		return "", "INVALID_STRING_LENGTH", fmt.Sprintf("%s is longer than %d characters", p.Name, maxStringLength)
	}
	if sc.t == hubspot.Contacts && p.Name == "email" {
		e := strings.ToLower(strings.TrimSpace(v))
		if !validEmail(e) {
			return "", "INVALID_EMAIL", fmt.Sprintf("Email address %s is invalid", v)
		}
		return e, "", ""
	}
	return v, "", ""
}

// checkPipeline checks the pipeline and stage of deals and tickets, and fills in
// what HubSpot fills in on create: the default pipeline, and for tickets a stage
// is required.
func (sc schema) checkPipeline(props map[string]string, mode writeMode, index int) []problem {
	pp, ok := pipelineProps[sc.t]
	if !ok {
		return nil
	}
	pipeProp, stageProp := pp[0], pp[1]
	var ps []problem
	pid, stage := props[pipeProp], props[stageProp]
	if mode == modeCreate && pid == "" && (stage != "" || sc.t == hubspot.Tickets) {
		pid = pipelines[sc.t][0].ID
		props[pipeProp] = pid
	}
	var pl pipeline
	if pid != "" {
		var found bool
		if pl, found = findPipeline(sc.t, pid); !found {
			ps = append(ps, problem{Name: pipeProp, Code: "INVALID_OPTION", Index: index,
				Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", pid, strings.Join(optionValues(&propertyDef{Options: pipelineOptions(sc.t, false)}), ", "))})
			return ps
		}
	}
	switch {
	case stage != "" && pid != "" && !pl.hasStage(stage):
		ps = append(ps, problem{Name: stageProp, Code: "INVALID_OPTION", Index: index,
			Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", stage, strings.Join(pl.stageIDs(), ", "))})
	case stage != "" && pid == "":
		// An update of the stage alone: it must be a stage of some pipeline.
		var all []string
		for _, p := range pipelines[sc.t] {
			all = append(all, p.stageIDs()...)
		}
		if !strings.Contains(";"+strings.Join(all, ";")+";", ";"+stage+";") {
			ps = append(ps, problem{Name: stageProp, Code: "INVALID_OPTION", Index: index,
				Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", stage, strings.Join(all, ", "))})
		}
	case mode == modeCreate && stage == "" && sc.t == hubspot.Tickets:
		ps = append(ps, problem{Name: stageProp, Code: "REQUIRED_PROPERTY", Index: index, Message: stageProp + " is required"})
	}
	return ps
}

// The datetimes a record may hold: the years both databases store.
var (
	firstDatetime = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	endDatetime   = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// parseDatetime reads milliseconds since the epoch or an ISO 8601 date or datetime
// of the years 1000 to 9999.
func parseDatetime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return datetimeIn(time.UnixMilli(ms).UTC(), v)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return datetimeIn(t.UTC(), v)
		}
	}
	return time.Time{}, fmt.Errorf("not a datetime: %q", v)
}

// datetimeIn refuses a datetime outside the years 1000 to 9999.
func datetimeIn(t time.Time, v string) (time.Time, error) {
	if t.Before(firstDatetime) || !t.Before(endDatetime) {
		return time.Time{}, fmt.Errorf("datetime %q is outside the years 1000 to 9999", v)
	}
	return t, nil
}

func validEmail(e string) bool {
	if e == "" || strings.ContainsAny(e, " \t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return false
	}
	at := strings.LastIndexByte(e, '@')
	domain := e[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}
