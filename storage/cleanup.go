package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Cleanup states of a simulation and of its ledger rows.
const (
	CleanupRunning  = "running"
	CleanupDone     = "done"
	CleanupArchived = "archived" // a ledger row whose object is gone from the target
	CleanupFailed   = "failed"   // a ledger row whose archive failed into the DLQ
	CleanupPending  = "pending"  // counts only: still in the target
	CleanupShared   = "shared"   // counts only: another simulation has the same object; kept
)

// Cleanup is the removal of a simulation's objects from its target.
type Cleanup struct {
	SimulationID int64
	Status       string
	StartedBy    int64
	StartedAt    time.Time
	FinishedAt   *time.Time
	Found        int // objects the search by simcrm_simulation_id found beyond the ledger
	Message      string
}

// CleanupCounts counts a simulation's ledger rows per object type and cleanup
// state: pending (to archive), shared (kept), archived, failed.
func (s *Store) CleanupCounts(ctx context.Context, simID int64) (map[string]map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.object_type, COALESCE(l.cleanup_state, CASE WHEN EXISTS (
			SELECT 1 FROM ledger o WHERE o.object_type = l.object_type AND o.external_id = l.external_id AND o.simulation_id <> l.simulation_id)
			THEN 'shared' ELSE 'pending' END), COUNT(*)
		FROM ledger l WHERE l.simulation_id = ? GROUP BY 1, 2`, simID)
	if err != nil {
		return nil, fmt.Errorf("storage: cleanup counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var (
			typ, state string
			n          int64
		)
		if err := rows.Scan(&typ, &state, &n); err != nil {
			return nil, fmt.Errorf("storage: cleanup counts: %w", err)
		}
		if out[typ] == nil {
			out[typ] = map[string]int64{}
		}
		out[typ][state] += n
	}
	return out, rows.Err()
}

// CleanupBatch returns up to limit ledger rows of a type still to archive: not yet
// archived or failed, and not shared with another simulation.
func (s *Store) CleanupBatch(ctx context.Context, simID int64, typ string, limit int) ([]LedgerEntry, error) {
	return scanAll(ctx, s.db, "cleanup batch", func(r rowScanner) (LedgerEntry, error) {
		e := LedgerEntry{SimulationID: simID, ObjectType: typ}
		err := r.Scan(&e.RecordIndex, &e.RecordKey, &e.ExternalID)
		return e, err
	}, `SELECT l.record_index, l.record_key, l.external_id FROM ledger l
		WHERE l.simulation_id = ? AND l.object_type = ? AND l.cleanup_state IS NULL AND NOT EXISTS (
			SELECT 1 FROM ledger o WHERE o.object_type = l.object_type AND o.external_id = l.external_id AND o.simulation_id <> l.simulation_id)
		ORDER BY l.id LIMIT ?`, simID, typ, limit)
}

// KeptExternalIDs returns which of a type's external ids a clean-up of simID
// leaves in the target: those another simulation's ledger has (shared), and its
// own objects whose archive failed into the DLQ (a replay of their rows retries
// them, so the DLQ stays the one place they are handled).
func (s *Store) KeptExternalIDs(ctx context.Context, simID int64, typ string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for lo := 0; lo < len(ids); lo += maxRowsPerInsert {
		part := ids[lo:min(lo+maxRowsPerInsert, len(ids))]
		args := []any{typ, simID, CleanupFailed}
		for _, id := range part {
			args = append(args, id)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT external_id FROM ledger WHERE object_type = ?
			AND (simulation_id <> ? OR cleanup_state = ?) AND external_id IN (?`+strings.Repeat(`, ?`, len(part)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: kept ids: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storage: kept ids: %w", err)
			}
			out[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("storage: kept ids: %w", err)
		}
	}
	return out, nil
}

// SetCleanupState marks ledger rows (by key) archived or failed.
func (s *Store) SetCleanupState(ctx context.Context, simID int64, keys []string, state string) error {
	return setCleanupState(ctx, s.db, simID, keys, state)
}

// setCleanupState is SetCleanupState on the database or within a transaction.
func setCleanupState(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, simID int64, keys []string, state string) error {
	for lo := 0; lo < len(keys); lo += maxRowsPerInsert {
		part := keys[lo:min(lo+maxRowsPerInsert, len(keys))]
		args := []any{state, simID}
		for _, k := range part {
			args = append(args, k)
		}
		if _, err := db.ExecContext(ctx, `UPDATE ledger SET cleanup_state = ? WHERE simulation_id = ? AND record_key IN (?`+
			strings.Repeat(`, ?`, len(part)-1)+`)`, args...); err != nil {
			return fmt.Errorf("storage: cleanup state: %w", err)
		}
	}
	return nil
}

const cleanupColumns = `simulation_id, status, started_by, started_at, finished_at, found, message`

func scanCleanup(r rowScanner) (Cleanup, error) {
	var (
		c        Cleanup
		finished sql.NullTime
	)
	err := r.Scan(&c.SimulationID, &c.Status, &c.StartedBy, &c.StartedAt, &finished, &c.Found, &c.Message)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("storage: cleanup: %w", err)
	}
	c.StartedAt, c.FinishedAt = c.StartedAt.UTC(), nullTime(finished)
	return c, nil
}

// Cleanup returns a simulation's cleanup, ErrNotFound before the first.
func (s *Store) Cleanup(ctx context.Context, simID int64) (Cleanup, error) {
	return scanCleanup(s.db.QueryRowContext(ctx, `SELECT `+cleanupColumns+` FROM cleanups WHERE simulation_id = ?`, simID))
}

// StartCleanup marks a simulation's cleanup running (again, after a finished one)
// and reports false when it is running already.
func (s *Store) StartCleanup(ctx context.Context, simID, by int64) (bool, error) {
	started := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanCleanup(tx.QueryRowContext(ctx, `SELECT `+cleanupColumns+` FROM cleanups WHERE simulation_id = ?`+s.forUpdate(), simID))
		switch {
		case errors.Is(err, ErrNotFound):
			_, err = tx.ExecContext(ctx, `INSERT INTO cleanups (simulation_id, status, started_by, started_at, found, message)
				VALUES (?, ?, ?, ?, 0, '')`, simID, CleanupRunning, by, now())
		case err != nil:
			return err
		case cur.Status == CleanupRunning:
			return nil
		default:
			_, err = tx.ExecContext(ctx, `UPDATE cleanups SET status = ?, started_by = ?, started_at = ?, finished_at = NULL, message = ''
				WHERE simulation_id = ?`, CleanupRunning, by, now(), simID)
		}
		if err != nil {
			return fmt.Errorf("storage: start cleanup: %w", err)
		}
		started = true
		return nil
	})
	return started, err
}

// AddCleanupFound adds to the objects the fallback search found.
func (s *Store) AddCleanupFound(ctx context.Context, simID int64, n int) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE cleanups SET found = found + ? WHERE simulation_id = ?`, n, simID); err != nil {
		return fmt.Errorf("storage: cleanup found: %w", err)
	}
	return nil
}

// FinishCleanup records the end of a cleanup (finish) or, after a replay archived
// objects whose archive had failed (their keys: marked archived in the same
// transaction), brings a finished one's message up to date (a cleanup not
// finished is left alone). The message is word's for the objects still failed,
// counted with the cleanup's row locked, so finishers running at once (replayed
// batches) end on the word of the last count, and no reader sees the counts
// without the message that goes with them.
func (s *Store) FinishCleanup(ctx context.Context, simID int64, finish bool, archived []string, word func(failed int64) string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := setCleanupState(ctx, tx, simID, archived, CleanupArchived); err != nil {
			return err
		}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cleanups WHERE simulation_id = ?`+s.forUpdate(), simID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !finish && status != CleanupDone {
			return nil
		}
		if err != nil {
			return err
		}
		var failed int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger WHERE simulation_id = ? AND cleanup_state = ?`,
			simID, CleanupFailed).Scan(&failed); err != nil {
			return err
		}
		if finish {
			_, err = tx.ExecContext(ctx, `UPDATE cleanups SET status = ?, finished_at = ?, message = ? WHERE simulation_id = ?`,
				CleanupDone, now(), word(failed), simID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE cleanups SET message = ? WHERE simulation_id = ?`, word(failed), simID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: finish cleanup: %w", err)
	}
	return nil
}

// RunningCleanups lists the simulations whose cleanup is running.
func (s *Store) RunningCleanups(ctx context.Context) ([]int64, error) {
	return scanAll(ctx, s.db, "running cleanups", func(r rowScanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `SELECT simulation_id FROM cleanups WHERE status = ?`, CleanupRunning)
}

// LedgerByExternalIDs returns the keys of a simulation's ledger rows of a type with
// the given external ids.
func (s *Store) LedgerByExternalIDs(ctx context.Context, simID int64, typ string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{simID, typ}
	for _, id := range ids {
		args = append(args, id)
	}
	return scanAll(ctx, s.db, "ledger by id", func(r rowScanner) (string, error) {
		var k string
		err := r.Scan(&k)
		return k, err
	}, `SELECT record_key FROM ledger WHERE simulation_id = ? AND object_type = ? AND external_id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)`, args...)
}
