package storage

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// DLQSummaryRow is one simulation × category cell of the triage summary.
type DLQSummaryRow struct {
	SimulationID   int64
	SimulationName string
	Category       string
	Count          int64
	Last24h        int64 // rows whose last failure is in the last 24 hours
	Prev24h        int64 // … in the 24 hours before that
	LastFailedAt   time.Time
}

// DLQSummary groups the rows matching f by simulation and category, with a trend
// (last 24 h against the 24 h before `at`). On the default filter it reads only the
// dlq_summary index.
func (s *Store) DLQSummary(ctx context.Context, f DLQFilter, at time.Time) ([]DLQSummaryRow, error) {
	cond, args := s.dlqWhere(f)
	day, twoDays := dbTime(at.Add(-24*time.Hour)), dbTime(at.Add(-48*time.Hour))
	args = append([]any{day, twoDays, day}, args...)
	rows, err := s.db.QueryContext(ctx, `SELECT simulation_id, category, COUNT(*),
		SUM(CASE WHEN last_failed_at >= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN last_failed_at >= ? AND last_failed_at < ? THEN 1 ELSE 0 END),
		MAX(last_failed_at)
		FROM `+s.dlqTable(f)+` WHERE 1=1`+cond+` GROUP BY simulation_id, category`, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq summary: %w", err)
	}
	defer rows.Close()
	var (
		out  []DLQSummaryRow
		sims = map[int64]string{}
	)
	for rows.Next() {
		var (
			r    DLQSummaryRow
			last flexTime
		)
		if err := rows.Scan(&r.SimulationID, &r.Category, &r.Count, &r.Last24h, &r.Prev24h, &last); err != nil {
			return nil, fmt.Errorf("storage: dlq summary: %w", err)
		}
		r.LastFailedAt = last.Time
		sims[r.SimulationID] = ""
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: dlq summary: %w", err)
	}
	if err := s.simulationNames(ctx, sims); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].SimulationName = sims[out[i].SimulationID]
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SimulationID != out[j].SimulationID {
			return out[i].SimulationID > out[j].SimulationID
		}
		return hubspot.Category(out[i].Category).Order() < hubspot.Category(out[j].Category).Order()
	})
	return out, nil
}

// simulationNames fills in the names of the simulations keyed in names.
func (s *Store) simulationNames(ctx context.Context, names map[int64]string) error {
	if len(names) == 0 {
		return nil
	}
	ids := make([]any, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM simulations WHERE id IN (`+placeholders(len(ids))+`)`, ids...)
	if err != nil {
		return fmt.Errorf("storage: simulation names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("storage: simulation names: %w", err)
		}
		names[id] = name
	}
	return rows.Err()
}

// flexTime scans a timestamp that SQLite hands back as text once it went through an
// aggregate (MAX), and MySQL as a time.
type flexTime struct{ Time time.Time }

func (t *flexTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("storage: timestamp of type %T", v)
	}
	return nil
}

func (t *flexTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("storage: unreadable timestamp %q", s)
}
