// Package storage is SimCRM's access to its database (MySQL/MariaDB or SQLite) and to
// Redis: one Store type, one file per entity, raw SQL in the common subset of both
// dialects.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // SQLite driver

	"github.com/simcrm/simcrm/migrations"
	"github.com/simcrm/simcrm/storage/internal/sqlrows"
	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("storage: not found")

// ErrDuplicate is returned when a unique value (an email, a key) is already taken.
var ErrDuplicate = errors.New("storage: duplicate")

// Dialects.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Store is SimCRM's database.
type Store struct {
	db      *sql.DB
	dialect string
	sandbox *sandboxstore.Store
	up      atomic.Bool
	watched atomic.Bool
}

// Open connects to the database of a dialect (MySQL DSN, or SQLite file path) and
// checks that it answers.
func Open(ctx context.Context, dialect, dsn string) (*Store, error) {
	var (
		db  *sql.DB
		err error
	)
	switch dialect {
	case MySQL:
		var cfg *mysql.Config
		if cfg, err = mysql.ParseDSN(dsn); err != nil {
			return nil, fmt.Errorf("storage: MySQL DSN: %w", err)
		}
		cfg.ParseTime, cfg.Loc, cfg.MultiStatements = true, time.UTC, false
		db, err = sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			db.SetMaxOpenConns(32)
			db.SetMaxIdleConns(16)
			db.SetConnMaxLifetime(30 * time.Minute)
		}
	case SQLite:
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err == nil {
			db.SetMaxOpenConns(8)
		}
	default:
		return nil, fmt.Errorf("storage: unknown dialect %q", dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dialect, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("storage: connect %s: %w", dialect, err)
	}
	return &Store{db: db, dialect: dialect, sandbox: sandboxstore.New(db, dialect)}, nil
}

// Sandbox returns the built-in sandbox's tables, which share this database (and
// its migrations) but nothing else.
func (s *Store) Sandbox() *sandboxstore.Store { return s.sandbox }

// Dialect returns "mysql" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.db.PingContext(ctx)
}

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version   int64
	Source    string
	Applied   bool
	AppliedAt time.Time
}

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations.FS, s.dialect)
	if err != nil {
		return nil, err
	}
	d := goose.DialectMySQL
	if s.dialect == SQLite {
		d = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(d, s.db, sub)
	if err != nil {
		return nil, fmt.Errorf("storage: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("storage: migrate up: %w", err)
	}
	return nil
}

// MigrateDown rolls back the most recent migration.
func (s *Store) MigrateDown(ctx context.Context) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("storage: migrate down: %w", err)
	}
	return nil
}

// Migrations lists every migration with its state.
func (s *Store) Migrations(ctx context.Context) ([]MigrationState, error) {
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, m := range st {
		out = append(out, MigrationState{
			Version:   m.Source.Version,
			Source:    m.Source.Path,
			Applied:   m.State == goose.StateApplied,
			AppliedAt: m.AppliedAt,
		})
	}
	return out, nil
}

// now is the database's notion of a timestamp: UTC, millisecond precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// dbTime normalises a time for storage and comparison in both dialects.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// querier is a *sql.DB or a *sql.Tx.
type querier = sqlrows.Querier

// rowScanner is a *sql.Row or *sql.Rows, for the scan functions of each entity.
type rowScanner = sqlrows.Scanner

// scanAll runs a query and reads each row with scan; what names the query in errors.
func scanAll[T any](ctx context.Context, q querier, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	return sqlrows.All(ctx, q, "storage: "+what, scan, query, args...)
}

// keyedInts reads rows of (text, whole number) into a map; what names the query in
// errors.
func keyedInts[N int | int64](ctx context.Context, q querier, what, query string, args ...any) (map[string]N, error) {
	return sqlrows.KeyedInts[N](ctx, q, "storage: "+what, query, args...)
}

// nullTime turns a NULL-able column into a *time.Time.
func nullTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// isDuplicate reports a unique-key violation in either dialect.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return containsAny(msg, "Duplicate entry", "UNIQUE constraint failed", "Error 1062")
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storage: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	return nil
}

// Watch pings the database every interval until ctx ends, so Up answers without a
// round trip on every page.
func (s *Store) Watch(ctx context.Context, interval time.Duration) {
	s.up.Store(s.Ping(ctx) == nil)
	s.watched.Store(true)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.up.Store(s.Ping(ctx) == nil)
			}
		}
	}()
}

// Up reports whether the database answered its last check (true before Watch runs).
func (s *Store) Up() bool { return !s.down() }

func (s *Store) down() bool { return s.watched.Load() && !s.up.Load() }
