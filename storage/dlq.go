package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DLQ entry states.
const (
	DLQOpen      = "open"
	DLQReplayed  = "replayed"
	DLQResolved  = "resolved"
	DLQDiscarded = "discarded"
	// DLQAnyStatus in a filter matches rows in every state.
	DLQAnyStatus = "any"
)

// DLQStatuses are the states a DLQ row can be in.
var DLQStatuses = []string{DLQOpen, DLQReplayed, DLQResolved, DLQDiscarded}

// DLQCategories are the failure categories, in the order pages list them.
var DLQCategories = []string{"rate_limit", "auth", "validation", "conflict", "timeout", "network", "server", "unknown"}

// DLQEntry is a job that ran out of attempts: durable, never trimmed.
type DLQEntry struct {
	ID             int64
	SimulationID   int64
	JobType        string // asynq task type
	ObjectType     string // contact, company, deal, ticket, note, call, task, meeting
	RecordIndex    int
	RecordKey      string
	TaskID         string
	Payload        string // the task payload as JSON (empty in list pages)
	Category       string // rate_limit, auth, validation, conflict, timeout, network, server, unknown
	Error          string // cut to 300 characters in list pages
	Attempts       int
	FirstFailedAt  time.Time
	LastFailedAt   time.Time
	Status         string
	Resolution     string
	ReplayCount    int
	ReplayedAt     *time.Time
	ReplayAuditID  *int64
	ResolvedAt     *time.Time
	ResolveAuditID *int64
}

// AddDLQEntry stores a failed job as an open DLQ row and fills in its id.
func (s *Store) AddDLQEntry(ctx context.Context, e *DLQEntry) error {
	if e.Status == "" {
		e.Status = DLQOpen
	}
	if e.LastFailedAt.IsZero() {
		e.LastFailedAt = now()
	}
	if e.FirstFailedAt.IsZero() {
		e.FirstFailedAt = e.LastFailedAt
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO dlq_entries (simulation_id, job_type, object_type, record_index,
		record_key, task_id, payload, category, error, attempts, first_failed_at, last_failed_at, status, resolution)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.SimulationID, e.JobType, e.ObjectType, e.RecordIndex, e.RecordKey, e.TaskID, e.Payload, e.Category, e.Error,
		e.Attempts, dbTime(e.FirstFailedAt), dbTime(e.LastFailedAt), e.Status, e.Resolution)
	if err != nil {
		return fmt.Errorf("storage: add dlq entry: %w", err)
	}
	e.ID, err = res.LastInsertId()
	return err
}

// dlqRowsPerInsert keeps multi-row inserts (14 values a row) under both dialects'
// placeholder limits.
const dlqRowsPerInsert = 500

// AddDLQEntries stores many DLQ rows in multi-row inserts (a batch that failed for
// every record in it; seeding benchmarks). Ids are not filled in.
func (s *Store) AddDLQEntries(ctx context.Context, entries []DLQEntry) error {
	at := now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for lo := 0; lo < len(entries); lo += dlqRowsPerInsert {
			part := entries[lo:min(lo+dlqRowsPerInsert, len(entries))]
			args := make([]any, 0, 14*len(part))
			for _, e := range part {
				if e.Status == "" {
					e.Status = DLQOpen
				}
				if e.LastFailedAt.IsZero() {
					e.LastFailedAt = at
				}
				if e.FirstFailedAt.IsZero() {
					e.FirstFailedAt = e.LastFailedAt
				}
				args = append(args, e.SimulationID, e.JobType, e.ObjectType, e.RecordIndex, e.RecordKey, e.TaskID, e.Payload,
					e.Category, e.Error, e.Attempts, dbTime(e.FirstFailedAt), dbTime(e.LastFailedAt), e.Status, e.Resolution)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO dlq_entries (simulation_id, job_type, object_type, record_index,
				record_key, task_id, payload, category, error, attempts, first_failed_at, last_failed_at, status, resolution)
				VALUES `+strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?),`, len(part)), ","), args...)
			if err != nil {
				return fmt.Errorf("storage: add dlq entries: %w", err)
			}
		}
		return nil
	})
}

// DLQCounts tallies a simulation's open DLQ rows per category.
func (s *Store) DLQCounts(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "dlq counts", `SELECT category, COUNT(*) FROM dlq_entries
		WHERE simulation_id = ? AND status = ? GROUP BY category`, simID, DLQOpen)
}

// DLQTallies counts every DLQ row a simulation ever had per category, whatever became
// of it: the database side of sim:<id>:dlq:counts, which the failure path increments
// once per row.
func (s *Store) DLQTallies(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "dlq counts", `SELECT category, COUNT(*) FROM dlq_entries
		WHERE simulation_id = ? GROUP BY category`, simID)
}

// DLQOpenTotal counts open DLQ rows across every simulation (the triage page warns
// when they pile up; nothing ever trims them).
func (s *Store) DLQOpenTotal(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM dlq_entries WHERE status = ?`, DLQOpen).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: dlq open total: %w", err)
	}
	return n, nil
}

// DLQFilter narrows DLQ rows. The list, the summary and every bulk action (dry run,
// replay, resolve, discard) take the same filter, so they act on what the boss sees.
// Zero values do not filter, except Status: "" means open rows.
type DLQFilter struct {
	SimulationID int64
	Categories   []string
	ObjectType   string
	ErrorText    string    // substring of the error, case-insensitive
	From, To     time.Time // last failure in [From, To)
	Status       string    // "" = open, DLQAnyStatus = every state
	IDs          []int64   // DLQ row ids
	TaskIDs      []string  // asynq task ids

	Simulations    []int64 // any of these simulations (internal: replay selection)
	NotSimulations []int64 // none of these simulations (internal: replay selection)
}

// status is the state the filter selects, "" for every state.
func (f DLQFilter) status() string {
	switch f.Status {
	case "":
		return DLQOpen
	case DLQAnyStatus:
		return ""
	}
	return f.Status
}

// dlqWhere renders a filter as SQL conditions (each starting with " AND ") and
// their args.
func (s *Store) dlqWhere(f DLQFilter) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	if st := f.status(); st != "" {
		b.WriteString(` AND status = ?`)
		args = append(args, st)
	}
	if f.SimulationID != 0 {
		b.WriteString(` AND simulation_id = ?`)
		args = append(args, f.SimulationID)
	}
	if len(f.Simulations) > 0 {
		b.WriteString(` AND simulation_id IN (` + placeholders(len(f.Simulations)) + `)`)
		for _, id := range f.Simulations {
			args = append(args, id)
		}
	}
	if len(f.NotSimulations) > 0 {
		b.WriteString(` AND simulation_id NOT IN (` + placeholders(len(f.NotSimulations)) + `)`)
		for _, id := range f.NotSimulations {
			args = append(args, id)
		}
	}
	if len(f.Categories) > 0 {
		b.WriteString(` AND category IN (` + placeholders(len(f.Categories)) + `)`)
		for _, c := range f.Categories {
			args = append(args, c)
		}
	}
	if f.ObjectType != "" {
		b.WriteString(` AND object_type = ?`)
		args = append(args, f.ObjectType)
	}
	if f.ErrorText != "" {
		// SQLite's LIKE ignores ASCII case by itself; MySQL's columns are binary.
		if s.dialect == MySQL {
			b.WriteString(` AND LOWER(error) LIKE ? ESCAPE '!'`)
		} else {
			b.WriteString(` AND error LIKE ? ESCAPE '!'`)
		}
		args = append(args, "%"+likeEscape(strings.ToLower(f.ErrorText))+"%")
	}
	if !f.From.IsZero() {
		b.WriteString(` AND last_failed_at >= ?`)
		args = append(args, dbTime(f.From))
	}
	if !f.To.IsZero() {
		b.WriteString(` AND last_failed_at < ?`)
		args = append(args, dbTime(f.To))
	}
	switch {
	case len(f.IDs) > 0 && len(f.TaskIDs) > 0:
		b.WriteString(` AND (id IN (` + placeholders(len(f.IDs)) + `) OR task_id IN (` + placeholders(len(f.TaskIDs)) + `))`)
	case len(f.IDs) > 0:
		b.WriteString(` AND id IN (` + placeholders(len(f.IDs)) + `)`)
	case len(f.TaskIDs) > 0:
		b.WriteString(` AND task_id IN (` + placeholders(len(f.TaskIDs)) + `)`)
	}
	for _, id := range f.IDs {
		args = append(args, id)
	}
	for _, id := range f.TaskIDs {
		args = append(args, id)
	}
	return b.String(), args
}

// dlqTable is the table a filtered read names. An error-text search reads every
// row's error anyway, and one pass over the table in id order costs a fraction of
// walking a secondary index with a row lookup per entry (≈30 ms against ≈200 ms at
// 100,000 rows), so it tells the planner so.
func (s *Store) dlqTable(f DLQFilter) string {
	if f.ErrorText == "" || len(f.IDs) > 0 || len(f.TaskIDs) > 0 {
		return `dlq_entries`
	}
	if s.dialect == MySQL {
		return `dlq_entries FORCE INDEX (PRIMARY)`
	}
	return `dlq_entries NOT INDEXED`
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// likeEscape makes s match literally inside LIKE … ESCAPE '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// List pages carry the first 300 characters of an error; the detail has it all.
const dlqListColumns = `id, simulation_id, job_type, object_type, record_index, record_key, task_id, '',
	category, SUBSTR(error, 1, 300), attempts, first_failed_at, last_failed_at, status, resolution,
	replay_count, replayed_at, replay_audit_id, resolved_at, resolve_audit_id`

const dlqColumns = `id, simulation_id, job_type, object_type, record_index, record_key, task_id, payload,
	category, error, attempts, first_failed_at, last_failed_at, status, resolution,
	replay_count, replayed_at, replay_audit_id, resolved_at, resolve_audit_id`

func scanDLQEntry(row rowScanner) (DLQEntry, error) {
	var (
		e                    DLQEntry
		replayed, resolved   sql.NullTime
		replayAud, resolvAud sql.NullInt64
	)
	err := row.Scan(&e.ID, &e.SimulationID, &e.JobType, &e.ObjectType, &e.RecordIndex, &e.RecordKey, &e.TaskID,
		&e.Payload, &e.Category, &e.Error, &e.Attempts, &e.FirstFailedAt, &e.LastFailedAt, &e.Status, &e.Resolution,
		&e.ReplayCount, &replayed, &replayAud, &resolved, &resolvAud)
	if errors.Is(err, sql.ErrNoRows) {
		return DLQEntry{}, ErrNotFound
	}
	if err != nil {
		return DLQEntry{}, fmt.Errorf("storage: dlq entry: %w", err)
	}
	e.FirstFailedAt, e.LastFailedAt = e.FirstFailedAt.UTC(), e.LastFailedAt.UTC()
	e.ReplayedAt, e.ResolvedAt = nullTime(replayed), nullTime(resolved)
	if replayAud.Valid {
		e.ReplayAuditID = &replayAud.Int64
	}
	if resolvAud.Valid {
		e.ResolveAuditID = &resolvAud.Int64
	}
	return e, nil
}

func (s *Store) queryDLQ(ctx context.Context, q string, args ...any) ([]DLQEntry, error) {
	return scanAll(ctx, s.db, "dlq entries", scanDLQEntry, q, args...)
}

// DLQEntry returns one DLQ row with its whole payload and error.
func (s *Store) DLQEntry(ctx context.Context, id int64) (DLQEntry, error) {
	return scanDLQEntry(s.db.QueryRowContext(ctx, `SELECT `+dlqColumns+` FROM dlq_entries WHERE id = ?`, id))
}

// DLQPage is one page of DLQ rows, newest first.
type DLQPage struct {
	Entries []DLQEntry // without payloads; errors cut to 300 characters
	Next    int64      // cursor of the next page (pass as before); 0 on the last page
}

// DLQEntries lists the rows matching f, newest first, limit at a time. Paging is by
// keyset on id (before = the previous page's Next), so the 2,000th page costs what
// the first does.
func (s *Store) DLQEntries(ctx context.Context, f DLQFilter, before int64, limit int) (DLQPage, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	cond, args := s.dlqWhere(f)
	if before > 0 {
		cond += ` AND id < ?`
		args = append(args, before)
	}
	args = append(args, limit+1)
	// Ids first (from an index when the filter allows), then those rows: the
	// planner never fetches a row it will not show.
	list, err := s.queryDLQ(ctx, `SELECT `+dlqListColumns+` FROM (SELECT id AS page_id FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+
		` ORDER BY id DESC LIMIT ?) page JOIN dlq_entries ON dlq_entries.id = page.page_id ORDER BY id DESC`, args...)
	if err != nil {
		return DLQPage{}, err
	}
	p := DLQPage{Entries: list}
	if len(list) > limit {
		p.Entries = list[:limit]
		p.Next = list[limit-1].ID
	}
	return p, nil
}

// DLQRecent returns a simulation's latest DLQ rows with payloads (the database's
// stand-in for sim:<id>:dlq:samples while Redis is away).
func (s *Store) DLQRecent(ctx context.Context, simID int64, n int) ([]DLQEntry, error) {
	return s.queryDLQ(ctx, `SELECT `+dlqColumns+` FROM dlq_entries WHERE simulation_id = ? ORDER BY id DESC LIMIT ?`, simID, n)
}

// DLQSummaryRow is one simulation × category cell of the triage summary.
type DLQSummaryRow struct {
	SimulationID   int64
	SimulationName string
	Category       string
	Count          int64
	Last24h        int64 // rows whose last failure is in the last 24 hours
	Prev24h        int64 // … in the 24 hours before that
	LastFailedAt   time.Time
}

// DLQSummary groups the rows matching f by simulation and category, with a trend
// (last 24 h against the 24 h before `at`). On the default filter it reads only the
// dlq_summary index.
func (s *Store) DLQSummary(ctx context.Context, f DLQFilter, at time.Time) ([]DLQSummaryRow, error) {
	cond, args := s.dlqWhere(f)
	day, twoDays := dbTime(at.Add(-24*time.Hour)), dbTime(at.Add(-48*time.Hour))
	args = append([]any{day, twoDays, day}, args...)
	rows, err := s.db.QueryContext(ctx, `SELECT simulation_id, category, COUNT(*),
		SUM(CASE WHEN last_failed_at >= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN last_failed_at >= ? AND last_failed_at < ? THEN 1 ELSE 0 END),
		MAX(last_failed_at)
		FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+` GROUP BY simulation_id, category`, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq summary: %w", err)
	}
	defer rows.Close()
	var (
		out  []DLQSummaryRow
		sims = map[int64]string{}
	)
	for rows.Next() {
		var (
			r    DLQSummaryRow
			last flexTime
		)
		if err := rows.Scan(&r.SimulationID, &r.Category, &r.Count, &r.Last24h, &r.Prev24h, &last); err != nil {
			return nil, fmt.Errorf("storage: dlq summary: %w", err)
		}
		r.LastFailedAt = last.Time
		sims[r.SimulationID] = ""
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: dlq summary: %w", err)
	}
	if err := s.simulationNames(ctx, sims); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].SimulationName = sims[out[i].SimulationID]
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SimulationID != out[j].SimulationID {
			return out[i].SimulationID > out[j].SimulationID
		}
		return categoryRank(out[i].Category) < categoryRank(out[j].Category)
	})
	return out, nil
}

// simulationIDs lists the ids of the simulations in a state.
func (s *Store) simulationIDs(ctx context.Context, status string) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM simulations WHERE status = ?`, status)
	if err != nil {
		return nil, fmt.Errorf("storage: simulation ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("storage: simulation ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// simulationNames fills in the names of the simulations keyed in names.
func (s *Store) simulationNames(ctx context.Context, names map[int64]string) error {
	if len(names) == 0 {
		return nil
	}
	ids := make([]any, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM simulations WHERE id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("storage: simulation names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("storage: simulation names: %w", err)
		}
		names[id] = name
	}
	return rows.Err()
}

func categoryRank(c string) int {
	for i, k := range DLQCategories {
		if k == c {
			return i
		}
	}
	return len(DLQCategories)
}

// flexTime scans a timestamp that SQLite hands back as text once it went through an
// aggregate (MAX), and MySQL as a time.
type flexTime struct{ Time time.Time }

func (t *flexTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("storage: timestamp of type %T", v)
	}
	return nil
}

func (t *flexTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("storage: unreadable timestamp %q", s)
}

// Replay strategies: which candidates a replay takes first.
const (
	ReplayOldest = "oldest"
	ReplayNewest = "newest"
	ReplayRandom = "random"
)

// DLQSelection is what a replay (or its dry run) would take.
type DLQSelection struct {
	Candidates      int64            // open rows matching the filter
	CandidatesByCat map[string]int64 // … per category
	Aborted         int64            // matching open rows of aborted simulations, never selected
	Entries         []DLQEntry       // the rows selected, with payloads, in strategy order
	SelectedByCat   map[string]int64
}

// SelectDLQForReplay picks up to limit open rows matching f: per category at most
// maxPerCategory (0 = no cap) in strategy order, then a fair share across the
// categories (round robin) until limit is reached. Rows of aborted simulations are
// counted apart and never picked. It changes nothing.
func (s *Store) SelectDLQForReplay(ctx context.Context, f DLQFilter, strategy string, limit, maxPerCategory int) (DLQSelection, error) {
	f.Status = DLQOpen
	sel := DLQSelection{SelectedByCat: map[string]int64{}}
	// The engine drops an aborted simulation's work: its rows are counted apart.
	aborted, err := s.simulationIDs(ctx, StatusAborted)
	if err != nil {
		return sel, err
	}
	if len(aborted) > 0 {
		af := f
		af.Simulations = aborted
		if sel.Aborted, err = s.CountDLQ(ctx, af); err != nil {
			return sel, err
		}
		f.NotSimulations = aborted
	}
	cond, args := s.dlqWhere(f)
	sel.CandidatesByCat, err = keyedInts[int64](ctx, s.db, "dlq counts", `SELECT category, COUNT(*) FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+` GROUP BY category`, args...)
	if err != nil {
		return sel, err
	}
	cats := make([]string, 0, len(sel.CandidatesByCat))
	for c, n := range sel.CandidatesByCat {
		sel.Candidates += n
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool { return categoryRank(cats[i]) < categoryRank(cats[j]) })
	if limit <= 0 || len(cats) == 0 {
		return sel, nil
	}
	per := limit
	if maxPerCategory > 0 && maxPerCategory < per {
		per = maxPerCategory
	}
	order := ` ORDER BY id ASC`
	switch strategy {
	case ReplayNewest:
		order = ` ORDER BY id DESC`
	case ReplayRandom:
		order = ` ORDER BY RANDOM()`
		if s.dialect == MySQL {
			order = ` ORDER BY RAND()`
		}
	}
	byCat := make([][]int64, len(cats))
	for i, c := range cats {
		cf := f
		cf.Categories = []string{c}
		ccond, cargs := s.dlqWhere(cf)
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM `+s.dlqTable(cf)+` WHERE 1=1`+ccond+order+` LIMIT ?`, append(cargs, per)...)
		if err != nil {
			return sel, fmt.Errorf("storage: dlq select: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sel, fmt.Errorf("storage: dlq select: %w", err)
			}
			byCat[i] = append(byCat[i], id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sel, fmt.Errorf("storage: dlq select: %w", err)
		}
	}
	// Fair share: one from each category in turn until the limit.
	var ids []int64
	for round := 0; len(ids) < limit; round++ {
		took := false
		for i := range byCat {
			if round < len(byCat[i]) && len(ids) < limit {
				ids = append(ids, byCat[i][round])
				took = true
			}
		}
		if !took {
			break
		}
	}
	if len(ids) == 0 {
		return sel, nil
	}
	args = make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	list, err := s.queryDLQ(ctx, `SELECT `+dlqColumns+` FROM dlq_entries WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return sel, err
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	sort.Slice(list, func(i, j int) bool {
		switch strategy {
		case ReplayNewest:
			return list[i].ID > list[j].ID
		case ReplayRandom:
			return pos[list[i].ID] < pos[list[j].ID]
		}
		return list[i].ID < list[j].ID
	})
	sel.Entries = list
	for _, e := range list {
		sel.SelectedByCat[e.Category]++
	}
	return sel, nil
}

// DLQInLedger reports which of the entries' objects the ledger already holds (same
// simulation and record key): replaying those changes nothing in the target.
func (s *Store) DLQInLedger(ctx context.Context, entries []DLQEntry) (map[int64]bool, error) {
	bySim := map[int64][]DLQEntry{}
	for _, e := range entries {
		if e.RecordKey != "" {
			bySim[e.SimulationID] = append(bySim[e.SimulationID], e)
		}
	}
	out := map[int64]bool{}
	for simID, list := range bySim {
		args := []any{simID}
		for _, e := range list {
			args = append(args, e.RecordKey)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT record_key FROM ledger WHERE simulation_id = ? AND record_key IN (`+
			placeholders(len(list))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: dlq ledger check: %w", err)
		}
		have := map[string]bool{}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storage: dlq ledger check: %w", err)
			}
			have[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("storage: dlq ledger check: %w", err)
		}
		for _, e := range list {
			if have[e.RecordKey] {
				out[e.ID] = true
			}
		}
	}
	return out, nil
}

// DLQReplay is one replay of one DLQ row: the task it became and the audit entry
// that asked for it.
type DLQReplay struct {
	ID       int64
	DLQID    int64
	AuditID  int64
	TaskID   string
	Queue    string
	MaxRetry int
	At       time.Time
	Error    string // why the enqueue failed; the row went back to open
}

// ClaimDLQForReplay marks each planned replay's row replayed by the audit entry,
// if the row is still open, and records the replay. It returns the replays it
// claimed (with ids): a row another replay took in the meantime is left out, so two
// bosses replaying at once never enqueue the same row twice.
func (s *Store) ClaimDLQForReplay(ctx context.Context, auditID int64, planned []DLQReplay) ([]DLQReplay, error) {
	at := now()
	var claimed []DLQReplay
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		for _, r := range planned {
			res, err := tx.ExecContext(ctx, `UPDATE dlq_entries SET status = ?, replay_count = replay_count + 1,
				replayed_at = ?, replay_audit_id = ? WHERE id = ? AND status = ?`, DLQReplayed, at, auditID, r.DLQID, DLQOpen)
			if err != nil {
				return fmt.Errorf("storage: claim dlq entry: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			r.AuditID, r.At = auditID, at
			ins, err := tx.ExecContext(ctx, `INSERT INTO dlq_replays (dlq_id, audit_id, task_id, queue, max_retry, at, error)
				VALUES (?, ?, ?, ?, ?, ?, '')`, r.DLQID, auditID, r.TaskID, r.Queue, r.MaxRetry, at)
			if err != nil {
				return fmt.Errorf("storage: record dlq replay: %w", err)
			}
			if r.ID, err = ins.LastInsertId(); err != nil {
				return fmt.Errorf("storage: record dlq replay: %w", err)
			}
			claimed = append(claimed, r)
		}
		return nil
	})
	return claimed, err
}

// FailDLQReplay records that a claimed replay could not be enqueued and puts its
// row back to open, so nothing is lost.
func (s *Store) FailDLQReplay(ctx context.Context, r DLQReplay, why string) error {
	why = clip(why, 500)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE dlq_replays SET error = ? WHERE id = ?`, why, r.ID); err != nil {
			return fmt.Errorf("storage: fail dlq replay: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE dlq_entries SET status = ?, replay_count = replay_count - 1
			WHERE id = ? AND status = ? AND replay_audit_id = ?`, DLQOpen, r.DLQID, DLQReplayed, r.AuditID); err != nil {
			return fmt.Errorf("storage: fail dlq replay: %w", err)
		}
		return nil
	})
}

// DLQReplays lists the replays of one DLQ row, oldest first.
func (s *Store) DLQReplays(ctx context.Context, dlqID int64) ([]DLQReplay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, dlq_id, audit_id, task_id, queue, max_retry, at, error
		FROM dlq_replays WHERE dlq_id = ? ORDER BY id`, dlqID)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq replays: %w", err)
	}
	defer rows.Close()
	var out []DLQReplay
	for rows.Next() {
		var r DLQReplay
		if err := rows.Scan(&r.ID, &r.DLQID, &r.AuditID, &r.TaskID, &r.Queue, &r.MaxRetry, &r.At, &r.Error); err != nil {
			return nil, fmt.Errorf("storage: dlq replays: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// CloseDLQEntries resolves or discards the open rows matching f, with a reason and
// the audit entry that asked, and returns how many it closed.
func (s *Store) CloseDLQEntries(ctx context.Context, f DLQFilter, status, reason string, auditID int64) (int64, error) {
	if status != DLQResolved && status != DLQDiscarded {
		return 0, fmt.Errorf("storage: close dlq entries: unknown state %q", status)
	}
	f.Status = DLQOpen
	cond, args := s.dlqWhere(f)
	var audit any
	if auditID != 0 {
		audit = auditID
	}
	args = append([]any{status, reason, now(), audit}, args...)
	res, err := s.db.ExecContext(ctx, `UPDATE dlq_entries SET status = ?, resolution = ?, resolved_at = ?, resolve_audit_id = ?
		WHERE 1=1`+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("storage: close dlq entries: %w", err)
	}
	return res.RowsAffected()
}

// CountDLQ counts the rows matching f.
func (s *Store) CountDLQ(ctx context.Context, f DLQFilter) (int64, error) {
	cond, args := s.dlqWhere(f)
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+s.dlqTable(f)+` WHERE 1=1`+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count dlq: %w", err)
	}
	return n, nil
}

// ListHead reads the first n entries of a Redis list (a simulation's DLQ samples
// or thinning events, newest first) and how many it holds. ErrRedisDisabled while
// Redis is off or down.
func (r *Redis) ListHead(ctx context.Context, key string, n int) ([]string, int64, error) {
	if !r.Up() {
		return nil, 0, ErrRedisDisabled
	}
	pipe := r.Client.Pipeline()
	head := pipe.LRange(ctx, key, 0, int64(n)-1)
	size := pipe.LLen(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("storage: redis list %s: %w", key, err)
	}
	return head.Val(), size.Val(), nil
}

// HashCounts reads a Redis hash of counters (sim:<id>:dlq:counts, the metrics
// hash); fields that are not whole numbers are left out. ErrRedisDisabled while
// Redis is off or down.
func (r *Redis) HashCounts(ctx context.Context, key string) (map[string]int64, error) {
	if !r.Up() {
		return nil, ErrRedisDisabled
	}
	m, err := r.Client.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("storage: redis hash %s: %w", key, err)
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out, nil
}
