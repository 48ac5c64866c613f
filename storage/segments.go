package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Segment states: planned → expanded (its records are queued) → done (every object
// it plans is created, failed into the DLQ or skipped).
const (
	SegmentPlanned  = "planned"
	SegmentExpanded = "expanded"
	SegmentDone     = "done"
)

// Segment is one simulated hour of a simulation's plan: the records whose contact
// creation time falls in [StartAt, EndAt), indices FirstIndex ≤ i < EndIndex.
type Segment struct {
	SimulationID int64
	Index        int
	StartAt      time.Time
	EndAt        time.Time
	FirstIndex   int
	EndIndex     int // one past the last record; == FirstIndex for an empty segment
	State        string
	ExpandedAt   *time.Time
	DoneAt       *time.Time
	UsedBefore   string // JSON budget usage before FirstIndex (sim.Counts); "" until known
	Objects      int    // objects the segment plans; known once expanded
}

const segmentColumns = `simulation_id, segment_index, start_at, end_at, first_index, last_index, state,
	expanded_at, done_at, used_before, objects`

func scanSegment(row rowScanner) (Segment, error) {
	var (
		g            Segment
		last         int
		expanded     sql.NullTime
		done         sql.NullTime
		used         sql.NullString
		start, endAt time.Time
	)
	if err := row.Scan(&g.SimulationID, &g.Index, &start, &endAt, &g.FirstIndex, &last, &g.State,
		&expanded, &done, &used, &g.Objects); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Segment{}, ErrNotFound
		}
		return Segment{}, fmt.Errorf("storage: segment: %w", err)
	}
	g.StartAt, g.EndAt = start.UTC(), endAt.UTC()
	g.EndIndex = last + 1
	g.ExpandedAt, g.DoneAt = nullTime(expanded), nullTime(done)
	g.UsedBefore = used.String
	return g, nil
}

// CreateSegments stores a simulation's segments in state planned. Segments that
// already exist are left alone, so starting twice is harmless.
func (s *Store) CreateSegments(ctx context.Context, segs []Segment) error {
	const cols = 7
	const per = 500
	ignore := `INSERT IGNORE INTO`
	if s.dialect == SQLite {
		ignore = `INSERT OR IGNORE INTO`
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for lo := 0; lo < len(segs); lo += per {
			part := segs[lo:min(lo+per, len(segs))]
			q := ignore + ` segments (simulation_id, segment_index, start_at, end_at, first_index, last_index, state) VALUES ` +
				strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?),`, len(part)), ",")
			args := make([]any, 0, cols*len(part))
			for _, g := range part {
				args = append(args, g.SimulationID, g.Index, dbTime(g.StartAt), dbTime(g.EndAt), g.FirstIndex, g.EndIndex-1, SegmentPlanned)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("storage: create segments: %w", err)
			}
		}
		return nil
	})
}

// Segments lists a simulation's segments in order; states narrows them (none: all).
func (s *Store) Segments(ctx context.Context, simID int64, states ...string) ([]Segment, error) {
	q := `SELECT ` + segmentColumns + ` FROM segments WHERE simulation_id = ?`
	args := []any{simID}
	if len(states) > 0 {
		q += ` AND state IN (?` + strings.Repeat(`, ?`, len(states)-1) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	return scanAll(ctx, s.db, "segments", scanSegment, q+` ORDER BY segment_index`, args...)
}

// Segment returns one segment.
func (s *Store) Segment(ctx context.Context, simID int64, index int) (Segment, error) {
	return scanSegment(s.db.QueryRowContext(ctx, `SELECT `+segmentColumns+` FROM segments
		WHERE simulation_id = ? AND segment_index = ?`, simID, index))
}

// SegmentExpansion records one expanded segment: how many objects it plans and the
// budget usage before the next segment (the prefix-sum cache).
type SegmentExpansion struct {
	Index          int
	Objects        int
	UsedBeforeNext string // JSON sim.Counts after the segment's last record
}

// MarkSegmentsExpanded moves planned segments to expanded and caches the budget
// usage of each following segment, in one transaction. A segment already expanded
// or done keeps its state.
func (s *Store) MarkSegmentsExpanded(ctx context.Context, simID int64, exps []SegmentExpansion) error {
	at := now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, x := range exps {
			if _, err := tx.ExecContext(ctx, `UPDATE segments SET state = ?, expanded_at = ?, objects = ?
				WHERE simulation_id = ? AND segment_index = ? AND state = ?`,
				SegmentExpanded, at, x.Objects, simID, x.Index, SegmentPlanned); err != nil {
				return fmt.Errorf("storage: expand segment: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE segments SET used_before = ? WHERE simulation_id = ? AND segment_index = ?`,
				x.UsedBeforeNext, simID, x.Index+1); err != nil {
				return fmt.Errorf("storage: expand segment: %w", err)
			}
		}
		return nil
	})
}

// MarkSegmentDone moves an expanded segment to done.
func (s *Store) MarkSegmentDone(ctx context.Context, simID int64, index int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE segments SET state = ?, done_at = ? WHERE simulation_id = ? AND segment_index = ? AND state = ?`,
		SegmentDone, now(), simID, index, SegmentExpanded)
	if err != nil {
		return fmt.Errorf("storage: segment done: %w", err)
	}
	return nil
}

// SegmentStateCounts tallies a simulation's segments per state.
func (s *Store) SegmentStateCounts(ctx context.Context, simID int64) (map[string]int, error) {
	return keyedInts[int](ctx, s.db, "segment states", `SELECT state, COUNT(*) FROM segments WHERE simulation_id = ? GROUP BY state`, simID)
}

// SetSimulationPlan stores a simulation's exact planned totals (JSON) once; a second
// call keeps the first value.
func (s *Store) SetSimulationPlan(ctx context.Context, simID int64, totals string) error {
	q := `INSERT IGNORE INTO simulation_plans (simulation_id, totals, created_at) VALUES (?, ?, ?)`
	if s.dialect == SQLite {
		q = `INSERT OR IGNORE INTO simulation_plans (simulation_id, totals, created_at) VALUES (?, ?, ?)`
	}
	if _, err := s.db.ExecContext(ctx, q, simID, totals, now()); err != nil {
		return fmt.Errorf("storage: simulation plan: %w", err)
	}
	return nil
}

// SimulationPlan returns the planned totals JSON, or ErrNotFound before it is known.
func (s *Store) SimulationPlan(ctx context.Context, simID int64) (string, error) {
	var totals string
	err := s.db.QueryRowContext(ctx, `SELECT totals FROM simulation_plans WHERE simulation_id = ?`, simID).Scan(&totals)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: simulation plan: %w", err)
	}
	return totals, nil
}

// LatestScenarioVersion returns the newest override version of a scenario, 0 when a
// boss never changed it. A new simulation is planned with this version.
func (s *Store) LatestScenarioVersion(ctx context.Context, scenario string) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM scenario_overrides WHERE scenario = ?`, scenario).Scan(&v); err != nil {
		return 0, fmt.Errorf("storage: scenario version: %w", err)
	}
	return int(v.Int64), nil
}

// ScenarioOverridesJSON returns the overrides (JSON) of one scenario version.
func (s *Store) ScenarioOverridesJSON(ctx context.Context, scenario string, version int) (string, error) {
	var js string
	err := s.db.QueryRowContext(ctx, `SELECT overrides FROM scenario_overrides WHERE scenario = ? AND version = ?`, scenario, version).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: scenario overrides: %w", err)
	}
	return js, nil
}
