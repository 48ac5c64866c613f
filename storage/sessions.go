package storage

import (
	"context"
	"fmt"
	"time"
)

// Session is a signed-in browser. Its id is the SHA-256 of the cookie value, so a
// database dump does not hand out live sessions.
type Session struct {
	ID        string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		sess.ID, sess.UserID, dbTime(sess.CreatedAt), dbTime(sess.ExpiresAt))
	if err != nil {
		return fmt.Errorf("storage: create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of a live session; an unknown or expired session,
// or one of a disabled account, is ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, id string) (User, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+liveUserColumns+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ? AND s.expires_at > ? AND u.disabled_at IS NULL`, id, now())
	return scanUser(row)
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("storage: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now())
	if err != nil {
		return 0, fmt.Errorf("storage: expire sessions: %w", err)
	}
	return res.RowsAffected()
}
