// Package sandboxstore holds the tables of the built-in HubSpot sandbox
// (internal/sandbox): its objects, associations, custom properties and search. It
// shares SimCRM's database and migrations with package storage but nothing else, so
// the sandbox never sees users, sessions or simulations.
package sandboxstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/simcrm/simcrm/storage/internal/sqlrows"
)

// ErrNotFound is returned when a looked-up object does not exist.
var ErrNotFound = errors.New("sandboxstore: not found")

// ErrDuplicate is returned when a unique value (a property name, a unique
// property's value) is already taken.
var ErrDuplicate = errors.New("sandboxstore: duplicate")

// dialectMySQL is storage.MySQL; any other dialect is SQLite.
const dialectMySQL = "mysql"

// Store is the sandbox's tables in one database.
type Store struct {
	db      *sql.DB
	dialect string

	idMu          sync.Mutex // guards idNext and idEnd, the reserved object id range
	idNext, idEnd int64
	// writeMu queues SQLite writers in the process instead of letting them poll
	// SQLite's busy handler.
	writeMu sync.Mutex
}

// New returns the sandbox's tables in a migrated database of a dialect ("mysql" or
// "sqlite").
func New(db *sql.DB, dialect string) *Store {
	return &Store{db: db, dialect: dialect}
}

func (s *Store) mysql() bool { return s.dialect == dialectMySQL }

// now is the database's notion of a timestamp: UTC, millisecond precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// querier is a *sql.DB or a *sql.Tx.
type querier = sqlrows.Querier

// rowScanner is a *sql.Row or *sql.Rows, for the scan functions of each entity.
type rowScanner = sqlrows.Scanner

// scanAll runs a query and reads each row with scan; what names the query in errors.
func scanAll[T any](ctx context.Context, q querier, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	return sqlrows.All(ctx, q, "sandboxstore: "+what, scan, query, args...)
}

// keyedInts reads rows of (text, whole number) into a map; what names the query in
// errors.
func keyedInts[N int | int64](ctx context.Context, q querier, what, query string, args ...any) (map[string]N, error) {
	return sqlrows.KeyedInts[N](ctx, q, "sandboxstore: "+what, query, args...)
}

// isDuplicate reports a unique-key violation in either dialect.
func isDuplicate(err error) bool {
	return err != nil && containsAny(err.Error(), "Duplicate entry", "UNIQUE constraint failed", "Error 1062")
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
		return fmt.Errorf("sandboxstore: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sandboxstore: commit: %w", err)
	}
	return nil
}
