package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Audit actions: every boss action on the DLQ leaves one audit row.
const (
	AuditReplay  = "replay" // dry runs included (DryRun tells them apart)
	AuditResolve = "resolve"
	AuditDiscard = "discard"
)

// Audit outcomes.
const (
	AuditPending     = "pending" // begun, not finished (a crash in between leaves this)
	AuditOK          = "ok"
	AuditPartial     = "partial" // some selected rows could not be enqueued
	AuditFailed      = "failed"
	AuditRateLimited = "rate_limited" // refused by the per-user limit; not counted by it
)

// ReplayAudit is one audited DLQ action: who, when, on which filter, and what came
// of it.
type ReplayAudit struct {
	ID             int64
	UserID         int64
	UserEmail      string // filled in by reads
	At             time.Time
	Action         string
	SimulationID   int64  // 0 = across simulations
	Filters        string // the filter as JSON
	Strategy       string
	Limit          int
	MaxPerCategory int
	UseFullRetry   bool
	DryRun         bool
	Candidates     int
	Selected       int
	Replayed       int
	Outcome        string
	Reason         string // resolve/discard: the boss's reason
	Message        string // what went wrong, or a note on the outcome
}

// ReplayLimitError refuses a replay call beyond the per-user limit.
type ReplayLimitError struct {
	RetryAfter time.Duration
}

func (e *ReplayLimitError) Error() string {
	return fmt.Sprintf("storage: replay limit reached, retry in %s", e.RetryAfter.Round(time.Millisecond))
}

// BeginReplayAudit records the start of a replay call (a dry run too) unless the
// user already made max real replays in the last window: then it records the
// refused call (outcome rate_limited, which the limit does not count) and
// returns a *ReplayLimitError saying when to try again. Dry runs change nothing,
// so they are neither limited nor counted. The limit counts rows in the
// database, so it holds with Redis down and across replicas.
func (s *Store) BeginReplayAudit(ctx context.Context, a *ReplayAudit, window time.Duration, max int) error {
	a.Action = AuditReplay
	var limited *ReplayLimitError
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == MySQL {
			// One replay call per user at a time decides against the limit.
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE id = ? FOR UPDATE`, a.UserID).Scan(&id); err != nil {
				return fmt.Errorf("storage: replay limit: %w", err)
			}
		}
		at := now()
		a.At, a.Outcome = at, AuditPending
		if a.DryRun {
			return insertAudit(ctx, tx, a)
		}
		rows, err := tx.QueryContext(ctx, `SELECT at FROM replay_audit WHERE user_id = ? AND action = ? AND dry_run = ? AND outcome <> ?
			AND at > ? ORDER BY at DESC LIMIT ?`, a.UserID, AuditReplay, false, AuditRateLimited, dbTime(at.Add(-window)), max)
		if err != nil {
			return fmt.Errorf("storage: replay limit: %w", err)
		}
		var recent []time.Time
		for rows.Next() {
			var t time.Time
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return fmt.Errorf("storage: replay limit: %w", err)
			}
			recent = append(recent, t.UTC())
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("storage: replay limit: %w", err)
		}
		if len(recent) >= max {
			wait := recent[len(recent)-1].Add(window).Sub(at)
			if wait < time.Millisecond {
				wait = time.Millisecond
			}
			limited = &ReplayLimitError{RetryAfter: wait}
			a.Outcome = AuditRateLimited
			a.Message = fmt.Sprintf("%d replay calls in the last %s; retry in %d ms", len(recent), window, wait.Milliseconds())
		}
		return insertAudit(ctx, tx, a)
	})
	if err != nil {
		return err
	}
	if limited != nil {
		return limited
	}
	return nil
}

// AddAudit records a finished audit entry (resolve, discard) and fills in its id.
func (s *Store) AddAudit(ctx context.Context, a *ReplayAudit) error {
	a.At = now()
	if a.Outcome == "" {
		a.Outcome = AuditOK
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, a) })
}

func insertAudit(ctx context.Context, tx *sql.Tx, a *ReplayAudit) error {
	var sim any
	if a.SimulationID != 0 {
		sim = a.SimulationID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO replay_audit (user_id, at, filters, strategy, limit_n, max_per_category,
		use_full_retry, dry_run, candidates, selected, replayed, action, outcome, simulation_id, reason, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.UserID, a.At, a.Filters, a.Strategy, a.Limit, a.MaxPerCategory, a.UseFullRetry, a.DryRun, a.Candidates,
		a.Selected, a.Replayed, a.Action, a.Outcome, sim, clip(a.Reason, 500), clip(a.Message, 500))
	if err != nil {
		return fmt.Errorf("storage: audit: %w", err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("storage: audit: %w", err)
	}
	return nil
}

// FinishReplayAudit stores what a begun replay call came to.
func (s *Store) FinishReplayAudit(ctx context.Context, a *ReplayAudit) error {
	_, err := s.db.ExecContext(ctx, `UPDATE replay_audit SET candidates = ?, selected = ?, replayed = ?, outcome = ?,
		message = ? WHERE id = ?`, a.Candidates, a.Selected, a.Replayed, a.Outcome, clip(a.Message, 500), a.ID)
	if err != nil {
		return fmt.Errorf("storage: finish audit: %w", err)
	}
	return nil
}

const auditColumns = `a.id, a.user_id, COALESCE(u.email, ''), a.at, a.action, a.simulation_id, a.filters, a.strategy,
	a.limit_n, a.max_per_category, a.use_full_retry, a.dry_run, a.candidates, a.selected, a.replayed, a.outcome,
	a.reason, a.message`

func scanAudit(row rowScanner) (ReplayAudit, error) {
	var (
		a   ReplayAudit
		sim sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.UserID, &a.UserEmail, &a.At, &a.Action, &sim, &a.Filters, &a.Strategy, &a.Limit,
		&a.MaxPerCategory, &a.UseFullRetry, &a.DryRun, &a.Candidates, &a.Selected, &a.Replayed, &a.Outcome,
		&a.Reason, &a.Message)
	if errors.Is(err, sql.ErrNoRows) {
		return ReplayAudit{}, ErrNotFound
	}
	if err != nil {
		return ReplayAudit{}, fmt.Errorf("storage: audit: %w", err)
	}
	a.At = a.At.UTC()
	a.SimulationID = sim.Int64
	return a, nil
}

// ReplayAuditEntry returns one audit row.
func (s *Store) ReplayAuditEntry(ctx context.Context, id int64) (ReplayAudit, error) {
	return scanAudit(s.db.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM replay_audit a
		LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?`, id))
}

// ReplayAudits lists audit rows newest first, limit at a time (keyset on id: pass
// the previous page's next as before); next is 0 on the last page.
func (s *Store) ReplayAudits(ctx context.Context, before int64, limit int) (list []ReplayAudit, next int64, err error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + auditColumns + ` FROM replay_audit a LEFT JOIN users u ON u.id = a.user_id`
	args := []any{}
	if before > 0 {
		q += ` WHERE a.id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, limit+1)
	if list, err = scanAll(ctx, s.db, "audits", scanAudit, q, args...); err != nil {
		return nil, 0, err
	}
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ID
	}
	return list, next, nil
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
