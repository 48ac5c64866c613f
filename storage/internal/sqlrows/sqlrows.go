// Package sqlrows holds the row loops that storage and its sandbox tables share, so
// each reads rows one way.
package sqlrows

import (
	"context"
	"database/sql"
	"fmt"
)

// Querier is a *sql.DB or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Scanner is a *sql.Row or *sql.Rows, for the scan function of each entity.
type Scanner = interface{ Scan(...any) error }

// All runs a query and reads each row with scan; what names the query in errors.
func All[T any](ctx context.Context, q Querier, what string, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// KeyedInts reads rows of (text, whole number), such as counts per category, into
// a map; what names the query in errors.
func KeyedInts[N int | int64](ctx context.Context, q Querier, what, query string, args ...any) (map[string]N, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]N{}
	for rows.Next() {
		var (
			k string
			n N
		)
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
