package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIToken is a bearer token for the JSON API; only its SHA-256 is stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// CreateAPIToken stores the hash of a new token.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, tokenHash string) (APIToken, error) {
	at := now()
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)`,
		userID, tokenHash, name, at)
	if err != nil {
		return APIToken{}, fmt.Errorf("storage: create api token: %w", err)
	}
	id, _ := res.LastInsertId()
	return APIToken{ID: id, UserID: userID, Name: name, CreatedAt: at}, nil
}

// APITokenUser returns the owner of a token hash and notes its use; an unknown
// token or one of a disabled account is ErrNotFound.
func (s *Store) APITokenUser(ctx context.Context, tokenHash string) (User, error) {
	var tokenID int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE token_hash = ?`, tokenHash).Scan(&tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("storage: api token: %w", err)
	}
	_, _ = s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now(), tokenID)
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+liveUserColumns+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ? AND u.disabled_at IS NULL`, tokenID))
}
