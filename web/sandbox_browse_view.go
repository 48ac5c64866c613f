package web

import (
	"context"
	"errors"
	"github.com/simcrm/simcrm/internal/format"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// sandboxPageSize is how many records the browser lists at once.
const sandboxPageSize = 25

// sandboxColumns are the properties the list shows for each type; the first names
// the record.
var sandboxColumns = map[string][]string{
	"contacts":  {"email", "firstname", "lastname", "lifecyclestage"},
	"companies": {"name", "domain", "industry", "numberofemployees"},
	"deals":     {"dealname", "dealstage", "amount", "closedate"},
	"tickets":   {"subject", "hs_pipeline_stage", "hs_ticket_priority"},
	"notes":     {"hs_note_body", "hs_timestamp"},
	"calls":     {"hs_call_title", "hs_call_status", "hs_call_direction", "hs_timestamp"},
	"tasks":     {"hs_task_subject", "hs_task_status", "hs_task_priority", "hs_timestamp"},
	"meetings":  {"hs_meeting_title", "hs_meeting_outcome", "hs_timestamp"},
	"emails":    {"hs_email_subject", "hs_email_direction", "hs_timestamp"},
}

// sandboxTypeLabel is an object type as a heading: "contacts" → "Contacts".
func sandboxTypeLabel(t string) string {
	if t == "" {
		return t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// sandboxScope is what the viewer may browse: a boss everything, a player the
// records of their own simulations.
type sandboxScope struct {
	boss bool
	sims []storage.Simulation // the viewer's simulations (everyone's for a boss)
}

func (h *handler) sandboxScope(c *fiber.Ctx) (sandboxScope, error) {
	u := currentUser(c)
	f := storage.SimulationFilter{Limit: 500}
	if !u.IsBoss() {
		f.UserID = u.ID
	}
	sims, err := h.store.Simulations(c.UserContext(), f)
	return sandboxScope{boss: u.IsBoss(), sims: sims}, err
}

// owns reports whether the viewer may see the records of a simulation id.
func (s sandboxScope) owns(simID string) bool {
	if s.boss {
		return true
	}
	return slices.ContainsFunc(s.sims, func(sim storage.Simulation) bool { return strconv.FormatInt(sim.ID, 10) == simID })
}

// simulationURL links a simulation id the viewer may open.
func (s sandboxScope) simulationURL(simID string) string {
	if !isID(simID) || !s.owns(simID) {
		return ""
	}
	return "/simulations/" + simID
}

// sandboxQuery is the browser's parsed query string.
type sandboxQuery struct {
	filter views.SandboxFilter
	offset int
}

// readSandboxQuery reads and checks the browser's query; bad values get a message
// and a safe default.
func readSandboxQuery(c *fiber.Ctx, scope sandboxScope) (sandboxQuery, views.FormErrors) {
	fe := views.FormErrors{}
	q := sandboxQuery{filter: views.SandboxFilter{
		Type:       strings.ToLower(strings.TrimSpace(c.Query("type"))),
		Simulation: strings.TrimSpace(c.Query("sim")),
		Property:   strings.TrimSpace(c.Query("property")),
		Value:      strings.TrimSpace(c.Query("value")),
		Query:      strings.TrimSpace(c.Query("q")),
	}}
	// Copies: Fiber reuses the buffers these point into.
	q.filter.Type, q.filter.Simulation = strings.Clone(q.filter.Type), strings.Clone(q.filter.Simulation)
	q.filter.Property, q.filter.Value, q.filter.Query = strings.Clone(q.filter.Property), strings.Clone(q.filter.Value), strings.Clone(q.filter.Query)

	if q.filter.Type == "" {
		q.filter.Type = "contacts"
	} else if !slices.Contains(sandbox.ObjectTypes(), q.filter.Type) {
		fe[""] = "There is no object type " + strconv.Quote(clip(q.filter.Type, 40)) + " in the sandbox; showing contacts."
		q.filter.Type = "contacts"
	}
	switch sim := q.filter.Simulation; {
	case sim == "" && !scope.boss && len(scope.sims) > 0:
		q.filter.Simulation = strconv.FormatInt(scope.sims[0].ID, 10)
	case sim == "":
	case !isID(sim) || !scope.owns(sim):
		fe["sim"] = "Choose one of your simulations."
		q.filter.Simulation = ""
		if !scope.boss && len(scope.sims) > 0 {
			q.filter.Simulation = strconv.FormatInt(scope.sims[0].ID, 10)
		}
	}
	switch {
	case utf8.RuneCountInString(q.filter.Property) > 100:
		fe["property"] = "A property name has at most 100 characters."
		q.filter.Property = ""
	case q.filter.Property != "" && q.filter.Value == "":
		fe["value"] = "Enter the value the property must equal."
	case q.filter.Property == "" && q.filter.Value != "":
		fe["property"] = "Name the property to match, e.g. lifecyclestage."
	}
	if utf8.RuneCountInString(q.filter.Value) > 500 {
		fe["value"] = "Use at most 500 characters."
		q.filter.Value = ""
	}
	if utf8.RuneCountInString(q.filter.Query) > 200 {
		fe["q"] = "Use at most 200 characters."
		q.filter.Query = ""
	}
	if n, ok := queryWhole(c, "offset", 0, 0, 10_000-sandboxPageSize); ok {
		q.offset = int(n)
	} else {
		fe[""] = "That page is out of range; showing the first."
	}
	return q, fe
}

// isID reports whether s is a record id as SimCRM writes one (no sign, no space).
func isID(s string) bool {
	n, ok := whole(s, 1, math.MaxInt64)
	return ok && strconv.FormatInt(n, 10) == s
}

// url is the browser's address for this query at another type or offset.
func (q sandboxQuery) url(typ string, offset int) string {
	v := url.Values{}
	v.Set("type", typ)
	if q.filter.Simulation != "" {
		v.Set("sim", q.filter.Simulation)
	}
	if typ == q.filter.Type {
		if q.filter.Property != "" {
			v.Set("property", q.filter.Property)
			v.Set("value", q.filter.Value)
		}
		if q.filter.Query != "" {
			v.Set("q", q.filter.Query)
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
	}
	return "/sandbox?" + v.Encode()
}

// sandboxView builds the browser page: counts, the simulation choices and a page
// of records.
func (h *handler) sandboxView(ctx context.Context, scope sandboxScope, q sandboxQuery, fe views.FormErrors, clk format.Clock) (views.SandboxView, error) {
	v := views.SandboxView{Boss: scope.boss, Filter: q.filter, Errors: fe, Columns: sandboxColumns[q.filter.Type]}
	if scope.boss {
		v.Simulations = append(v.Simulations, views.Option{Value: "", Label: "Every record"})
	}
	for _, s := range scope.sims {
		v.Simulations = append(v.Simulations, views.Option{Value: strconv.FormatInt(s.ID, 10), Label: "#" + strconv.FormatInt(s.ID, 10) + " " + s.Name})
	}
	if !scope.boss && len(scope.sims) == 0 {
		v.Empty = "Your simulations' records appear here once you run one against the sandbox."
		v.Types = sandboxTabs(q, nil)
		return v, nil
	}

	var counts map[string]int
	var err error
	if q.filter.Simulation == "" {
		counts, err = h.sandbox.Counts(ctx)
	} else {
		counts, err = h.sandbox.SimulationCounts(ctx, q.filter.Simulation)
	}
	if err != nil {
		return v, err
	}
	v.Types = sandboxTabs(q, counts)

	rq := sandbox.RecordQuery{Type: q.filter.Type, Query: q.filter.Query, Offset: q.offset, Limit: sandboxPageSize}
	if q.filter.Property != "" && q.filter.Value != "" {
		rq.Property, rq.Value = q.filter.Property, q.filter.Value
	}
	page, err := h.sandbox.SimulationRecords(ctx, q.filter.Simulation, rq)
	var qe *sandbox.QueryError
	if errors.As(err, &qe) {
		fe["property"] = qe.Message
		v.Empty = "Fix the search to see records."
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Total = page.Total
	for i, r := range page.Records {
		row := views.SandboxRow{ID: r.ID, URL: sandboxRecordURL(r.Type, r.ID), Simulation: r.Properties[hubspot.SimulationIDProperty],
			Created: clk.Short(r.CreatedAt)}
		row.SimulationURL = scope.simulationURL(row.Simulation)
		for j, col := range v.Columns {
			cell := clip(clk.PropertyText(col, r.Properties[col]), 80)
			if j == 0 && cell == "" {
				cell = "(no " + col + ")"
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
		if i == 0 {
			v.From = q.offset + 1
		}
	}
	v.To = q.offset + len(page.Records)
	if q.offset > 0 {
		v.PrevURL = q.url(q.filter.Type, max(q.offset-sandboxPageSize, 0))
	}
	if page.NextOffset > 0 && page.NextOffset+sandboxPageSize <= 10_000 {
		v.NextURL = q.url(q.filter.Type, page.NextOffset)
	}
	switch {
	case len(v.Rows) > 0:
	case q.filter.Property != "" || q.filter.Query != "":
		v.Empty = "Nothing matches this search."
	case q.offset > 0:
		v.Empty = "This page is past the last record."
	default:
		v.Empty = "No " + q.filter.Type + " yet. Simulations create them as they run."
	}
	return v, nil
}

func sandboxTabs(q sandboxQuery, counts map[string]int) []views.SandboxTypeTab {
	var tabs []views.SandboxTypeTab
	for _, t := range sandbox.ObjectTypes() {
		tabs = append(tabs, views.SandboxTypeTab{Name: t, Label: sandboxTypeLabel(t), Count: counts[t], URL: q.url(t, 0), Active: t == q.filter.Type})
	}
	return tabs
}

func sandboxRecordURL(typ string, id int64) string {
	return "/sandbox/records/" + typ + "/" + strconv.FormatInt(id, 10)
}

// needSandbox answers 503 on the sandbox pages of a process that serves no sandbox.
func (h *handler) needSandbox(c *fiber.Ctx) error {
	if h.sandbox == nil {
		return h.fail(c, fiber.StatusServiceUnavailable, "This SimCRM process does not serve the built-in sandbox.")
	}
	return c.Next()
}
