package web

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the form's time zones work whatever zoneinfo the machine has

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// maxNumberLen bounds numbers and times as text; longer values are refused, never
// echoed.
const maxNumberLen = 32

// datetimeLocal is what <input type="datetime-local"> sends.
const datetimeLocal = "2006-01-02T15:04"

// simulationText is the new-simulation input as text, before parsing. The form
// fills it directly; the API converts its JSON values into it.
type simulationText struct {
	Name, Scenario, Distribution, StartTime, EndTime, TimeZone string
	TotalRecords, Pace, PaceFactor, Target, Seed, Pipeline     string
	OwnerIDs                                                   []string
	HourWeights                                                []string
	timesRFC3339                                               bool // the API sends RFC 3339; the form sends datetime-local in TimeZone
}

// readSimulationForm copies the form's values (Fiber reuses its buffers).
func readSimulationForm(c *fiber.Ctx) simulationText {
	v := func(k string) string { return strings.Clone(c.FormValue(k)) }
	t := simulationText{Name: v("name"), Scenario: v("scenario"), Distribution: v("distribution"), StartTime: v("startTime"),
		EndTime: v("endTime"), TimeZone: v("timeZone"), TotalRecords: v("totalRecords"), Pace: v("pace"),
		PaceFactor: v("paceFactor"), Target: v("target"), Seed: v("seed"), Pipeline: v("pipeline")}
	for _, w := range c.Request().PostArgs().PeekMulti("hourWeights") {
		t.HourWeights = append(t.HourWeights, string(w))
	}
	t.OwnerIDs = strings.FieldsFunc(v("ownerIds"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
	return t
}

// parse reads the text into an input, with a message per field it cannot read,
// then adds the messages of the input rules (siminput) for the fields it could.
// conns are the user's connections, the only HubSpot targets allowed.
func (t simulationText) parse(conns []storage.Connection) (siminput.Input, siminput.FieldErrors) {
	fe := siminput.FieldErrors{}
	in := siminput.Input{Name: t.Name, Scenario: t.Scenario, Distribution: t.Distribution, PaceMode: t.Pace,
		TimeZone: strings.TrimSpace(t.TimeZone), Target: t.Target}
	loc, ok := in.Location()
	if !ok {
		fe["timeZone"] = siminput.MsgTimeZone
	}
	in.Start = t.parseTime("startTime", t.StartTime, loc, fe)
	in.End = t.parseTime("endTime", t.EndTime, loc, fe)
	if n, msg := parseWhole(t.TotalRecords, "Enter how many records to create.", "Enter a whole number of records, e.g. 1000."); msg != "" {
		fe["totalRecords"] = msg
	} else {
		in.TotalRecords = int(min(max(n, math.MinInt32), math.MaxInt32))
	}
	// The form always sends its (hidden) factor field; only the API's explicit factor counts for other modes.
	if t.Pace == string(sim.Accelerated) || (t.timesRFC3339 && strings.TrimSpace(t.PaceFactor) != "") {
		f, msg := parseDecimal(t.PaceFactor, "Enter how many times faster than real time, e.g. 60.", "Enter a number, e.g. 60.")
		if msg != "" && t.Pace == string(sim.Accelerated) {
			fe["paceFactor"] = msg
		}
		in.PaceFactor = f
	}
	if t.Target != storage.TargetSandbox {
		id, ok := whole(t.Target, 1, math.MaxInt64)
		if !ok || !slices.ContainsFunc(conns, func(c storage.Connection) bool { return c.ID == id }) {
			fe["target"] = siminput.MsgTarget
		} else {
			in.Pipeline, in.OwnerIDs = t.Pipeline, t.OwnerIDs
		}
	}
	if strings.TrimSpace(t.Seed) != "" {
		if n, msg := parseWhole(t.Seed, "", "Use a whole number, or leave it blank for a random seed."); msg != "" {
			fe["seed"] = msg
		} else {
			in.Seed = &n
		}
	}
	if t.Distribution == string(sim.Custom) {
		in.HourWeights = []float64{}
		for h, w := range t.HourWeights {
			f, msg := parseDecimal(w, "Give every hour a weight (0 for none).", "Use numbers only.")
			if msg != "" {
				fe["hourWeights"] = "Hour " + strconv.Itoa(h) + ": " + msg
				break
			}
			in.HourWeights = append(in.HourWeights, f)
		}
	}
	for field, msg := range in.Check() {
		fe.Add(field, msg)
	}
	return in, fe
}

func (t simulationText) parseTime(field, s string, loc *time.Location, fe siminput.FieldErrors) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		fe[field] = map[string]string{"startTime": "Enter when the simulation starts.", "endTime": "Enter when the simulation ends."}[field]
		return time.Time{}
	}
	if len(s) > maxNumberLen {
		fe[field] = "That is not a date and time."
		return time.Time{}
	}
	layouts, bad := []string{datetimeLocal, datetimeLocal + ":05"}, "Use a date and time such as 2025-06-02T09:00."
	if t.timesRFC3339 {
		layouts, bad = []string{time.RFC3339}, "Use an RFC 3339 time such as 2025-06-02T09:00:00Z."
	}
	for _, layout := range layouts {
		at, err := time.ParseInLocation(layout, s, loc)
		switch {
		case err != nil:
		case !storable(at):
			fe[field] = "Use a time from 1970 to 9999."
			return time.Time{}
		default:
			return at
		}
	}
	fe[field] = bad
	return time.Time{}
}

// readSimulationJSON converts an API request into text for parse. A value of the
// wrong JSON type is a field message; a body that is not a JSON object is a 400.
func readSimulationJSON(c *fiber.Ctx) (simulationText, siminput.FieldErrors, error) {
	fe := siminput.FieldErrors{}
	var raw map[string]json.RawMessage
	if err := readJSON(c, &raw, "the simulation as a JSON object"); err != nil {
		return simulationText{}, nil, err
	}
	t := simulationText{timesRFC3339: true}
	str := func(key, msg string) string {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			fe[key] = msg
		}
		return s
	}
	number := func(key string) string {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return ""
		}
		var n json.Number
		if json.Unmarshal(v, &n) != nil || len(v) > maxNumberLen {
			fe[key] = "must be a number"
			return ""
		}
		return n.String()
	}
	for key := range raw {
		if _, known := siminput.Labels[key]; !known || key == "paceFactor" {
			if len(key) > 40 {
				key = key[:40] + "…"
			}
			fe.Add("", "unknown field "+strconv.Quote(key)+"; the fields are name, scenario, distribution, startTime, endTime, timeZone, totalRecords, pace, target, seed, hourWeights, pipeline, ownerIds")
		}
	}
	t.Name = str("name", "must be a string")
	t.Scenario = str("scenario", "must be a string naming a scenario")
	t.Distribution = str("distribution", "must be a string naming a distribution")
	t.StartTime = str("startTime", "must be an RFC 3339 time string")
	t.EndTime = str("endTime", "must be an RFC 3339 time string")
	t.TimeZone = str("timeZone", "must be an IANA time zone name")
	t.TotalRecords = number("totalRecords")
	t.Seed = number("seed")
	t.Pipeline = str("pipeline", "must be a string")

	t.Pace, t.PaceFactor = readPaceJSON(raw, fe)
	t.Target = readTargetJSON(raw, fe)
	t.HourWeights, t.OwnerIDs = readListsJSON(raw, fe)
	return t, fe, nil
}

// readPaceJSON reads "pace": a mode, or {"mode": …, "factor": N}.
func readPaceJSON(raw map[string]json.RawMessage, fe siminput.FieldErrors) (mode, factor string) {
	if v, ok := raw["pace"]; ok {
		var obj map[string]json.RawMessage
		switch {
		case json.Unmarshal(v, &mode) == nil:
		case json.Unmarshal(v, &obj) == nil && obj != nil:
			if m, ok := obj["mode"]; ok && json.Unmarshal(m, &mode) != nil {
				fe["pace"] = "pace.mode must be realtime, accelerated or backfill"
			}
			if f, ok := obj["factor"]; ok && string(f) != "null" {
				var n json.Number
				if json.Unmarshal(f, &n) != nil || len(f) > maxNumberLen {
					fe["paceFactor"] = "pace.factor must be a number"
				} else {
					factor = n.String()
				}
			}
		default:
			fe["pace"] = `must be {"mode": "realtime|accelerated|backfill", "factor": N}`
		}
	}
	if mode == "" {
		fe.Add("pace", "choose realtime, accelerated or backfill")
	}
	return mode, factor
}

// readTargetJSON reads "target": "sandbox" or a connection id, as text or number.
func readTargetJSON(raw map[string]json.RawMessage, fe siminput.FieldErrors) string {
	var target string
	if v, ok := raw["target"]; ok {
		var n json.Number
		switch {
		case json.Unmarshal(v, &target) == nil:
		case json.Unmarshal(v, &n) == nil:
			target = n.String()
		default:
			fe["target"] = `must be "sandbox" or a connection id`
		}
	}
	if target == "" {
		fe.Add("target", `choose "sandbox" or one of your connection ids`)
	}
	return target
}

// readListsJSON reads "hourWeights" (numbers) and "ownerIds" (strings or numbers).
func readListsJSON(raw map[string]json.RawMessage, fe siminput.FieldErrors) (weights, owners []string) {
	if v, ok := raw["hourWeights"]; ok && string(v) != "null" {
		var ws []json.Number
		if json.Unmarshal(v, &ws) != nil {
			fe["hourWeights"] = "must be a list of 24 numbers"
		}
		for _, w := range ws {
			weights = append(weights, w.String())
		}
	}
	if v, ok := raw["ownerIds"]; ok && string(v) != "null" {
		var ids []json.Number
		if json.Unmarshal(v, &owners) != nil {
			owners = nil
			if json.Unmarshal(v, &ids) != nil {
				fe["ownerIds"] = "must be a list of HubSpot owner ids"
			}
			for _, id := range ids {
				owners = append(owners, id.String())
			}
		}
	}
	return weights, owners
}

// mergeFieldErrors adds the engine's messages after the web's own.
func mergeFieldErrors(dst, src siminput.FieldErrors) {
	for k, v := range src {
		dst.Add(k, v)
	}
}

// formErrors places field messages beside the form's fields; a message for a
// field the form does not have goes to the top of the form.
func formErrors(fe siminput.FieldErrors) views.FormErrors {
	out := views.FormErrors{}
	var general []string
	for k, v := range fe {
		if _, ok := siminput.Labels[k]; ok && k != "" {
			out[k] = v
		} else {
			general = append(general, v)
		}
	}
	if len(general) > 0 {
		slices.Sort(general)
		out[""] = strings.Join(general, " ")
	}
	return out
}

// problems lists field messages for the preview panel in form order.
func problems(fe siminput.FieldErrors) []views.Problem {
	order := []string{"", "name", "scenario", "totalRecords", "startTime", "endTime", "timeZone", "distribution",
		"hourWeights", "pace", "paceFactor", "target", "seed", "pipeline", "ownerIds"}
	var out []views.Problem
	for _, k := range order {
		if msg, ok := fe[k]; ok {
			out = append(out, views.Problem{Label: siminput.Labels[k], Message: msg})
		}
	}
	for k, msg := range fe {
		if !slices.Contains(order, k) {
			out = append(out, views.Problem{Message: msg})
		}
	}
	return out
}
