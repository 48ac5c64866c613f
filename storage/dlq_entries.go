package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	Category       string // a hubspot.Category
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
