package web

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// dlqEntryJSON is a DLQ row in the API.
type dlqEntryJSON struct {
	ID            int64           `json:"id"`
	SimulationID  int64           `json:"simulationId"`
	JobType       string          `json:"jobType"`
	ObjectType    string          `json:"objectType"`
	RecordIndex   int             `json:"recordIndex"`
	RecordKey     string          `json:"recordKey"`
	TaskID        string          `json:"taskId"`
	Category      string          `json:"category"`
	Error         string          `json:"error"`
	Attempts      int             `json:"attempts"`
	FirstFailedAt time.Time       `json:"firstFailedAt"`
	LastFailedAt  time.Time       `json:"lastFailedAt"`
	Status        string          `json:"status"`
	Resolution    string          `json:"resolution,omitempty"`
	ReplayCount   int             `json:"replayCount"`
	ReplayedAt    *time.Time      `json:"replayedAt,omitempty"`
	ResolvedAt    *time.Time      `json:"resolvedAt,omitempty"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	InTarget      *bool           `json:"inTarget,omitempty"`
	Replays       []dlqReplayJSON `json:"replays,omitempty"`
}

type dlqReplayJSON struct {
	At       time.Time `json:"at"`
	AuditID  int64     `json:"auditId"`
	TaskID   string    `json:"taskId"`
	Queue    string    `json:"queue"`
	MaxRetry int       `json:"maxRetry"`
	Error    string    `json:"error,omitempty"`
}

func entryJSON(e storage.DLQEntry) dlqEntryJSON {
	j := dlqEntryJSON{ID: e.ID, SimulationID: e.SimulationID, JobType: e.JobType, ObjectType: e.ObjectType, RecordIndex: e.RecordIndex,
		RecordKey: e.RecordKey, TaskID: e.TaskID, Category: e.Category, Error: e.Error, Attempts: e.Attempts,
		FirstFailedAt: e.FirstFailedAt, LastFailedAt: e.LastFailedAt, Status: e.Status, Resolution: e.Resolution,
		ReplayCount: e.ReplayCount, ReplayedAt: e.ReplayedAt, ResolvedAt: e.ResolvedAt}
	if e.Payload != "" {
		j.Payload = rawJSON(e.Payload)
	}
	return j
}

// rawJSON passes a stored JSON payload through, or as a string if it is not JSON.
func rawJSON(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func entriesJSON(list []storage.DLQEntry) []dlqEntryJSON {
	out := make([]dlqEntryJSON, 0, len(list))
	for _, e := range list {
		out = append(out, entryJSON(e))
	}
	return out
}

// cursorJSON is the next page's cursor, null on the last page.
func cursorJSON(next int64) any {
	if next == 0 {
		return nil
	}
	return strconv.FormatInt(next, 10)
}

// apiPage reads cursor and limit (1…500, default 50) from the query; messages go
// into errs.
func apiPage(c *fiber.Ctx, errs views.FormErrors) (before int64, limit int) {
	before, ok := queryWhole(c, "cursor", 0, 1, math.MaxInt64)
	if !ok {
		errs["cursor"] = "cursor is the nextCursor of the previous page"
	}
	n, ok := queryWhole(c, "limit", dlqPageSize, 1, 500)
	if !ok {
		errs["limit"] = "limit is a whole number from 1 to 500"
	}
	return before, int(n)
}

// showDLQSummaryAPI answers the triage summary and one page of rows for a filter
// (the query takes the triage page's names: sim, category, object, q, from, to,
// status; cursor and limit page the rows).
func (h *handler) showDLQSummaryAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	in := dlqFilterFromValues(requestValues(c))
	f, errs := in.parse(ctx, h.store)
	before, limit := apiPage(c, errs)
	if errs.Any() {
		return failFields(c, "DLQ filter", errs)
	}
	sum, err := h.store.DLQSummary(ctx, f, time.Now())
	if err != nil {
		return err
	}
	page, err := h.store.DLQEntries(ctx, f, before, limit)
	if err != nil {
		return err
	}
	open, err := h.store.DLQOpenTotal(ctx)
	if err != nil {
		return err
	}
	type cell struct {
		SimulationID   int64     `json:"simulationId"`
		SimulationName string    `json:"simulationName"`
		Category       string    `json:"category"`
		Count          int64     `json:"count"`
		Last24h        int64     `json:"last24h"`
		Prev24h        int64     `json:"prev24h"`
		Trend          string    `json:"trend"`
		LastFailedAt   time.Time `json:"lastFailedAt"`
	}
	cells := make([]cell, 0, len(sum))
	var total int64
	for _, r := range sum {
		trend := views.DLQSummaryCell{Last24h: r.Last24h, Prev24h: r.Prev24h}.Trend()
		if trend == "" {
			trend = "quiet"
		}
		cells = append(cells, cell{r.SimulationID, r.SimulationName, r.Category, r.Count, r.Last24h, r.Prev24h, trend, r.LastFailedAt})
		total += r.Count
	}
	return c.JSON(fiber.Map{"source": "db", "filter": json.RawMessage(jobs.FilterJSON(f)), "summary": cells, "total": total,
		"openTotal": open, "pileUp": open >= dlqPileUpAt, "rows": entriesJSON(page.Entries), "nextCursor": cursorJSON(page.Next)})
}

// listSimulationDLQAPI answers a simulation's DLQ: failure tallies and samples
// (from Redis, or the database with source "db" while Redis is away), open rows
// per category, and one page of its rows.
func (h *handler) listSimulationDLQAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	in := dlqFilterFromValues(requestValues(c))
	in.Sim = strconv.FormatInt(s.ID, 10)
	f, errs := in.parse(ctx, h.store)
	before, limit := apiPage(c, errs)
	if errs.Any() {
		return failFields(c, "DLQ filter", errs)
	}
	live, err := h.progress.DLQ(ctx, s.ID, h.cfg.DLQSampleMax)
	if err != nil {
		return err
	}
	samples := make([]json.RawMessage, 0, len(live.Samples)+len(live.Rows))
	for _, raw := range live.Samples {
		samples = append(samples, rawJSON(raw))
	}
	for _, e := range live.Rows {
		b, _ := json.Marshal(entryJSON(e))
		samples = append(samples, b)
	}
	page, err := h.store.DLQEntries(ctx, f, before, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"simulationId": s.ID, "source": live.Source, "counts": nonNil(live.Tallies), "open": nonNil(live.Open),
		"samples": samples, "rows": entriesJSON(page.Entries), "nextCursor": cursorJSON(page.Next)})
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// showDLQEntryAPI answers one DLQ row with its payload and replays.
func (h *handler) showDLQEntryAPI(c *fiber.Ctx) error {
	e, err := recordFor(c, h.store.DLQEntry)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	j := entryJSON(e)
	in, err := h.store.DLQInLedger(ctx, []storage.DLQEntry{e})
	if err != nil {
		return err
	}
	inTarget := in[e.ID]
	j.InTarget = &inTarget
	reps, err := h.store.DLQReplays(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, r := range reps {
		j.Replays = append(j.Replays, dlqReplayJSON{At: r.At, AuditID: r.AuditID, TaskID: r.TaskID, Queue: r.Queue, MaxRetry: r.MaxRetry, Error: r.Error})
	}
	return c.JSON(j)
}

// dlqAPIBody is a replay or close call: the filter in the API's names, the replay
// options, or the close action and reason.
type dlqAPIBody struct {
	SimulationID   int64    `json:"simulationId"`
	Categories     []string `json:"categories"`
	ObjectType     string   `json:"objectType"`
	ErrorText      string   `json:"errorText"`
	From           string   `json:"from"`
	To             string   `json:"to"`
	JobIDs         []any    `json:"jobIds"`
	Strategy       string   `json:"strategy"`
	Limit          *int     `json:"limit"`
	MaxPerCategory *int     `json:"maxPerCategory"`
	UseFullRetry   bool     `json:"useFullRetry"`
	DryRun         *bool    `json:"dryRun"`
	Action         string   `json:"action"`
	Reason         string   `json:"reason"`
}

// readDLQBody reads a replay or close call (an empty body is all defaults).
func readDLQBody(c *fiber.Ctx) (dlqAPIBody, error) {
	var b dlqAPIBody
	err := readOptionalJSON(c, &b, "empty or a JSON object with the filter's fields (simulationId, categories, objectType, "+
		"errorText, from, to, jobIds) and the call's options")
	return b, err
}

// filterInput turns the body's filter into the form's text.
func (b dlqAPIBody) filterInput(errs views.FormErrors) dlqFilterInput {
	in := dlqFilterInput{Categories: b.Categories, Object: b.ObjectType, Text: strings.TrimSpace(b.ErrorText), From: b.From, To: b.To}
	if b.SimulationID != 0 {
		in.Sim = strconv.FormatInt(b.SimulationID, 10)
	}
	for _, id := range b.JobIDs {
		switch x := id.(type) {
		case float64:
			if x != math.Trunc(x) || x <= 0 || x >= math.MaxInt64 {
				errs["jobIds"] = "a job id is a DLQ row number or a task id string"
				continue
			}
			in.JobIDs = append(in.JobIDs, strconv.FormatInt(int64(x), 10))
		case string:
			in.JobIDs = append(in.JobIDs, strings.TrimSpace(x))
		default:
			errs["jobIds"] = "a job id is a DLQ row number or a task id string"
		}
	}
	return in
}

// replaySimulationDLQAPI replays (dryRun true by default) a simulation's open DLQ
// rows.
func (h *handler) replaySimulationDLQAPI(c *fiber.Ctx) error {
	s, err := h.simulationFor(c)
	if err != nil {
		return err
	}
	b, err := readDLQBody(c)
	if err != nil {
		return err
	}
	errs := views.FormErrors{}
	if b.SimulationID != 0 && b.SimulationID != s.ID {
		errs["simulationId"] = "the body names another simulation than the address"
	}
	b.SimulationID = s.ID
	return h.replayAPI(c, b, errs)
}

// replayDLQAPI replays (dryRun true by default) open DLQ rows across simulations.
func (h *handler) replayDLQAPI(c *fiber.Ctx) error {
	b, err := readDLQBody(c)
	if err != nil {
		return err
	}
	return h.replayAPI(c, b, views.FormErrors{})
}

func (h *handler) replayAPI(c *fiber.Ctx, b dlqAPIBody, errs views.FormErrors) error {
	ctx := c.UserContext()
	in := b.filterInput(errs)
	f, ferrs := in.parse(ctx, h.store)
	ri := replayInput{Strategy: b.Strategy, UseFullRetry: b.UseFullRetry, DryRun: b.DryRun == nil || *b.DryRun}
	if b.Limit != nil {
		ri.Limit = strconv.Itoa(*b.Limit)
	}
	if b.MaxPerCategory != nil {
		ri.MaxPerCategory = strconv.Itoa(*b.MaxPerCategory)
	}
	strategy, limit, perCat, rerrs := ri.parse(h.cfg.DLQReplayCap)
	for _, m := range []views.FormErrors{ferrs, rerrs} {
		for k, v := range m {
			errs[apiField(k)] = v
		}
	}
	if errs.Any() {
		return failFields(c, "replay", errs)
	}
	req := jobs.ReplayRequest{UserID: currentUser(c).ID, Filter: f, Strategy: strategy, Limit: limit, MaxPerCategory: perCat,
		UseFullRetry: ri.UseFullRetry, DryRun: ri.DryRun}
	res, err := h.triage().Replay(ctx, req)
	var limited *storage.ReplayLimitError
	switch {
	case errors.As(err, &limited):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retrySeconds(limited.RetryAfter)))
		return failJSON(c, fiber.StatusTooManyRequests, "too many replays: at most 5 in 30 seconds (dry runs do not count)",
			fiber.Map{"retryAfterMs": max(limited.RetryAfter.Milliseconds(), 1), "auditId": res.AuditID})
	case errors.Is(err, jobs.ErrQueueUnavailable):
		return failJSON(c, fiber.StatusServiceUnavailable, err.Error(), fiber.Map{"auditId": res.AuditID})
	case err != nil:
		return err
	}
	samples := entriesJSON(res.Samples)
	in2 := map[int64]bool{}
	for _, id := range res.InTarget {
		in2[id] = true
	}
	for i := range samples {
		v := in2[samples[i].ID]
		samples[i].InTarget = &v
	}
	inTarget := res.InTarget
	if inTarget == nil {
		inTarget = []int64{}
	}
	tasks, failed := res.Tasks, res.Failed
	if tasks == nil {
		tasks = []jobs.ReplayedTask{}
	}
	if failed == nil {
		failed = []jobs.ReplayFailure{}
	}
	return c.JSON(fiber.Map{"auditId": res.AuditID, "dryRun": res.DryRun, "strategy": strategy, "limit": res.Limit,
		"maxPerCategory": perCat, "useFullRetry": req.UseFullRetry, "filter": json.RawMessage(jobs.FilterJSON(f)),
		"candidates": res.Candidates, "candidatesByCategory": nonNil(res.CandidatesByCategory), "selected": res.Selected,
		"selectedByCategory": nonNil(res.SelectedByCategory), "inTarget": inTarget, "samples": samples,
		"replayed": res.Replayed, "tasks": tasks, "taken": res.Taken, "failed": failed, "abortedLeftOut": res.Aborted})
}

// apiField names a form field as the API does.
func apiField(k string) string {
	switch k {
	case "sim":
		return "simulationId"
	case "category":
		return "categories"
	case "object":
		return "objectType"
	case "q":
		return "errorText"
	}
	return k
}

// closeDLQAPI resolves or discards open DLQ rows: {"action":"resolve"|"discard",
// "reason":…} with the filter's fields and/or jobIds.
func (h *handler) closeDLQAPI(c *fiber.Ctx) error {
	ctx := c.UserContext()
	b, err := readDLQBody(c)
	if err != nil {
		return err
	}
	errs := views.FormErrors{}
	in := b.filterInput(errs)
	f, ferrs := in.parse(ctx, h.store)
	for k, v := range ferrs {
		errs[apiField(k)] = v
	}
	if b.Action != storage.AuditResolve && b.Action != storage.AuditDiscard {
		errs["action"] = "resolve or discard"
	}
	reason := strings.TrimSpace(b.Reason)
	if reason == "" || len([]rune(reason)) > dlqMaxReasonLen {
		errs["reason"] = "a reason of 1 to " + strconv.Itoa(dlqMaxReasonLen) + " characters, for the audit log"
	}
	if errs.Any() {
		return failFields(c, "close", errs)
	}
	audit, err := h.triage().Close(ctx, currentUser(c).ID, f, b.Action, reason)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"auditId": audit.ID, "action": b.Action, "closed": audit.Selected})
}

// listDLQAuditAPI answers the audit log, newest first, with cursor paging.
func (h *handler) listDLQAuditAPI(c *fiber.Ctx) error {
	errs := views.FormErrors{}
	before, limit := apiPage(c, errs)
	if errs.Any() {
		return failFields(c, "page", errs)
	}
	list, next, err := h.store.ReplayAudits(c.UserContext(), before, limit)
	if err != nil {
		return err
	}
	type auditJSON struct {
		ID             int64           `json:"id"`
		UserID         int64           `json:"userId"`
		User           string          `json:"user"`
		At             time.Time       `json:"at"`
		Action         string          `json:"action"`
		DryRun         bool            `json:"dryRun"`
		Filters        json.RawMessage `json:"filters"`
		Strategy       string          `json:"strategy,omitempty"`
		Limit          int             `json:"limit"`
		MaxPerCategory int             `json:"maxPerCategory"`
		UseFullRetry   bool            `json:"useFullRetry"`
		Candidates     int             `json:"candidates"`
		Selected       int             `json:"selected"`
		Replayed       int             `json:"replayed"`
		Outcome        string          `json:"outcome"`
		Reason         string          `json:"reason,omitempty"`
		Message        string          `json:"message,omitempty"`
	}
	out := make([]auditJSON, 0, len(list))
	for _, a := range list {
		out = append(out, auditJSON{a.ID, a.UserID, a.UserEmail, a.At, a.Action, a.DryRun, rawJSON(a.Filters), a.Strategy, a.Limit,
			a.MaxPerCategory, a.UseFullRetry, a.Candidates, a.Selected, a.Replayed, a.Outcome, a.Reason, a.Message})
	}
	return c.JSON(fiber.Map{"audit": out, "nextCursor": cursorJSON(next)})
}
