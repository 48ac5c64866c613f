// Package format is SimCRM's one formatter: every page, and every message the
// engine writes for people, spells numbers, money, percentages, durations,
// times and the names of scenarios, curves and paces through it, so "1,200",
// "$120,000", "Tue 3 Jun 14:05 CEST" and "B2B sales" read the same everywhere.
package format

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
)

// Count formats a whole number with thousands separators: 1,000,000.
func Count[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decimal formats a count that may have a fraction: whole numbers with separators,
// small fractional values with one decimal.
func Decimal(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	if f == math.Trunc(f) || math.Abs(f) >= 100 {
		return Count(int64(math.Round(f)))
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// Percent formats 0..100 with one decimal below 10 and none above.
func Percent(p float64) string {
	switch {
	case math.IsNaN(p) || p <= 0:
		return "0%"
	case p >= 100:
		return "100%"
	case p < 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Floor(p), 'f', 0, 64) + "%"
}

// Money formats an amount as text ("120000", "99.5") in dollars with separators:
// "$120,000", "$99.50". Text that is not a number comes back unchanged.
func Money(amount string) string {
	f, err := strconv.ParseFloat(strings.TrimSpace(amount), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return amount
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	cents := int64(math.Round(f * 100))
	out := sign + "$" + Count(cents/100)
	if cents%100 != 0 {
		out += "." + strconv.FormatInt(cents%100+100, 10)[1:]
	}
	return out
}

// Millis is a short delay in milliseconds for people: "350 ms", "1.5 s".
func Millis(ms int64) string {
	if ms < 1000 {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) + " s"
}

// Duration is a span for people: "45 s", "12 min", "3 h 20 min", "2 d 4 h".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Round(time.Minute)/time.Minute)) + " min"
	case d < 24*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	d = d.Round(time.Hour)
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return strconv.Itoa(days) + " d"
	}
	return strconv.Itoa(days) + " d " + strconv.Itoa(h) + " h"
}

// Clock writes times in one time zone: the reader's for real moments (created,
// failed, finished), a simulation's own for its simulated window.
type Clock struct{ Loc *time.Location }

// ClockIn is a clock in the named IANA zone, UTC when the name is unknown.
func ClockIn(zone string) Clock {
	if l, err := time.LoadLocation(zone); err == nil && zone != "" {
		return Clock{Loc: l}
	}
	return Clock{Loc: time.UTC}
}

func (c Clock) in(t time.Time) time.Time {
	if c.Loc == nil {
		return t.UTC()
	}
	return t.In(c.Loc)
}

// DateTime is a moment with its zone: "Tue 3 Jun 2025 14:05 CEST".
func (c Clock) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.in(t).Format("Mon 2 Jan 2006 15:04 MST")
}

// Short is a moment in a table column: "Tue 3 Jun 14:05".
func (c Clock) Short(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.in(t).Format("Mon 2 Jan 15:04")
}

// Precise is a moment to the second, for logs and audits: "Tue 3 Jun 14:05:09 CEST".
func (c Clock) Precise(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.in(t).Format("Mon 2 Jan 2006 15:04:05 MST")
}

// Date is a day: "Tue 3 Jun 2025".
func (c Clock) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.in(t).Format("Mon 2 Jan 2006")
}

// TimeOfDay is "14:05".
func (c Clock) TimeOfDay(t time.Time) string { return c.in(t).Format("15:04") }

// DateText formats a date or time the way a CRM property holds it (RFC 3339,
// YYYY-MM-DD or epoch milliseconds): a day for a date or a midnight-UTC
// timestamp, a moment otherwise. Other text comes back unchanged.
func (c Clock) DateText(s string) string {
	s = strings.TrimSpace(s)
	var t time.Time
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 1e11 {
		t = time.UnixMilli(ms)
	} else if d, err := time.Parse("2006-01-02", s); err == nil {
		return d.Format("Mon 2 Jan 2006")
	} else if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return s
	}
	if u := t.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("Mon 2 Jan 2006")
	}
	return c.DateTime(t)
}

// dealStages names HubSpot's default pipeline stages.
var dealStages = map[string]string{
	"appointmentscheduled": "Appointment scheduled", "qualifiedtobuy": "Qualified to buy",
	"presentationscheduled": "Presentation scheduled", "decisionmakerboughtin": "Decision maker bought in",
	"contractsent": "Contract sent", "closedwon": "Closed won", "closedlost": "Closed lost",
}

// StageLabel names a deal stage: closedwon → "Closed won"; unknown ids stay.
func StageLabel(id string) string {
	if l, ok := dealStages[id]; ok {
		return l
	}
	return id
}

// PropertyText shows a CRM property's value for people: money as money, dates
// in the reader's zone, deal stages by name; anything else as it is.
func (c Clock) PropertyText(name, value string) string {
	switch {
	case value == "":
		return ""
	case name == "amount" || name == "annualrevenue" || strings.HasSuffix(name, "_amount"):
		return Money(value)
	case name == "dealstage":
		return StageLabel(value)
	case strings.HasSuffix(name, "date") || name == "hs_timestamp" || strings.HasSuffix(name, "_at"):
		return c.DateText(value)
	}
	return value
}

// ScenarioLabel is a scenario's name for people: b2b → "B2B sales".
func ScenarioLabel(name string) string {
	if s, err := sim.ScenarioByName(name); err == nil && s.Label != "" {
		return s.Label
	}
	return name
}

// DistributionLabel is a curve's name for people: bell_curve → "Bell curve".
func DistributionLabel(name string) string {
	for _, d := range sim.Distributions() {
		if string(d.Name) == name && d.Label != "" {
			return d.Label
		}
	}
	return name
}

// PaceLabel describes a pace: "Real time", "Accelerated ×60", "Backfill".
func PaceLabel(mode string, factor float64) string {
	switch mode {
	case string(sim.Accelerated):
		return "Accelerated ×" + strconv.FormatFloat(factor, 'f', -1, 64)
	case string(sim.Realtime):
		return "Real time"
	case string(sim.Backfill):
		return "Backfill"
	}
	return mode
}

// Rate is a share 0–1 as a percentage with what precision it needs: 0.25 →
// "25", 0.025 → "2.5".
func Rate(r float64) string {
	return strconv.FormatFloat(math.Round(r*1e6)/1e4, 'f', -1, 64)
}
