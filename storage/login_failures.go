package storage

import (
	"context"
	"fmt"
	"time"
)

// RecordLoginFailure notes a failed sign-in for an email and an address.
func (s *Store) RecordLoginFailure(ctx context.Context, email, ip string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (email, ip, at) VALUES (?, ?, ?)`, email, ip, now())
	if err != nil {
		return fmt.Errorf("storage: login failure: %w", err)
	}
	return nil
}

// LoginFailures counts failed sign-ins since a time, for an email and for an address.
func (s *Store) LoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, err error) {
	since = dbTime(since)
	if err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = ? AND at > ?`, email, since).Scan(&byEmail); err != nil {
		return 0, 0, fmt.Errorf("storage: login failures: %w", err)
	}
	if err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at > ?`, ip, since).Scan(&byIP); err != nil {
		return 0, 0, fmt.Errorf("storage: login failures: %w", err)
	}
	return byEmail, byIP, nil
}

// ClearLoginFailures forgets an email's failures after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ?`, email); err != nil {
		return fmt.Errorf("storage: clear login failures: %w", err)
	}
	return nil
}
