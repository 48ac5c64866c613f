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
	var st Stats
	var err error
	if st.SimulationsByStatus, err = keyedInts[int64](ctx, s.db, "stats", `SELECT status, COUNT(*) FROM simulations GROUP BY status`); err != nil {
		return st, err
	}
	if st.OpenDLQByCategory, err = keyedInts[int64](ctx, s.db, "stats", `SELECT category, COUNT(*) FROM dlq_entries WHERE status = ? GROUP BY category`,
		DLQOpen); err != nil {
		return st, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger`).Scan(&st.LedgerObjects); err != nil {
		return st, fmt.Errorf("storage: stats: %w", err)
	}
	return st, nil
}
