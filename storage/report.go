package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EachLedgerEntry calls fn for every object a simulation created, in the order
// they were written, reading rows one at a time so that a simulation of any size
// exports in constant memory. An error from fn stops the walk and is returned.
func (s *Store) EachLedgerEntry(ctx context.Context, simID int64, fn func(LedgerEntry) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT record_index, object_type, record_key, external_id, planned_at, created_at
		FROM ledger WHERE simulation_id = ? ORDER BY id`, simID)
	if err != nil {
		return fmt.Errorf("storage: ledger export: %w", err)
	}
	defer rows.Close()
	e := LedgerEntry{SimulationID: simID}
	for rows.Next() {
		var planned sql.NullTime
		if err := rows.Scan(&e.RecordIndex, &e.ObjectType, &e.RecordKey, &e.ExternalID, &planned, &e.CreatedAt); err != nil {
			return fmt.Errorf("storage: ledger export: %w", err)
		}
		e.PlannedAt = time.Time{}
		if planned.Valid {
			e.PlannedAt = planned.Time.UTC()
		}
		e.CreatedAt = e.CreatedAt.UTC()
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: ledger export: %w", err)
	}
	return nil
}

// CreatedPerSegment counts, per segment index, the contacts (one per record) a
// simulation created from that segment's records: the actual curve beside the
// planned one.
func (s *Store) CreatedPerSegment(ctx context.Context, simID int64) (map[int]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.segment_index, COUNT(l.id) FROM segments g
		LEFT JOIN ledger l ON l.simulation_id = g.simulation_id AND l.record_index >= g.first_index
			AND l.record_index <= g.last_index AND l.object_type = 'contact'
		WHERE g.simulation_id = ? GROUP BY g.segment_index`, simID)
	if err != nil {
		return nil, fmt.Errorf("storage: created per segment: %w", err)
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var (
			k int
			n int64
		)
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("storage: created per segment: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
