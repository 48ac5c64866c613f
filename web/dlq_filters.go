package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// Limits of the triage filter and bulk actions.
const (
	dlqPageSize     = 50
	dlqMaxJobIDs    = 500
	dlqMaxTextLen   = 200
	dlqMaxReasonLen = 500
	dlqPileUpAt     = 10_000 // the triage page warns from this many open rows
)

// dlqFilterInput is the triage filter as text, from a query string, a form or a
// JSON body; parse turns it into a storage filter with a message per bad field.
type dlqFilterInput struct {
	Sim        string
	Categories []string
	Object     string
	Text       string
	From, To   string
	Status     string
	JobIDs     []string
	Rows       []string // rows ticked in the list; they narrow the filter to themselves
}

// dlqFilterFields are the filter's form fields.
var dlqFilterFields = []string{"sim", "category", "object", "q", "from", "to", "status"}

// filterErrors picks the messages about the filter's fields out of errs.
func filterErrors(errs views.FormErrors) views.FormErrors {
	out := views.FormErrors{}
	for _, k := range dlqFilterFields {
		if errs.Has(k) {
			out[k] = errs[k]
		}
	}
	return out
}

// dlqFilterFromValues reads the filter's fields (sim, category…, object, q, from,
// to, status, jobIds) from form or query values.
func dlqFilterFromValues(v url.Values) dlqFilterInput {
	in := dlqFilterInput{
		Sim: strings.TrimSpace(v.Get("sim")), Object: strings.TrimSpace(v.Get("object")),
		Text: strings.TrimSpace(v.Get("q")), From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")),
		Status: strings.TrimSpace(v.Get("status")),
	}
	for _, c := range v["category"] {
		if c = strings.TrimSpace(c); c != "" {
			in.Categories = append(in.Categories, c)
		}
	}
	for _, r := range v["rows"] {
		if r = strings.TrimSpace(r); r != "" {
			in.Rows = append(in.Rows, r)
		}
	}
	for _, field := range v["jobIds"] {
		for _, id := range strings.FieldsFunc(field, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
			in.JobIDs = append(in.JobIDs, id)
		}
	}
	return in
}

// requestValues copies a request's query and form values out of Fiber's buffers.
func requestValues(c *fiber.Ctx) url.Values {
	v := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
	if c.Method() == fiber.MethodPost && strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		c.Request().PostArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
	}
	return v
}

// parse checks the filter. Messages are keyed by the form's field names (sim,
// category, object, q, from, to, status, jobIds).
func (in dlqFilterInput) parse(ctx context.Context, store *storage.Store) (storage.DLQFilter, views.FormErrors) {
	var (
		f    storage.DLQFilter
		errs = views.FormErrors{}
	)
	if in.Sim != "" {
		id, ok := whole(in.Sim, 1, math.MaxInt64)
		switch {
		case !ok:
			errs["sim"] = "Pick a simulation from the list (a simulation id is a whole number)."
		default:
			if _, err := store.Simulation(ctx, id); errors.Is(err, storage.ErrNotFound) {
				errs["sim"] = fmt.Sprintf("There is no simulation #%d.", id)
			}
			f.SimulationID = id
		}
	}
	for _, c := range in.Categories {
		if !slices.Contains(hubspot.Categories, hubspot.Category(c)) {
			errs["category"] = fmt.Sprintf("%q is not a failure category; pick from %s.", clip(c, 40), categoryList)
			continue
		}
		if !slices.Contains(f.Categories, c) {
			f.Categories = append(f.Categories, c)
		}
	}
	if in.Object != "" {
		if !slices.Contains(config.JobTypes, in.Object) {
			errs["object"] = fmt.Sprintf("%q is not an object type; pick from %s.", clip(in.Object, 40), strings.Join(config.JobTypes, ", "))
		}
		f.ObjectType = in.Object
	}
	if utf8.RuneCountInString(in.Text) > dlqMaxTextLen {
		errs["q"] = fmt.Sprintf("Search for at most %d characters.", dlqMaxTextLen)
	} else {
		f.ErrorText = in.Text
	}
	var err error
	if f.From, err = parseDay(in.From, false); err != nil {
		errs["from"] = err.Error()
	}
	if f.To, err = parseDay(in.To, true); err != nil {
		errs["to"] = err.Error()
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		errs["to"] = "The end of the range is before its start."
	}
	switch in.Status {
	case "", storage.DLQOpen:
	case storage.DLQReplayed, storage.DLQResolved, storage.DLQDiscarded, storage.DLQAnyStatus:
		f.Status = in.Status
	default:
		errs["status"] = fmt.Sprintf("Pick a state: %s or %s.", strings.Join(storage.DLQStatuses, ", "), storage.DLQAnyStatus)
	}
	if len(in.JobIDs) > dlqMaxJobIDs {
		errs["jobIds"] = fmt.Sprintf("Name at most %d job ids at once.", dlqMaxJobIDs)
	}
	for _, id := range in.JobIDs[:min(len(in.JobIDs), dlqMaxJobIDs)] {
		if n, ok := whole(id, 1, math.MaxInt64); ok {
			f.IDs = append(f.IDs, n)
		} else if len(id) <= 128 {
			f.TaskIDs = append(f.TaskIDs, id)
		} else {
			errs["jobIds"] = "A job id is a DLQ row number or a task id of at most 128 characters."
		}
	}
	if len(in.Rows) > dlqMaxJobIDs {
		errs["jobIds"] = fmt.Sprintf("Tick at most %d rows at once.", dlqMaxJobIDs)
	}
	for _, r := range in.Rows[:min(len(in.Rows), dlqMaxJobIDs)] {
		if n, ok := whole(r, 1, math.MaxInt64); ok {
			f.IDs = append(f.IDs, n)
		} else {
			errs["jobIds"] = "A ticked row is a DLQ row number."
		}
	}
	return f, errs
}

// entryRow is the one row a DLQ row's own page acts on (its form names it in
// jobIds), 0 for the triage page's filter or ticked rows.
func (in dlqFilterInput) entryRow(f storage.DLQFilter) int64 {
	if len(in.JobIDs) == 1 && len(in.Rows) == 0 && len(f.IDs) == 1 && len(f.TaskIDs) == 0 {
		return f.IDs[0]
	}
	return 0
}

// parseDay reads a date (YYYY-MM-DD, a datetime-local value or RFC 3339) as UTC.
// A bare date as the end of a range includes the whole day.
func parseDay(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	wholeDay := err == nil && end
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339Nano} {
		if err != nil {
			t, err = time.Parse(layout, s)
		}
	}
	t = t.UTC()
	switch {
	case err != nil:
		return time.Time{}, fmt.Errorf("Enter a date as YYYY-MM-DD, not %q.", clip(s, 40))
	case !storable(t):
		return time.Time{}, errors.New("Enter a date from 1970-01-01 to 9999-12-31.")
	case wholeDay && !storable(t.Add(24*time.Hour)):
		return endOfTime.Add(-time.Millisecond), nil // the day after 9999-12-31 is not stored
	case wholeDay:
		return t.Add(24 * time.Hour), nil
	}
	return t, nil
}

// form is the filter as typed, for links and hidden fields; text too long to use
// is not echoed back.
func (in dlqFilterInput) form() views.DLQFilterForm {
	form := views.DLQFilterForm{Simulation: in.Sim, ObjectType: in.Object, ErrorText: in.Text, From: in.From, To: in.To, Status: in.Status}
	if utf8.RuneCountInString(form.ErrorText) > dlqMaxTextLen {
		form.ErrorText = ""
	}
	for _, p := range []*string{&form.Simulation, &form.ObjectType, &form.From, &form.To, &form.Status} {
		*p = clip(*p, 40)
	}
	for _, c := range in.Categories[:min(len(in.Categories), len(hubspot.Categories))] {
		form.Categories = append(form.Categories, clip(c, 40))
	}
	return form
}

// dlqForm is the filter as the form shows it again, with its choices.
func (h *handler) dlqForm(ctx context.Context, in dlqFilterInput, errs views.FormErrors) views.DLQFilterForm {
	form := in.form()
	form.Errors = errs
	if sims, err := h.store.Simulations(ctx, storage.SimulationFilter{Limit: 500}); err == nil {
		for _, s := range sims {
			form.SimulationOptions = append(form.SimulationOptions, views.Option{Value: strconv.FormatInt(s.ID, 10), Label: "#" + strconv.FormatInt(s.ID, 10) + " " + s.Name})
		}
	}
	for _, c := range hubspot.Categories {
		form.CategoryOptions = append(form.CategoryOptions, views.Option{Value: string(c), Label: string(c), Hint: c.Hint()})
	}
	for _, o := range config.JobTypes {
		form.ObjectOptions = append(form.ObjectOptions, views.Option{Value: o, Label: o})
	}
	for _, s := range append(append([]string{}, storage.DLQStatuses...), storage.DLQAnyStatus) {
		label := s
		if s == storage.DLQAnyStatus {
			label = "any state"
		}
		form.StatusOptions = append(form.StatusOptions, views.Option{Value: s, Label: label})
	}
	return form
}

// categoryList names every failure category, for messages.
var categoryList = func() string {
	names := make([]string, len(hubspot.Categories))
	for i, c := range hubspot.Categories {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}()

// replayInput is a replay form or API call as text.
type replayInput struct {
	Strategy       string
	Limit          string
	MaxPerCategory string
	UseFullRetry   bool
	DryRun         bool
}

// parse checks the replay options; limit is capped by DLQ_REPLAY_LIMIT_CAP (an
// empty limit takes the cap).
func (in replayInput) parse(cap int) (strategy string, limit, perCategory int, errs views.FormErrors) {
	errs = views.FormErrors{}
	strategy = in.Strategy
	switch strategy {
	case "":
		strategy = jobs.ReplayOldest
	case jobs.ReplayOldest, jobs.ReplayNewest, jobs.ReplayRandom:
	default:
		errs["strategy"] = "Pick oldest, newest or random."
	}
	limit = cap
	if n, ok := whole(in.Limit, 1, math.MaxInt64); ok {
		limit = int(min(n, int64(cap)))
	} else if in.Limit != "" {
		errs["limit"] = fmt.Sprintf("Enter a whole number from 1 to %d.", cap)
	}
	if n, ok := whole(in.MaxPerCategory, 0, math.MaxInt32); ok {
		perCategory = int(n)
	} else if in.MaxPerCategory != "" {
		errs["maxPerCategory"] = "Enter a whole number (0 or empty: no cap per category)."
	}
	return strategy, limit, perCategory, errs
}

// triage is the DLQ actions on this process's store and queue.
func (h *handler) triage() *jobs.Triage {
	queue := h.queue
	if !h.redis.Up() {
		queue = nil
	}
	return jobs.NewTriage(h.store, queue, h.cfg)
}
