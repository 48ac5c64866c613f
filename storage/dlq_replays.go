package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// DLQOrder is the order in which DLQReplayCandidates lists each category's ids.
type DLQOrder int

// Candidate orders.
const (
	DLQOldestFirst DLQOrder = iota
	DLQNewestFirst
	DLQRandomOrder // a fresh draw on every call
)

// DLQCandidates are the open rows a replay may take. Which of them it takes (the
// strategy, the fair share across categories, the limit) is the replay's business.
type DLQCandidates struct {
	Count      int64              // open rows matching the filter
	ByCategory map[string]int64   // … per category
	Aborted    int64              // matching open rows of aborted simulations: never listed
	IDs        map[string][]int64 // per category, the first perCategory ids in the asked order
}

// DLQReplayCandidates counts the open rows matching f per category and lists the
// first perCategory ids of each category in order (none when perCategory <= 0).
// Rows of aborted simulations are counted apart and never listed: the engine drops
// an aborted simulation's work (its clean-up rows excepted: an aborted run can be
// cleaned up). It changes nothing.
func (s *Store) DLQReplayCandidates(ctx context.Context, f DLQFilter, order DLQOrder, perCategory int) (DLQCandidates, error) {
	f.Status = DLQOpen
	f.SparedJobType = JobTypeCleanup
	c := DLQCandidates{IDs: map[string][]int64{}}
	aborted, err := s.simulationIDs(ctx, StatusAborted)
	if err != nil {
		return c, err
	}
	if len(aborted) > 0 {
		af := f
		af.Simulations = aborted
		if c.Aborted, err = s.CountDLQ(ctx, af); err != nil {
			return c, err
		}
		f.NotSimulations = aborted
	}
	cond, args := s.dlqWhere(f)
	c.ByCategory, err = keyedInts[int64](ctx, s.db, "dlq counts", `SELECT category, COUNT(*) FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+` GROUP BY category`, args...)
	if err != nil {
		return c, err
	}
	for cat, n := range c.ByCategory {
		c.Count += n
		if perCategory <= 0 {
			continue
		}
		if c.IDs[cat], err = s.dlqCategoryIDs(ctx, f, cat, order, perCategory); err != nil {
			return c, err
		}
	}
	return c, nil
}

// dlqCategoryIDs lists the first n ids of one category's rows matching f.
func (s *Store) dlqCategoryIDs(ctx context.Context, f DLQFilter, category string, order DLQOrder, n int) ([]int64, error) {
	f.Categories = []string{category}
	by := ` ORDER BY id ASC`
	switch order {
	case DLQNewestFirst:
		by = ` ORDER BY id DESC`
	case DLQRandomOrder:
		by = ` ORDER BY RANDOM()`
		if s.dialect == MySQL {
			by = ` ORDER BY RAND()`
		}
	}
	cond, args := s.dlqWhere(f)
	return scanAll(ctx, s.db, "dlq select", func(r rowScanner) (int64, error) {
		var id int64
		if err := r.Scan(&id); err != nil {
			return 0, fmt.Errorf("storage: dlq select: %w", err)
		}
		return id, nil
	}, `SELECT id FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+by+` LIMIT ?`, append(args, n)...)
}

// DLQEntriesByID returns the rows with these ids, with payloads, in the order of ids;
// an id without a row is left out.
func (s *Store) DLQEntriesByID(ctx context.Context, ids []int64) ([]DLQEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	list, err := s.queryDLQ(ctx, `SELECT `+dlqColumns+` FROM dlq_entries WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	sort.Slice(list, func(i, j int) bool { return pos[list[i].ID] < pos[list[j].ID] })
	return list, nil
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
