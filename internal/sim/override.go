package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
)

// Overrides are scenario parameter values keyed by parameter key
// ("win_rate", "budget.notes", "delay.call_mean", ...). The engine stores
// them as versioned JSON; every job uses the version it was planned with.
type Overrides map[string]float64

// Parameter describes one overridable scenario parameter.
type Parameter struct {
	Key     string
	Help    string
	Min     float64
	Max     float64
	Integer bool
}

type parameter struct {
	key      string
	help     string
	min, max float64
	integer  bool
	float    func(*Scenario) *float64
	int      func(*Scenario) *int
}

func (p parameter) get(s *Scenario) float64 {
	if p.int != nil {
		return float64(*p.int(s))
	}
	return *p.float(s)
}

func (p parameter) set(s *Scenario, v float64) {
	if p.int != nil {
		*p.int(s) = int(v)
		return
	}
	*p.float(s) = v
}

const maxMinutes = 20160 // two weeks

func prob(key, help string, f func(*Scenario) *float64) parameter {
	return parameter{key: key, help: help, min: 0, max: 1, float: f}
}

func minutesParam(key, help string, lo float64, f func(*Scenario) *float64) parameter {
	return parameter{key: key, help: help + " (minutes)", min: lo, max: maxMinutes, float: f}
}

func rangeParams(prefix, help string, f func(*Scenario) *Range) []parameter {
	return []parameter{
		minutesParam(prefix+"_min", help+", shortest", 0.1, func(s *Scenario) *float64 { return &f(s).Min }),
		minutesParam(prefix+"_max", help+", longest", 0.1, func(s *Scenario) *float64 { return &f(s).Max }),
	}
}

// parameters is the single table of overridable parameters; Validate uses
// it too, so a built-in scenario obeys the same limits as an override.
var parameters = buildParameters()

// rangePairs are (min, max) parameter pairs that must be ordered.
var rangePairs = buildRangePairs()

func buildParameters() []parameter {
	ps := []parameter{
		{key: "volume_multiplier", help: "effective records = requested × multiplier", min: 0.01, max: 10,
			float: func(s *Scenario) *float64 { return &s.VolumeMultiplier }},
		{key: "contacts_per_company_min", help: "fewest contacts sharing a company", min: 1, max: 50, integer: true,
			int: func(s *Scenario) *int { return &s.ContactsPerCompany.Min }},
		{key: "contacts_per_company_max", help: "most contacts sharing a company", min: 1, max: 50, integer: true,
			int: func(s *Scenario) *int { return &s.ContactsPerCompany.Max }},
		prob("p_mql", "contact becomes an MQL", func(s *Scenario) *float64 { return &s.PMQL }),
		prob("p_deal", "an MQL gets a deal", func(s *Scenario) *float64 { return &s.PDeal }),
		prob("p_regression", "an MQL without a deal regresses", func(s *Scenario) *float64 { return &s.PRegression }),
		prob("p_open_deal", "a deal stays open", func(s *Scenario) *float64 { return &s.POpenDeal }),
		prob("win_rate", "a closed deal is won", func(s *Scenario) *float64 { return &s.WinRate }),
		prob("p_initial_note", "note on contact creation", func(s *Scenario) *float64 { return &s.PInitialNote }),
		prob("p_call_on_mql", "call on MQL", func(s *Scenario) *float64 { return &s.PCallOnMQL }),
		prob("p_call_retry", "another call attempt after a call", func(s *Scenario) *float64 { return &s.PCallRetry }),
		prob("p_task_if_no_call", "follow-up task on MQL without a call", func(s *Scenario) *float64 { return &s.PTaskIfNoCall }),
		prob("p_nurture_note", "nurture note on regression", func(s *Scenario) *float64 { return &s.PNurtureNote }),
		prob("p_post_win_note", "note after a won deal", func(s *Scenario) *float64 { return &s.PPostWinNote }),
		prob("p_ticket_on_lost", "ticket after a lost deal", func(s *Scenario) *float64 { return &s.PTicketOnLost }),
		prob("p_meeting", "each meeting while a deal is in progress", func(s *Scenario) *float64 { return &s.PMeeting }),
		prob("p_task_after_meeting", "follow-up task after a meeting", func(s *Scenario) *float64 { return &s.PTaskAfterMeeting }),
	}
	for _, k := range ActivityKinds {

		ps = append(ps,
			parameter{key: "cap." + k.Plural(), help: "most " + k.Plural() + " per record", min: 0, max: maxPerRecord, integer: true,
				int: func(s *Scenario) *int { return capField(&s.Caps, k) }},
			parameter{key: "budget." + k.Plural(), help: "most " + k.Plural() + " per simulation", min: 0, max: 10_000_000, integer: true,
				int: func(s *Scenario) *int { return capField(&s.Budgets, k) }})
	}
	ps = append(ps, rangeParams("delay.note", "contact created → initial note", func(s *Scenario) *Range { return &s.Delays.Note })...)
	ps = append(ps,
		minutesParam("delay.call_mean", "MQL → call, mean", 0.1, func(s *Scenario) *float64 { return &s.Delays.Call.Mean }),
		minutesParam("delay.call_jitter", "MQL → call, ± jitter", 0, func(s *Scenario) *float64 { return &s.Delays.Call.Jitter }))
	ps = append(ps, rangeParams("delay.task", "MQL or meeting → follow-up task", func(s *Scenario) *Range { return &s.Delays.Task })...)
	ps = append(ps, rangeParams("delay.nurture", "regression → nurture note", func(s *Scenario) *Range { return &s.Delays.Nurture })...)
	ps = append(ps, rangeParams("delay.post_win", "deal won → note", func(s *Scenario) *Range { return &s.Delays.PostWin })...)
	ps = append(ps, rangeParams("delay.ticket", "deal lost → ticket", func(s *Scenario) *Range { return &s.Delays.Ticket })...)
	ps = append(ps, rangeParams("delay.meeting", "deal or previous meeting → meeting", func(s *Scenario) *Range { return &s.Delays.Meeting })...)
	ps = append(ps, rangeParams("gap.mql", "contact created → MQL", func(s *Scenario) *Range { return &s.Gaps.MQL })...)
	ps = append(ps, rangeParams("gap.deal", "MQL → deal", func(s *Scenario) *Range { return &s.Gaps.Deal })...)
	ps = append(ps, rangeParams("gap.regression", "MQL → regression", func(s *Scenario) *Range { return &s.Gaps.Regression })...)
	ps = append(ps, rangeParams("gap.close", "last meeting → deal closed", func(s *Scenario) *Range { return &s.Gaps.Close })...)
	ps = append(ps,
		parameter{key: "employees_min", help: "smallest company head count", min: 1, max: 1_000_000, integer: true,
			int: func(s *Scenario) *int { return &s.Employees.Min }},
		parameter{key: "employees_max", help: "largest company head count", min: 1, max: 1_000_000, integer: true,
			int: func(s *Scenario) *int { return &s.Employees.Max }},
		parameter{key: "deal_amount_min", help: "smallest deal amount", min: 1, max: 1e9, float: func(s *Scenario) *float64 { return &s.DealAmount.Min }},
		parameter{key: "deal_amount_max", help: "largest deal amount", min: 1, max: 1e9, float: func(s *Scenario) *float64 { return &s.DealAmount.Max }})
	for i, st := range OpenDealStages {

		ps = append(ps, parameter{key: "stage_weight." + st, help: "weight of " + st + " among open deals", min: 0, max: 1000,
			float: func(s *Scenario) *float64 { return &s.StageWeights[i] }})
	}
	return ps
}

func buildRangePairs() []struct{ lo, hi parameter } {
	var pairs []struct{ lo, hi parameter }
	for i, p := range parameters {
		if lo, ok := strings.CutSuffix(p.key, "_max"); ok {
			for _, q := range parameters[:i] {
				if q.key == lo+"_min" {
					pairs = append(pairs, struct{ lo, hi parameter }{q, p})
				}
			}
		}
	}
	return pairs
}

// maxPerRecord bounds per-record caps (journey bookkeeping uses 32-bit masks).
const maxPerRecord = 20

func capField(c *Counts, k Kind) *int {
	switch k {
	case KindNote:
		return &c.Notes
	case KindCall:
		return &c.Calls
	case KindTask:
		return &c.Tasks
	case KindMeeting:
		return &c.Meetings
	default:
		return &c.Tickets
	}
}

// Parameters lists every overridable parameter with its range, for the
// override form.
func Parameters() []Parameter {
	out := make([]Parameter, len(parameters))
	for i, p := range parameters {
		out[i] = Parameter{Key: p.key, Help: p.help, Min: p.min, Max: p.max, Integer: p.integer}
	}
	return out
}

// CanonicalKey normalises an override key: lower case, and cap/budget kinds
// in their plural form ("budget.note" → "budget.notes").
func CanonicalKey(key string) string {
	key = strings.ToLower(strings.TrimSpace(key))
	for _, prefix := range []string{"cap.", "budget."} {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			if k, ok := ParseKind(rest); ok && k.IsActivity() {
				return prefix + k.Plural()
			}
		}
	}
	return key
}

func lookupParameter(key string) (parameter, bool) {
	key = CanonicalKey(key)
	for _, p := range parameters {
		if p.key == key {
			return p, true
		}
	}
	return parameter{}, false
}

// ApplyOverrides returns a copy of s with the overrides applied. An unknown
// key, a value out of range, a fraction for an integer parameter or a result
// that breaks a cross-field rule is an error naming the key.
func ApplyOverrides(s Scenario, o Overrides) (Scenario, error) {
	out := s.clone()
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	canon := make(Overrides, len(o))
	for _, key := range keys {
		v := o[key]
		p, err := checkOverride(key, v)
		if err != nil {
			return s, err
		}
		p.set(&out, v)
		canon[p.key] = v
	}
	if err := out.Validate(); err != nil {
		return s, blameOverride(err, canon)
	}
	return out, nil
}

// checkOverride checks one override on its own: a known key, a value in range,
// a whole number where the parameter counts something.
func checkOverride(key string, v float64) (parameter, error) {
	p, ok := lookupParameter(key)
	if !ok {
		return p, invalid(key, ErrUnknownOverride, "")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < p.min || v > p.max {
		return p, invalid(key, ErrOverrideValue, "must be between "+fmtNum(p.min)+" and "+fmtNum(p.max)+", got "+fmtNum(v))
	}
	if p.integer && v != math.Trunc(v) {
		return p, invalid(key, ErrOverrideValue, "must be a whole number, got "+fmtNum(v))
	}
	return p, nil
}

// OverrideProblems checks overrides of s for a form: every key on its own first
// (one message per bad key), then, when each is fine, the scenario they make
// (the one cross-field rule that fails). It returns a message per parameter key
// ("" for a rule that belongs to no single key); empty means valid.
func OverrideProblems(s Scenario, o Overrides) map[string]string {
	out := map[string]string{}
	for key, v := range o {
		if _, err := checkOverride(key, v); err != nil {
			out[CanonicalKey(key)] = problemText(err)
		}
	}
	if len(out) > 0 {
		return out
	}
	if _, err := ApplyOverrides(s, o); err != nil {
		field := ""
		if ve, ok := err.(*ValidationError); ok {
			if _, known := lookupParameter(ve.Field); known {
				field = ve.Field
			}
		}
		out[field] = problemText(err)
	}
	return out
}

// problemText is a validation error as a sentence for a person.
func problemText(err error) string {
	ve, ok := err.(*ValidationError)
	if !ok {
		return err.Error()
	}
	msg := ve.Err.Error()
	if ve.Reason != "" {
		msg = ve.Reason
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// ParameterValues returns the value of every overridable parameter in s, keyed
// like overrides.
func ParameterValues(s Scenario) Overrides {
	out := make(Overrides, len(parameters))
	for _, p := range parameters {
		out[p.key] = p.get(&s)
	}
	return out
}

// blameOverride names the overridden key when a cross-field rule fails on
// its untouched partner (min raised above the built-in max, mean lowered
// below the built-in jitter).
func blameOverride(err error, o Overrides) error {
	ve, ok := err.(*ValidationError)
	if !ok {
		return err
	}
	if _, touched := o[ve.Field]; touched {
		return err
	}
	partners := map[string]string{"delay.call_jitter": "delay.call_mean"}
	for _, p := range rangePairs {
		partners[p.hi.key] = p.lo.key
	}
	if partner, ok := partners[ve.Field]; ok {
		if _, touched := o[partner]; touched {
			return &ValidationError{Field: partner, Reason: ve.Reason, Err: ve.Err}
		}
	}
	return err
}

// ParseOverrides decodes a JSON object of numbers; a non-number value is an
// error naming its key. Keys are checked by ApplyOverrides.
func ParseOverrides(data []byte) (Overrides, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return Overrides{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, invalid("overrides", ErrOverrideValue, "not a JSON object: "+err.Error())
	}
	o := make(Overrides, len(raw))
	for k, v := range raw {
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, invalid(k, ErrOverrideValue, "not a number")
		}
		o[CanonicalKey(k)] = f
	}
	return o, nil
}

// ApplyOverridesJSON is ParseOverrides followed by ApplyOverrides.
func ApplyOverridesJSON(s Scenario, data []byte) (Scenario, error) {
	o, err := ParseOverrides(data)
	if err != nil {
		return s, err
	}
	return ApplyOverrides(s, o)
}

// JSON encodes the overrides with canonical keys in sorted order, so equal
// overrides always produce equal bytes (and equal version hashes).
func (o Overrides) JSON() []byte {
	c := make(map[string]float64, len(o))
	for k, v := range o {
		c[CanonicalKey(k)] = v
	}
	b, _ := json.Marshal(c) // a map of finite floats always encodes
	return b
}
