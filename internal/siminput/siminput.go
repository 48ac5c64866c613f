// Package siminput is a simulation as a person or a client describes it, and every
// rule it must meet with the message shown beside its field. The web side reads the
// form and the JSON API into an Input and checks it here; the engine checks the
// same rules before it stores anything, then adds what only it can judge (the
// target answers, the plan fits the window).
package siminput

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/simcrm/simcrm/internal/sim"
)

// Input is a simulation as the form or the API describes it, already read into Go
// values (whoever reads text reports what it cannot read).
type Input struct {
	Name         string
	Scenario     string
	Distribution string
	Start, End   time.Time
	TimeZone     string    // IANA name; "" = UTC
	TotalRecords int       // as requested; the scenario's multiplier gives the effective total
	PaceMode     string    // realtime | accelerated | backfill
	PaceFactor   float64   // accelerated only
	Target       string    // "sandbox" or a HubSpot connection id in decimal
	Seed         *int64    // nil = random
	HourWeights  []float64 // custom distribution: 24 weights
	Pipeline     string    // HubSpot targets only
	OwnerIDs     []string  // HubSpot targets only
}

// FieldErrors maps an input field to the message shown beside it; the key "" is
// for the input as a whole. Field names are the API's (see Labels).
type FieldErrors map[string]string

// Add keeps the first message for a field.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Labels names every input field (by its API name) for messages shown away from
// the field.
var Labels = map[string]string{
	"name": "Name", "scenario": "Scenario", "distribution": "Distribution", "startTime": "Start", "endTime": "End",
	"timeZone": "Time zone", "totalRecords": "Records", "pace": "Pace", "paceFactor": "Acceleration factor",
	"target": "Target", "seed": "Seed", "hourWeights": "Hour-of-day weights", "pipeline": "Deal pipeline", "ownerIds": "Owner ids",
}

// Text limits; longer values are refused, never echoed. MaxNameLen is the
// simulations.name column's VARCHAR(200), in characters.
const (
	MaxNameLen     = 200
	MaxZoneLen     = 64
	MaxPipelineLen = 100
	MaxOwnerIDs    = 50
	MaxOwnerIDLen  = 32
)

// Messages of the rules, one per rule.
var (
	MsgNameMissing     = "Give the simulation a name."
	MsgNameLong        = "Use at most " + strconv.Itoa(MaxNameLen) + " characters."
	MsgScenario        = "Choose one of the scenarios: " + strings.Join(sim.ScenarioNames(), ", ") + "."
	MsgDistribution    = "Choose one of the distributions: " + strings.Join(sim.DistributionNames(), ", ") + "."
	MsgTimeZone        = "Unknown time zone; use an IANA name such as Europe/Berlin."
	MsgStartMissing    = "Enter when the simulation starts."
	MsgEndMissing      = "Enter when the simulation ends."
	MsgEndBeforeStart  = "The window must end after it starts."
	MsgWindowLong      = "The window can be at most 30 days long."
	MsgRecordsRange    = "Plan between 1 and 1,000,000 records."
	MsgPace            = "Choose real time, accelerated or backfill."
	MsgPaceFactor      = fmt.Sprintf("An accelerated pace runs between 1× and %d× faster than real time.", sim.MaxAcceleration)
	MsgTarget          = "Choose the sandbox or one of your HubSpot connections."
	MsgPipelineLong    = "Use at most " + strconv.Itoa(MaxPipelineLen) + " characters."
	MsgOwnerIDsMany    = "Use at most " + strconv.Itoa(MaxOwnerIDs) + " owners."
	MsgOwnerIDsNumeric = "Owner ids are HubSpot's numeric user ids, separated by commas."
)

// Location is the input's time zone; ok is false for a name that is not one.
func (in Input) Location() (loc *time.Location, ok bool) {
	switch {
	case in.TimeZone == "" || in.TimeZone == "UTC":
		return time.UTC, true
	case len(in.TimeZone) > MaxZoneLen || in.TimeZone == "Local":
		return time.UTC, false
	}
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil {
		return time.UTC, false
	}
	return loc, true
}

// Check applies every rule that needs neither the database nor the target and
// returns a message per field that breaks one.
func (in Input) Check() FieldErrors {
	fe := FieldErrors{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		fe["name"] = MsgNameMissing
	case utf8.RuneCountInString(name) > MaxNameLen:
		fe["name"] = MsgNameLong
	}
	if !slices.Contains(sim.ScenarioNames(), in.Scenario) {
		fe["scenario"] = MsgScenario
	}
	if !slices.Contains(sim.DistributionNames(), in.Distribution) {
		fe["distribution"] = MsgDistribution
	}
	if _, ok := in.Location(); !ok {
		fe["timeZone"] = MsgTimeZone
	}
	switch {
	case in.Start.IsZero():
		fe["startTime"] = MsgStartMissing
	case in.End.IsZero():
		fe["endTime"] = MsgEndMissing
	case !in.End.After(in.Start):
		fe["endTime"] = MsgEndBeforeStart
	case in.End.Sub(in.Start) > sim.MaxWindow:
		fe["endTime"] = MsgWindowLong
	}
	if in.TotalRecords < 1 || in.TotalRecords > sim.MaxRecords {
		fe["totalRecords"] = MsgRecordsRange
	}
	if err := in.Pace().Validate(); err != nil {
		var ve *sim.ValidationError
		if errors.As(err, &ve) && ve.Field == "factor" {
			fe["paceFactor"] = MsgPaceFactor
		} else {
			fe["pace"] = MsgPace
		}
	}
	if t := strings.TrimSpace(in.Target); t != "" && t != "sandbox" {
		if id, err := strconv.ParseInt(t, 10, 64); err != nil || id <= 0 {
			fe["target"] = MsgTarget
		}
	}
	if len(strings.TrimSpace(in.Pipeline)) > MaxPipelineLen {
		fe["pipeline"] = MsgPipelineLong
	}
	if len(in.OwnerIDs) > MaxOwnerIDs {
		fe["ownerIds"] = MsgOwnerIDsMany
	}
	for _, id := range in.OwnerIDs {
		if id = strings.TrimSpace(id); len(id) > MaxOwnerIDLen || strings.Trim(id, "0123456789") != "" {
			fe.Add("ownerIds", MsgOwnerIDsNumeric)
			break
		}
	}
	return fe
}

// Pace is the input's pace; the factor counts for accelerated pace only.
func (in Input) Pace() sim.Pace {
	p := sim.Pace{Mode: sim.PaceMode(in.PaceMode)}
	if p.Mode == sim.Accelerated {
		p.Factor = in.PaceFactor
	}
	return p
}
