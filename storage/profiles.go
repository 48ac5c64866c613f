package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Profile is a named set of new-simulation settings a user starts simulations from.
type Profile struct {
	ID        int64
	UserID    int64
	Name      string
	Settings  string // JSON: the new-simulation form's values
	CreatedAt time.Time
	UpdatedAt time.Time
}

func scanProfile(r rowScanner) (Profile, error) {
	var p Profile
	err := r.Scan(&p.ID, &p.UserID, &p.Name, &p.Settings, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("storage: profile: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

const profileColumns = `id, user_id, name, settings, created_at, updated_at`

// SaveProfile stores a user's profile under its name; a profile of the same name is
// replaced. It fills in the id.
func (s *Store) SaveProfile(ctx context.Context, p *Profile) error {
	at := now()
	q := `INSERT INTO simulation_profiles (user_id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?) `
	if s.dialect == MySQL {
		q += `ON DUPLICATE KEY UPDATE settings = VALUES(settings), updated_at = VALUES(updated_at)`
	} else {
		q += `ON CONFLICT (user_id, name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`
	}
	if _, err := s.db.ExecContext(ctx, q, p.UserID, p.Name, p.Settings, at, at); err != nil {
		return fmt.Errorf("storage: save profile: %w", err)
	}
	saved, err := scanProfile(s.db.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM simulation_profiles WHERE user_id = ? AND name = ?`, p.UserID, p.Name))
	if err != nil {
		return err
	}
	*p = saved
	return nil
}

// Profile returns one profile.
func (s *Store) Profile(ctx context.Context, id int64) (Profile, error) {
	return scanProfile(s.db.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM simulation_profiles WHERE id = ?`, id))
}

// Profiles lists a user's profiles by name.
func (s *Store) Profiles(ctx context.Context, userID int64) ([]Profile, error) {
	return scanAll(ctx, s.db, "profiles", scanProfile, `SELECT `+profileColumns+` FROM simulation_profiles WHERE user_id = ? ORDER BY name`, userID)
}

// DeleteProfile removes a profile.
func (s *Store) DeleteProfile(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM simulation_profiles WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("storage: delete profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
