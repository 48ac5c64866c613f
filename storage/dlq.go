package storage

import (
	"context"
	"fmt"
	"time"
)

// DLQ entry states.
const (
	DLQOpen      = "open"
	DLQReplayed  = "replayed"
	DLQResolved  = "resolved"
	DLQDiscarded = "discarded"
)

// DLQEntry is a job that ran out of attempts: durable, never trimmed.
type DLQEntry struct {
	ID            int64
	SimulationID  int64
	JobType       string // asynq task type
	ObjectType    string // contact, company, deal, ticket, note, call, task, meeting
	RecordIndex   int
	RecordKey     string
	TaskID        string
	Payload       string // the task payload as JSON
	Category      string // rate_limit, auth, validation, conflict, timeout, network, server, unknown
	Error         string
	Attempts      int
	FirstFailedAt time.Time
	LastFailedAt  time.Time
	Status        string
	Resolution    string
	ReplayCount   int
	ReplayedAt    *time.Time
	ReplayAuditID *int64
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

// DLQCounts tallies a simulation's open DLQ rows per category (the database side of
// sim:<id>:dlq:counts).
func (s *Store) DLQCounts(ctx context.Context, simID int64) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT category, COUNT(*) FROM dlq_entries
		WHERE simulation_id = ? AND status = ? GROUP BY category`, simID, DLQOpen)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			cat string
			n   int64
		)
		if err := rows.Scan(&cat, &n); err != nil {
			return nil, fmt.Errorf("storage: dlq counts: %w", err)
		}
		out[cat] = n
	}
	return out, rows.Err()
}
