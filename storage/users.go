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
	DisabledAt   *time.Time // set: the account can neither log in nor use its sessions and API tokens
}

// IsBoss reports whether the user triages the DLQ and manages others.
func (u User) IsBoss() bool { return u.Role == RoleBoss }

// Disabled reports whether a boss disabled the account.
func (u User) Disabled() bool { return u.DisabledAt != nil }

const userColumns = `id, email, password_hash, role, created_at, disabled_at`

// liveUserColumns are userColumns of the alias u, for joins that find the user of
// a session or an API token.
const liveUserColumns = `u.id, u.email, u.password_hash, u.role, u.created_at, u.disabled_at`

func scanUser(row rowScanner) (User, error) {
	var (
		u  User
		da sql.NullTime
	)
	err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.Role, &u.CreatedAt, &da)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("storage: user: %w", err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.DisabledAt = nullTime(da)
	return u, nil
}

// ErrSignupClosed is returned by CreateFirstUser once an account exists.
var ErrSignupClosed = errors.New("storage: sign-up is closed")

// CreateUser adds an account. The first account ever created is a boss, whatever
// role was asked for; later ones get the role asked for. A taken email is
// ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash, role string) (User, error) {
	var u User
	err := retryDeadlock(func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			u, err = s.createUser(ctx, tx, email, passwordHash, role, false)
			return err
		})
	})
	return u, err
}

// CreateFirstUser adds the first account, a boss; once any account exists it is
// ErrSignupClosed.
func (s *Store) CreateFirstUser(ctx context.Context, email, passwordHash string) (User, error) {
	var u User
	err := retryDeadlock(func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			var err error
			u, err = s.createUser(ctx, tx, email, passwordHash, RoleBoss, true)
			return err
		})
	})
	return u, err
}

// createUser inserts an account in tx; the count is a locking read on MySQL so
// two first sign-ups at once cannot both become the first.
func (s *Store) createUser(ctx context.Context, tx *sql.Tx, email, passwordHash, role string, firstOnly bool) (User, error) {
	q := `SELECT COUNT(*) FROM users`
	if s.dialect == MySQL {
		q = `SELECT COUNT(*) FROM (SELECT id FROM users FOR UPDATE) AS u`
	}
	var n int
	if err := tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return User{}, fmt.Errorf("storage: count users: %w", err)
	}
	if n > 0 && firstOnly {
		return User{}, ErrSignupClosed
	}
	if n == 0 {
		role = RoleBoss
	}
	at := now()
	res, err := tx.ExecContext(ctx,
		`INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)`,
		email, passwordHash, role, at)
	if isDuplicate(err) {
		return User{}, ErrDuplicate
	}
	if err != nil {
		return User{}, fmt.Errorf("storage: create user: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return User{}, fmt.Errorf("storage: create user: %w", err)
	}
	return User{ID: id, Email: email, PasswordHash: passwordHash, Role: role, CreatedAt: at}, nil
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

// ErrLastBoss is returned when a change would leave no enabled boss.
var ErrLastBoss = errors.New("storage: the last boss cannot be demoted or disabled")

// SetUserRole changes an account's role. Demoting the last enabled boss is
// ErrLastBoss.
func (s *Store) SetUserRole(ctx context.Context, id int64, role string) error {
	return s.changeUser(ctx, id, role != RoleBoss, `UPDATE users SET role = ? WHERE id = ?`, role, id)
}

// SetUserDisabled disables an account (ending its sessions) or enables it again.
// Disabling the last enabled boss is ErrLastBoss.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	var at any
	if disabled {
		at = now()
	}
	err := s.changeUser(ctx, id, disabled, `UPDATE users SET disabled_at = ? WHERE id = ?`, at, id)
	if err != nil || !disabled {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
		return fmt.Errorf("storage: end sessions: %w", err)
	}
	return nil
}

// changeUser runs an update of one account in a transaction that holds every
// boss row, so two bosses demoting or disabling each other at once cannot leave
// none (SQLite's transactions are exclusive already). removesBoss: the change
// takes the account out of the enabled bosses.
func (s *Store) changeUser(ctx context.Context, id int64, removesBoss bool, query string, args ...any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q := `SELECT id FROM users WHERE role = ? AND disabled_at IS NULL`
		if s.dialect == MySQL {
			q += ` FOR UPDATE`
		}
		rows, err := tx.QueryContext(ctx, q, RoleBoss)
		if err != nil {
			return fmt.Errorf("storage: bosses: %w", err)
		}
		others, isBoss := 0, false
		for rows.Next() {
			var b int64
			if err := rows.Scan(&b); err != nil {
				rows.Close()
				return fmt.Errorf("storage: bosses: %w", err)
			}
			if b == id {
				isBoss = true
			} else {
				others++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("storage: bosses: %w", err)
		}
		if removesBoss && isBoss && others == 0 {
			return ErrLastBoss
		}
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("storage: change user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// MySQL reports 0 rows when the value is unchanged; check existence.
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			} else if err != nil {
				return fmt.Errorf("storage: change user: %w", err)
			}
		}
		return nil
	})
}

// SetUserPassword replaces an account's password hash and ends its sessions.
func (s *Store) SetUserPassword(ctx context.Context, id int64, passwordHash string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, id); err != nil {
			return fmt.Errorf("storage: set password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("storage: end sessions: %w", err)
		}
		return nil
	})
}

// UserCount returns how many accounts exist.
func (s *Store) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count users: %w", err)
	}
	return n, nil
}
