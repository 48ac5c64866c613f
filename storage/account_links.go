package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of account link.
const (
	LinkInvite = "invite" // creates an account with the link's role
	LinkReset  = "reset"  // sets a new password for the link's account
)

// AccountLink is a single-use link a boss hands out: an invite or a password
// reset. Only the SHA-256 of its token is stored.
type AccountLink struct {
	ID        int64
	Kind      string
	Role      string // invites: the role the new account gets
	UserID    *int64 // resets: the account
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	UsedBy    *int64
}

// Open reports whether the link can still be used at t.
func (l AccountLink) Open(t time.Time) bool { return l.UsedAt == nil && t.Before(l.ExpiresAt) }

const accountLinkColumns = `id, kind, role, user_id, created_by, created_at, expires_at, used_at, used_by`

func scanAccountLink(row rowScanner) (AccountLink, error) {
	var (
		l            AccountLink
		user, usedBy sql.NullInt64
		usedAt       sql.NullTime
	)
	err := row.Scan(&l.ID, &l.Kind, &l.Role, &user, &l.CreatedBy, &l.CreatedAt, &l.ExpiresAt, &usedAt, &usedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return AccountLink{}, ErrNotFound
	}
	if err != nil {
		return AccountLink{}, fmt.Errorf("storage: account link: %w", err)
	}
	l.CreatedAt, l.ExpiresAt = l.CreatedAt.UTC(), l.ExpiresAt.UTC()
	l.UsedAt = nullTime(usedAt)
	if user.Valid {
		l.UserID = &user.Int64
	}
	if usedBy.Valid {
		l.UsedBy = &usedBy.Int64
	}
	return l, nil
}

// CreateAccountLink stores a link under the hash of its token and fills in its id.
func (s *Store) CreateAccountLink(ctx context.Context, l *AccountLink, tokenHash string) error {
	l.CreatedAt = now()
	l.ExpiresAt = dbTime(l.ExpiresAt)
	res, err := s.db.ExecContext(ctx, `INSERT INTO account_links (token_hash, kind, role, user_id, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash, l.Kind, l.Role, l.UserID, l.CreatedBy, l.CreatedAt, l.ExpiresAt)
	if err != nil {
		return fmt.Errorf("storage: create account link: %w", err)
	}
	l.ID, err = res.LastInsertId()
	return err
}

// OpenAccountLink returns the unused, unexpired link of a kind with a token hash;
// any other is ErrNotFound.
func (s *Store) OpenAccountLink(ctx context.Context, kind, tokenHash string) (AccountLink, error) {
	return scanAccountLink(s.db.QueryRowContext(ctx, `SELECT `+accountLinkColumns+` FROM account_links
		WHERE token_hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, kind, now()))
}

// AccountLinks lists the links made since a time, newest first.
func (s *Store) AccountLinks(ctx context.Context, since time.Time) ([]AccountLink, error) {
	return scanAll(ctx, s.db, "account links", scanAccountLink,
		`SELECT `+accountLinkColumns+` FROM account_links WHERE created_at > ? ORDER BY id DESC`, dbTime(since))
}

// AcceptInvite uses an open invite: it creates the account with the invite's role.
// A used, expired or unknown invite is ErrNotFound; a taken email ErrDuplicate
// (and the invite stays open).
func (s *Store) AcceptInvite(ctx context.Context, tokenHash, email, passwordHash string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		l, err := claimLink(ctx, tx, LinkInvite, tokenHash)
		if err != nil {
			return err
		}
		if u, err = s.createUser(ctx, tx, email, passwordHash, l.Role, false); err != nil {
			return err
		}
		return markLinkUser(ctx, tx, l.ID, u.ID)
	})
	return u, err
}

// ResetPassword uses an open reset link: it sets the account's new password and
// ends its sessions. A used, expired or unknown link is ErrNotFound.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		l, err := claimLink(ctx, tx, LinkReset, tokenHash)
		if err != nil {
			return err
		}
		if l.UserID == nil {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, *l.UserID); err != nil {
			return fmt.Errorf("storage: reset password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, *l.UserID); err != nil {
			return fmt.Errorf("storage: end sessions: %w", err)
		}
		if u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, *l.UserID)); err != nil {
			return err
		}
		return markLinkUser(ctx, tx, l.ID, u.ID)
	})
	return u, err
}

// claimLink marks an open link used in tx, in one statement, so two requests
// with the same link cannot both use it.
func claimLink(ctx context.Context, tx *sql.Tx, kind, tokenHash string) (AccountLink, error) {
	at := now()
	res, err := tx.ExecContext(ctx, `UPDATE account_links SET used_at = ?
		WHERE token_hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?`, at, tokenHash, kind, at)
	if err != nil {
		return AccountLink{}, fmt.Errorf("storage: use account link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return AccountLink{}, ErrNotFound
	}
	return scanAccountLink(tx.QueryRowContext(ctx, `SELECT `+accountLinkColumns+` FROM account_links WHERE token_hash = ?`, tokenHash))
}

func markLinkUser(ctx context.Context, tx *sql.Tx, linkID, userID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE account_links SET used_by = ? WHERE id = ?`, userID, linkID); err != nil {
		return fmt.Errorf("storage: use account link: %w", err)
	}
	return nil
}
