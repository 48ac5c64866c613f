package storage

import (
	"context"
	"database/sql"
	"errors"
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

// ReportLateness is a finished simulation's lateness figures as last worked out,
// with the ledger size they were worked out at.
type ReportLateness struct {
	SimulationID int64
	LedgerRows   int64
	Samples      int64
	P50, P99     time.Duration
}

// ReportLateness reads the kept lateness figures of a simulation (ErrNotFound:
// none yet).
func (s *Store) ReportLateness(ctx context.Context, simID int64) (ReportLateness, error) {
	r := ReportLateness{SimulationID: simID}
	var p50, p99 int64
	err := s.db.QueryRowContext(ctx, `SELECT ledger_rows, samples, p50_us, p99_us FROM report_lateness WHERE simulation_id = ?`, simID).
		Scan(&r.LedgerRows, &r.Samples, &p50, &p99)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("storage: report lateness: %w", err)
	}
	r.P50, r.P99 = time.Duration(p50)*time.Microsecond, time.Duration(p99)*time.Microsecond
	return r, nil
}

// SaveReportLateness keeps a simulation's lateness figures, replacing older ones.
func (s *Store) SaveReportLateness(ctx context.Context, r ReportLateness) error {
	q := `INSERT INTO report_lateness (simulation_id, ledger_rows, samples, p50_us, p99_us, computed_at) VALUES (?, ?, ?, ?, ?, ?) `
	if s.dialect == MySQL {
		q += `ON DUPLICATE KEY UPDATE ledger_rows = VALUES(ledger_rows), samples = VALUES(samples), p50_us = VALUES(p50_us),
			p99_us = VALUES(p99_us), computed_at = VALUES(computed_at)`
	} else {
		q += `ON CONFLICT (simulation_id) DO UPDATE SET ledger_rows = excluded.ledger_rows, samples = excluded.samples,
			p50_us = excluded.p50_us, p99_us = excluded.p99_us, computed_at = excluded.computed_at`
	}
	if _, err := s.db.ExecContext(ctx, q, r.SimulationID, r.LedgerRows, r.Samples, r.P50.Microseconds(), r.P99.Microseconds(), now()); err != nil {
		return fmt.Errorf("storage: save report lateness: %w", err)
	}
	return nil
}
