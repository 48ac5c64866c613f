package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LoginRule limits the password checks of one throttle key (an account, a client
// address, or the pair of both).
type LoginRule struct {
	Key    string        // e.g. "account:" + email
	Max    int           // checks admitted in one window without waiting
	Window time.Duration // the count starts again a window after its first check
	// Backoff, when set, admits further checks past Max one at a time, each
	// Backoff·2^(n-Max) after the previous one (at most a window apart).
	Backoff time.Duration
}

// admit decides one check against a key's row at t: whether it may go ahead and,
// if not, how long to wait. A new or expired window starts at t.
func (r LoginRule) admit(attempts int, windowStart, lastAt, t time.Time) (ok bool, wait time.Duration, newAttempts int, newStart time.Time) {
	if !t.Before(windowStart.Add(r.Window)) {
		attempts, windowStart = 0, t
	}
	if attempts < r.Max {
		return true, 0, attempts + 1, windowStart
	}
	windowLeft := windowStart.Add(r.Window).Sub(t)
	if r.Backoff <= 0 {
		return false, windowLeft, attempts, windowStart
	}
	delay := r.Window
	if n := attempts - r.Max; n < 30 {
		delay = min(r.Backoff<<n, r.Window)
	}
	if next := lastAt.Add(delay); t.Before(next) {
		return false, min(next.Sub(t), windowLeft), attempts, windowStart
	}
	return true, 0, attempts + 1, windowStart
}

// AdmitLogin checks and records one password check against every rule, in order,
// in one transaction that holds each key's row: however many requests arrive at
// once, no more than the rules allow get through. An admitted check is recorded
// before the password is compared; wait > 0 means refused (and the rules after
// the refusing one are left alone).
func (s *Store) AdmitLogin(ctx context.Context, rules []LoginRule) (wait time.Duration, err error) {
	// Concurrent first inserts of a key can deadlock on MySQL's gap locks.
	err = retryDeadlock(func() error {
		var err error
		wait, err = s.admitLogin(ctx, rules)
		return err
	})
	return wait, err
}

func (s *Store) admitLogin(ctx context.Context, rules []LoginRule) (time.Duration, error) {
	var wait time.Duration
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		t := now()
		for _, r := range rules {
			ensure := `INSERT INTO login_throttle (throttle_key, attempts, window_start, last_at) VALUES (?, 0, ?, ?)
				ON CONFLICT (throttle_key) DO NOTHING`
			read := `SELECT attempts, window_start, last_at FROM login_throttle WHERE throttle_key = ?`
			if s.dialect == MySQL {
				ensure = `INSERT INTO login_throttle (throttle_key, attempts, window_start, last_at) VALUES (?, 0, ?, ?)
					ON DUPLICATE KEY UPDATE throttle_key = throttle_key`
				read += ` FOR UPDATE`
			}
			if _, err := tx.ExecContext(ctx, ensure, r.Key, t, t); err != nil {
				return fmt.Errorf("storage: login throttle: %w", err)
			}
			var (
				attempts      int
				start, lastAt time.Time
			)
			if err := tx.QueryRowContext(ctx, read, r.Key).Scan(&attempts, &start, &lastAt); err != nil {
				return fmt.Errorf("storage: login throttle: %w", err)
			}
			ok, w, attempts, start := r.admit(attempts, start.UTC(), lastAt.UTC(), t)
			if !ok {
				wait = max(w, time.Millisecond)
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE login_throttle SET attempts = ?, window_start = ?, last_at = ? WHERE throttle_key = ?`,
				attempts, dbTime(start), t, r.Key); err != nil {
				return fmt.Errorf("storage: login throttle: %w", err)
			}
		}
		return nil
	})
	return wait, err
}

// ForgetLogin clears keys after a successful log-in, and drops every key idle for
// a day.
func (s *Store) ForgetLogin(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE throttle_key = ?`, k); err != nil {
			return fmt.Errorf("storage: login throttle: %w", err)
		}
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE last_at < ?`, now().Add(-24*time.Hour)); err != nil {
		return fmt.Errorf("storage: login throttle: %w", err)
	}
	return nil
}
