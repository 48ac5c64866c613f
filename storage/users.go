package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Roles.
const (
	RolePlayer = "player"
	RoleBoss   = "boss"
)

// User is an account.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
}

// IsBoss reports whether the user triages the DLQ and manages others.
func (u User) IsBoss() bool { return u.Role == RoleBoss }

const userColumns = `id, email, password_hash, role, created_at`

func scanUser(row rowScanner) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("storage: user: %w", err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

// CreateUser adds an account. The first account ever created is a boss, whatever
// role was asked for; later ones get the role asked for. A taken email is
// ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash, role string) (User, error) {
	var u User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("storage: count users: %w", err)
		}
		if n == 0 {
			role = RoleBoss
		}
		at := now()
		res, err := tx.ExecContext(ctx,
			`INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)`,
			email, passwordHash, role, at)
		if isDuplicate(err) {
			return ErrDuplicate
		}
		if err != nil {
			return fmt.Errorf("storage: create user: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("storage: create user: %w", err)
		}
		u = User{ID: id, Email: email, PasswordHash: passwordHash, Role: role, CreatedAt: at}
		return nil
	})
	return u, err
}

// User returns an account by id.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// UserByEmail returns an account by its (lower-cased) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// Users lists every account, oldest first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return scanAll(ctx, s.db, "users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY id`)
}

// SetUserRole changes an account's role.
func (s *Store) SetUserRole(ctx context.Context, id int64, role string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)
	if err != nil {
		return fmt.Errorf("storage: set role: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// MySQL reports 0 rows when the value is unchanged; check existence.
		if _, err := s.User(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// UserCount returns how many accounts exist.
func (s *Store) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count users: %w", err)
	}
	return n, nil
}
