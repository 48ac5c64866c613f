package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Account actions in the audit.
const (
	AuditInvite      = "invite"
	AuditJoin        = "join"
	AuditRole        = "role"
	AuditDisable     = "disable"
	AuditEnable      = "enable"
	AuditResetLink   = "reset-link"
	AuditResetDone   = "reset-done"
	AuditSignupFirst = "signup"
)

// AccountEvent is one audited account action: who did what to which account.
type AccountEvent struct {
	ID           int64
	At           time.Time
	ActorID      *int64 // nil: the subject acted alone (sign-up, an invite or reset used)
	ActorEmail   string
	Action       string
	SubjectEmail string
	Detail       string
}

func scanAccountEvent(row rowScanner) (AccountEvent, error) {
	var (
		e     AccountEvent
		actor sql.NullInt64
	)
	err := row.Scan(&e.ID, &e.At, &actor, &e.ActorEmail, &e.Action, &e.SubjectEmail, &e.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return AccountEvent{}, ErrNotFound
	}
	if err != nil {
		return AccountEvent{}, fmt.Errorf("storage: account event: %w", err)
	}
	e.At = e.At.UTC()
	if actor.Valid {
		e.ActorID = &actor.Int64
	}
	return e, nil
}

// AddAccountEvent appends to the account audit.
func (s *Store) AddAccountEvent(ctx context.Context, e AccountEvent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO account_audit (at, actor_id, actor_email, action, subject_email, detail)
		VALUES (?, ?, ?, ?, ?, ?)`, now(), e.ActorID, e.ActorEmail, e.Action, e.SubjectEmail, e.Detail)
	if err != nil {
		return fmt.Errorf("storage: account audit: %w", err)
	}
	return nil
}

// AccountEvents returns the newest audited account actions.
func (s *Store) AccountEvents(ctx context.Context, limit int) ([]AccountEvent, error) {
	return scanAll(ctx, s.db, "account audit", scanAccountEvent,
		`SELECT id, at, actor_id, actor_email, action, subject_email, detail FROM account_audit ORDER BY id DESC LIMIT ?`, limit)
}
