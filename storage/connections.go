package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Connection is a HubSpot portal a user connected with a private-app token. The
// token is stored sealed (AES-256-GCM, internal/secret) and never rendered back.
type Connection struct {
	ID                int64
	UserID            int64
	Name              string
	BaseURL           string // https://api.hubapi.com, or a sandbox
	Tier              string // ratelimit tier name
	TokenCiphertext   []byte
	ValidatedAt       *time.Time
	ValidationOK      bool
	ValidationMessage string
	// HistoricalDates sends planned dates (createdate, stage dates) in backfills
	// where the portal's property is writable; off, objects keep HubSpot's dates.
	HistoricalDates bool
	CreatedAt       time.Time
}

const connectionColumns = `id, user_id, name, base_url, tier, token_ciphertext, validated_at, validation_ok, validation_message, historical_dates, created_at`

func scanConnection(row rowScanner) (Connection, error) {
	var (
		c  Connection
		vt sql.NullTime
	)
	err := row.Scan(&c.ID, &c.UserID, &c.Name, &c.BaseURL, &c.Tier, &c.TokenCiphertext, &vt, &c.ValidationOK, &c.ValidationMessage, &c.HistoricalDates, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	if err != nil {
		return Connection{}, fmt.Errorf("storage: connection: %w", err)
	}
	c.ValidatedAt = nullTime(vt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// CreateConnection stores a connection and fills in its id.
func (s *Store) CreateConnection(ctx context.Context, c *Connection) error {
	c.CreatedAt = now()
	var vt any
	if c.ValidatedAt != nil {
		vt = dbTime(*c.ValidatedAt)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO hubspot_connections (user_id, name, base_url, tier, token_ciphertext,
		validated_at, validation_ok, validation_message, historical_dates, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.UserID, c.Name, c.BaseURL, c.Tier, c.TokenCiphertext, vt, c.ValidationOK, c.ValidationMessage, c.HistoricalDates, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("storage: create connection: %w", err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

// Connection returns one connection.
func (s *Store) Connection(ctx context.Context, id int64) (Connection, error) {
	return scanConnection(s.db.QueryRowContext(ctx, `SELECT `+connectionColumns+` FROM hubspot_connections WHERE id = ?`, id))
}

// Connections lists a user's connections (every user's when userID is 0).
func (s *Store) Connections(ctx context.Context, userID int64) ([]Connection, error) {
	q, args := `SELECT `+connectionColumns+` FROM hubspot_connections`, []any{}
	if userID != 0 {
		q += ` WHERE user_id = ?`
		args = append(args, userID)
	}
	return scanAll(ctx, s.db, "connections", scanConnection, q+` ORDER BY id`, args...)
}

// SetConnectionHistoricalDates turns the planned dates of backfills on or off.
func (s *Store) SetConnectionHistoricalDates(ctx context.Context, id int64, on bool) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE hubspot_connections SET historical_dates = ? WHERE id = ?`, on, id); err != nil {
		return fmt.Errorf("storage: connection historical dates: %w", err)
	}
	return nil
}

// SetConnectionValidation records the result of a probe call.
func (s *Store) SetConnectionValidation(ctx context.Context, id int64, ok bool, message string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE hubspot_connections SET validated_at = ?, validation_ok = ?, validation_message = ? WHERE id = ?`,
		now(), ok, message, id)
	if err != nil {
		return fmt.Errorf("storage: connection validation: %w", err)
	}
	return nil
}

// DeleteConnection removes a connection; one still used by a simulation is ErrConflict.
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM simulations WHERE connection_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("storage: delete connection: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: %d simulations use this connection", ErrConflict, n)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM hubspot_connections WHERE id = ?`, id); err != nil {
		return fmt.Errorf("storage: delete connection: %w", err)
	}
	return nil
}
