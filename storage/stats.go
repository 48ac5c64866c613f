package storage

import (
	"context"
	"fmt"
)

// Stats are process-wide tallies for the Prometheus exporter.
type Stats struct {
	SimulationsByStatus map[string]int64
	OpenDLQByCategory   map[string]int64
	LedgerObjects       int64
}

// Stats tallies simulations by state, open DLQ rows by category and ledger rows.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{SimulationsByStatus: map[string]int64{}, OpenDLQByCategory: map[string]int64{}}
	if err := s.groupCount(ctx, `SELECT status, COUNT(*) FROM simulations GROUP BY status`, nil, st.SimulationsByStatus); err != nil {
		return st, err
	}
	if err := s.groupCount(ctx, `SELECT category, COUNT(*) FROM dlq_entries WHERE status = ? GROUP BY category`,
		[]any{DLQOpen}, st.OpenDLQByCategory); err != nil {
		return st, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger`).Scan(&st.LedgerObjects); err != nil {
		return st, fmt.Errorf("storage: stats: %w", err)
	}
	return st, nil
}

func (s *Store) groupCount(ctx context.Context, q string, args []any, into map[string]int64) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("storage: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k string
			n int64
		)
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("storage: stats: %w", err)
		}
		into[k] = n
	}
	return rows.Err()
}
