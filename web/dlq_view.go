package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/simcrm/simcrm/internal/format"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// payloadShown is how much of a payload panels and dry runs show.
const payloadShown = 4000

// summaryView turns summary rows into the simulation × category matrix; cell
// links keep the rest of the filter.
func summaryView(rows []storage.DLQSummaryRow, form views.DLQFilterForm, clk format.Clock) views.DLQSummaryView {
	var v views.DLQSummaryView
	present := map[string]bool{}
	for _, r := range rows {
		present[r.Category] = true
	}
	for _, c := range hubspot.Categories {
		if present[string(c)] {
			v.Categories = append(v.Categories, string(c))
		}
	}
	col := map[string]int{}
	for i, c := range v.Categories {
		col[c] = i
	}
	v.Totals = make([]views.DLQSummaryCell, len(v.Categories))
	last := map[*views.DLQSummaryCell]time.Time{}
	add := func(cell *views.DLQSummaryCell, r storage.DLQSummaryRow) {
		cell.Count += r.Count
		cell.Last24h += r.Last24h
		cell.Prev24h += r.Prev24h
		if r.LastFailedAt.After(last[cell]) {
			last[cell] = r.LastFailedAt
			cell.LastFailed = clk.Precise(r.LastFailedAt)
		}
	}
	bySim := map[int64]int{}
	for _, r := range rows {
		i, ok := bySim[r.SimulationID]
		if !ok {
			i = len(v.Rows)
			bySim[r.SimulationID] = i
			row := views.DLQSummaryRow{SimID: r.SimulationID, SimName: r.SimulationName, Cells: make([]views.DLQSummaryCell, len(v.Categories))}
			if row.SimName == "" {
				row.SimName = "(deleted)"
			}
			v.Rows = append(v.Rows, row)
		}
		sim := strconv.FormatInt(r.SimulationID, 10)
		cell := &v.Rows[i].Cells[col[r.Category]]
		add(cell, r)
		cell.URL = filterURL(form, sim, r.Category)
		add(&v.Rows[i].Total, r)
		v.Rows[i].Total.URL = filterURL(form, sim, "")
		add(&v.Totals[col[r.Category]], r)
		v.Totals[col[r.Category]].URL = filterURL(form, form.Simulation, r.Category)
		add(&v.Total, r)
	}
	v.Total.URL = form.With()
	return v
}

// filterURL narrows the triage filter to a simulation and a category ("" keeps
// the filter's own).
func filterURL(form views.DLQFilterForm, sim, category string) string {
	f := form
	f.Simulation = sim
	if category != "" {
		f.Categories = []string{category}
	}
	return f.With()
}

// rowViews turns a page of DLQ rows into list rows.
func rowViews(entries []storage.DLQEntry, names map[int64]string, clk format.Clock) []views.DLQRowView {
	out := make([]views.DLQRowView, 0, len(entries))
	for _, e := range entries {
		code, head := errorCode(firstLine(e.Error))
		out = append(out, views.DLQRowView{ID: e.ID, SimID: e.SimulationID, SimName: names[e.SimulationID], Category: e.Category,
			ObjectType: e.ObjectType, JobType: e.JobType, RecordIndex: e.RecordIndex, RecordKey: e.RecordKey,
			Error: e.Error, ErrorHead: head, Code: code, Attempts: e.Attempts, LastFailed: clk.Short(e.LastFailedAt),
			LastFailedFull: clk.Precise(e.LastFailedAt), Status: e.Status, ReplayCount: e.ReplayCount})
	}
	return out
}

// sampleFromEntry shows a DLQ row as a sample.
func sampleFromEntry(e storage.DLQEntry, inTarget bool, clk format.Clock) views.DLQSampleView {
	return views.DLQSampleView{ID: e.ID, Category: e.Category, ObjectType: e.ObjectType, JobType: e.JobType,
		RecordIndex: e.RecordIndex, RecordKey: e.RecordKey, Error: clip(firstLine(e.Error), 300), Attempts: e.Attempts,
		At: clk.Precise(e.LastFailedAt), Payload: prettyJSON(e.Payload, payloadShown), InTarget: inTarget}
}

// sampleFromRedis shows an entry of the samples list; an entry that is not the
// expected JSON is shown raw rather than dropped.
func sampleFromRedis(raw string, clk format.Clock) (views.DLQSampleView, jobs.DLQSample) {
	var s jobs.DLQSample
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return views.DLQSampleView{Category: "unknown", Payload: clip(raw, payloadShown)}, s
	}
	v := views.DLQSampleView{Category: s.Category, ObjectType: s.ObjectType, JobType: s.JobType, RecordIndex: s.RecordIndex,
		RecordKey: s.RecordKey, Error: clip(firstLine(s.Error), 300), Attempts: s.Attempts, Payload: prettyJSON(string(s.Payload), payloadShown)}
	if s.TS > 0 {
		v.At = clk.Precise(time.UnixMilli(s.TS))
	}
	return v, s
}

// replayResultView shows what a replay did or its dry run would do.
func replayResultView(r jobs.ReplayResult, req jobs.ReplayRequest, clk format.Clock) *views.DLQReplayResultView {
	v := &views.DLQReplayResultView{DryRun: r.DryRun, AuditID: r.AuditID, Candidates: r.Candidates, Selected: r.Selected,
		Replayed: r.Replayed, Taken: r.Taken, Aborted: r.Aborted, InTarget: len(r.InTarget), Settings: replaySettings(req.Strategy, r.Limit, req.MaxPerCategory, req.UseFullRetry)}
	cats := make([]string, 0, len(r.CandidatesByCategory))
	for c := range r.CandidatesByCategory {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool { return hubspot.Category(cats[i]).Order() < hubspot.Category(cats[j]).Order() })
	for _, c := range cats {
		v.ByCategory = append(v.ByCategory, views.DLQCategoryLine{Category: c, Candidates: r.CandidatesByCategory[c], Chosen: r.SelectedByCategory[c]})
	}
	in := map[int64]bool{}
	for _, id := range r.InTarget {
		in[id] = true
	}
	for _, e := range r.Samples {
		v.Samples = append(v.Samples, sampleFromEntry(e, in[e.ID], clk))
	}
	for _, f := range r.Failed {
		v.Failed = append(v.Failed, fmt.Sprintf("Row #%d could not be enqueued and stays open: %s", f.DLQID, f.Error))
	}
	return v
}

// replaySettings says how a replay chose and runs its rows.
func replaySettings(strategy string, limit, perCategory int, fullRetry bool) string {
	parts := []string{strategy + " first", "limit " + strconv.Itoa(limit)}
	if strategy == jobs.ReplayRandom {
		parts[0] = "random order"
	}
	if perCategory > 0 {
		parts = append(parts, "at most "+strconv.Itoa(perCategory)+" per category")
	}
	if fullRetry {
		parts = append(parts, "full retry profile")
	} else {
		parts = append(parts, "one attempt")
	}
	return strings.Join(parts, ", ")
}

// limitedView is the result of a call refused by the per-user limit.
func limitedView(wait time.Duration, clk format.Clock) *views.DLQReplayResultView {
	return &views.DLQReplayResultView{Limited: true, RetryIn: strconv.Itoa(retrySeconds(wait)) + " s",
		RetryAt: clk.Precise(time.Now().Add(wait))}
}

// retrySeconds is a wait in whole seconds, rounded up (Retry-After and messages).
func retrySeconds(wait time.Duration) int { return int((wait + time.Second - 1) / time.Second) }

// auditRowView turns an audit entry into a row of the audit log.
func auditRowView(a storage.ReplayAudit, clk format.Clock) views.DLQAuditRow {
	r := views.DLQAuditRow{ID: a.ID, At: clk.Short(a.At), AtFull: clk.Precise(a.At), Who: a.UserEmail, Action: a.Action, Filters: filterChips(a.Filters),
		Candidates: a.Candidates, Selected: a.Selected, Replayed: a.Replayed, Outcome: strings.ReplaceAll(a.Outcome, "_", " "), Note: a.Message}
	if r.Who == "" {
		r.Who = "user #" + strconv.FormatInt(a.UserID, 10)
	}
	if a.Action == storage.AuditReplay {
		if a.DryRun {
			r.Action = "dry run"
		}
		r.Settings = replaySettings(a.Strategy, a.Limit, a.MaxPerCategory, a.UseFullRetry)
	}
	if a.Reason != "" {
		r.Note = "“" + a.Reason + "”"
		if a.Message != "" {
			r.Note += " · " + a.Message
		}
	}
	return r
}

// filterChips describes an audit row's filter JSON in words.
func filterChips(raw string) []string {
	var f jobs.AuditFilter
	if json.Unmarshal([]byte(raw), &f) != nil {
		if raw == "" || raw == "{}" {
			return []string{"everything open"}
		}
		return []string{clip(raw, 80)}
	}
	var out []string
	if f.SimulationID != 0 {
		out = append(out, "simulation #"+strconv.FormatInt(f.SimulationID, 10))
	}
	for _, c := range f.Categories {
		out = append(out, "category: "+c)
	}
	if f.ObjectType != "" {
		out = append(out, "object: "+f.ObjectType)
	}
	if f.ErrorText != "" {
		out = append(out, "error contains “"+clip(f.ErrorText, 40)+"”")
	}
	if f.From != "" {
		out = append(out, "from "+f.From)
	}
	if f.To != "" {
		out = append(out, "before "+f.To)
	}
	if n := len(f.JobIDs) + len(f.TaskIDs); n > 0 {
		ids := make([]string, 0, n)
		for _, id := range f.JobIDs {
			ids = append(ids, "#"+strconv.FormatInt(id, 10))
		}
		ids = append(ids, f.TaskIDs...)
		if len(ids) > 5 {
			ids = append(ids[:5], fmt.Sprintf("and %d more", len(ids)-5))
		}
		out = append(out, "jobs "+strings.Join(ids, ", "))
	}
	if len(out) == 0 {
		out = []string{"everything open"}
	}
	return out
}

// prettyJSON indents a JSON payload for reading, cut to n bytes.
func prettyJSON(raw string, n int) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(raw), "", "  ") == nil {
		raw = b.String()
	}
	if len(raw) > n {
		return strings.ToValidUTF8(raw[:n], "") + "\n… (" + strconv.Itoa(len(raw)-n) + " more bytes)"
	}
	return raw
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
