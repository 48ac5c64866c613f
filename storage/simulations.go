package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Simulation states: queued → running ⇄ paused → completed |
// completed_with_failures | aborted | failed. completed: every planned object was
// created or deliberately thinned; completed_with_failures: some are in the DLQ;
// failed: the target refused the token, or nothing could be created.
const (
	StatusQueued                = "queued"
	StatusRunning               = "running"
	StatusPaused                = "paused"
	StatusCompleted             = "completed"
	StatusCompletedWithFailures = "completed_with_failures"
	StatusAborted               = "aborted"
	StatusFailed                = "failed"
)

// Targets a simulation writes to.
const (
	TargetSandbox = "sandbox"
	TargetHubSpot = "hubspot"
)

// ErrConflict is returned when a state transition is not allowed from the current
// state.
var ErrConflict = errors.New("storage: conflicting state")

// Simulation is one simulation's definition and state.
type Simulation struct {
	ID              int64
	UserID          int64
	Name            string
	Scenario        string
	ScenarioVersion int
	Distribution    string
	HourWeights     []float64 // custom distribution only
	StartAt         time.Time
	EndAt           time.Time
	TimeZone        string
	TotalRecords    int // as requested
	EffectiveTotal  int // after the scenario's volume multiplier: completion counts against this
	PaceMode        string
	PaceFactor      float64
	TargetKind      string
	ConnectionID    *int64
	Pipeline        string
	OwnerIDs        []string
	Seed            int64
	Status          string
	StatusReason    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
}

// Finished reports whether the simulation reached a final state.
func (s Simulation) Finished() bool {
	switch s.Status {
	case StatusCompleted, StatusCompletedWithFailures, StatusAborted, StatusFailed:
		return true
	}
	return false
}

const simulationColumns = `id, user_id, name, scenario, scenario_version, distribution, hour_weights,
	start_at, end_at, time_zone, total_records, effective_total, pace_mode, pace_factor, target_kind,
	connection_id, pipeline, owner_ids, seed, status, status_reason, created_at, updated_at, started_at, finished_at`

func scanSimulation(row rowScanner) (Simulation, error) {
	var (
		s                 Simulation
		weights, owners   string
		conn              sql.NullInt64
		started, finished sql.NullTime
	)
	err := row.Scan(&s.ID, &s.UserID, &s.Name, &s.Scenario, &s.ScenarioVersion, &s.Distribution, &weights,
		&s.StartAt, &s.EndAt, &s.TimeZone, &s.TotalRecords, &s.EffectiveTotal, &s.PaceMode, &s.PaceFactor, &s.TargetKind,
		&conn, &s.Pipeline, &owners, &s.Seed, &s.Status, &s.StatusReason, &s.CreatedAt, &s.UpdatedAt, &started, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return Simulation{}, ErrNotFound
	}
	if err != nil {
		return Simulation{}, fmt.Errorf("storage: simulation: %w", err)
	}
	if weights != "" {
		_ = json.Unmarshal([]byte(weights), &s.HourWeights)
	}
	if owners != "" {
		_ = json.Unmarshal([]byte(owners), &s.OwnerIDs)
	}
	if conn.Valid {
		id := conn.Int64
		s.ConnectionID = &id
	}
	s.StartAt, s.EndAt = s.StartAt.UTC(), s.EndAt.UTC()
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.StartedAt, s.FinishedAt = nullTime(started), nullTime(finished)
	return s, nil
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return ""
	}
	return string(b)
}

// CreateSimulation stores a new simulation in state queued and fills in its id.
func (s *Store) CreateSimulation(ctx context.Context, sim *Simulation) error {
	at := now()
	sim.Status, sim.CreatedAt, sim.UpdatedAt = StatusQueued, at, at
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// SQLite hands a deleted last id out again; objects in a target still name a
		// deleted simulation by id, so its id is taken from past every id ever used.
		// (MySQL's AUTO_INCREMENT never goes back.)
		idCol, idVal := ``, ``
		if s.dialect == SQLite {
			idCol, idVal = `id, `, `(SELECT MAX(x) + 1 FROM (SELECT COALESCE(MAX(id), 0) AS x FROM simulations
				UNION ALL SELECT COALESCE(MAX(id), 0) FROM deleted_simulations) ids), `
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO simulations (`+idCol+`user_id, name, scenario, scenario_version, distribution,
			hour_weights, start_at, end_at, time_zone, total_records, effective_total, pace_mode, pace_factor, target_kind,
			connection_id, pipeline, owner_ids, seed, status, status_reason, created_at, updated_at)
			VALUES (`+idVal+`?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sim.UserID, sim.Name, sim.Scenario, sim.ScenarioVersion, sim.Distribution, jsonText(sim.HourWeights),
			dbTime(sim.StartAt), dbTime(sim.EndAt), sim.TimeZone, sim.TotalRecords, sim.EffectiveTotal, sim.PaceMode,
			sim.PaceFactor, sim.TargetKind, sim.ConnectionID, sim.Pipeline, jsonText(sim.OwnerIDs), sim.Seed,
			sim.Status, sim.StatusReason, at, at)
		if err != nil {
			return fmt.Errorf("storage: create simulation: %w", err)
		}
		if sim.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("storage: create simulation: %w", err)
		}
		return insertTransition(ctx, tx, sim.ID, "", StatusQueued, "created", at)
	})
}

// Simulation returns one simulation.
func (s *Store) Simulation(ctx context.Context, id int64) (Simulation, error) {
	return scanSimulation(s.db.QueryRowContext(ctx, `SELECT `+simulationColumns+` FROM simulations WHERE id = ?`, id))
}

// SimulationFilter narrows Simulations. Zero values do not filter.
type SimulationFilter struct {
	UserID   int64    // a player's own simulations; 0 = everyone's
	Statuses []string // any of these states
	Name     string   // names containing this text (case-insensitive)
	Limit    int      // default 200
	Offset   int      // rows to skip, for paging
}

// Simulations lists simulations, newest first.
func (s *Store) Simulations(ctx context.Context, f SimulationFilter) ([]Simulation, error) {
	q := `SELECT ` + simulationColumns + ` FROM simulations WHERE 1=1`
	var args []any
	if f.UserID != 0 {
		q += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	if len(f.Statuses) > 0 {
		q += ` AND status IN (?` + strings.Repeat(`, ?`, len(f.Statuses)-1) + `)`
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if f.Name != "" {
		q += ` AND LOWER(name) LIKE ? ESCAPE '!'`
		args = append(args, "%"+likeEscape(strings.ToLower(f.Name))+"%")
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	q += ` ORDER BY id DESC LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(f.Offset, 0))
	return scanAll(ctx, s.db, "simulations", scanSimulation, q, args...)
}

// TransitionSimulation moves a simulation to state `to` if it is in one of `from`,
// recording the transition with its reason; otherwise ErrConflict.
func (s *Store) TransitionSimulation(ctx context.Context, id int64, from []string, to, reason string) (Simulation, error) {
	var out Simulation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanSimulation(tx.QueryRowContext(ctx, `SELECT `+simulationColumns+` FROM simulations WHERE id = ?`+s.forUpdate(), id))
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range from {
			allowed = allowed || cur.Status == f
		}
		if !allowed {
			return fmt.Errorf("%w: simulation %d is %s, cannot become %s", ErrConflict, id, cur.Status, to)
		}
		at := now()
		q := `UPDATE simulations SET status = ?, status_reason = ?, updated_at = ?`
		args := []any{to, reason, at}
		if to == StatusRunning && cur.StartedAt == nil {
			q += `, started_at = ?`
			args = append(args, at)
		}
		switch to {
		case StatusCompleted, StatusCompletedWithFailures, StatusAborted, StatusFailed:
			q += `, finished_at = ?`
			args = append(args, at)
		}
		q += ` WHERE id = ?`
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("storage: transition simulation: %w", err)
		}
		if err := insertTransition(ctx, tx, id, cur.Status, to, reason, at); err != nil {
			return err
		}
		out, err = scanSimulation(tx.QueryRowContext(ctx, `SELECT `+simulationColumns+` FROM simulations WHERE id = ?`, id))
		return err
	})
	return out, err
}

// forUpdate locks the selected row in MySQL; SQLite's immediate transactions already
// serialise writers.
func (s *Store) forUpdate() string {
	if s.dialect == MySQL {
		return ` FOR UPDATE`
	}
	return ``
}

func insertTransition(ctx context.Context, tx *sql.Tx, simID int64, from, to, reason string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO simulation_transitions (simulation_id, from_status, to_status, reason, at)
		VALUES (?, ?, ?, ?, ?)`, simID, from, to, reason, at)
	if err != nil {
		return fmt.Errorf("storage: simulation transition: %w", err)
	}
	return nil
}

// Transition is one recorded state change.
type Transition struct {
	From, To, Reason string
	At               time.Time
}

// SimulationTransitions lists a simulation's state changes, oldest first.
func (s *Store) SimulationTransitions(ctx context.Context, id int64) ([]Transition, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_status, to_status, reason, at FROM simulation_transitions
		WHERE simulation_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("storage: transitions: %w", err)
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		if err := rows.Scan(&t.From, &t.To, &t.Reason, &t.At); err != nil {
			return nil, fmt.Errorf("storage: transitions: %w", err)
		}
		t.At = t.At.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// AddSimulationCounters adds deltas to a simulation's durable counters (the periodic
// flush of what went to the Redis metrics hash at once).
func (s *Store) AddSimulationCounters(ctx context.Context, simID int64, deltas map[string]int64) error {
	if len(deltas) == 0 {
		return nil
	}
	q := `INSERT INTO simulation_counters (simulation_id, name, value) VALUES (?, ?, ?) `
	if s.dialect == MySQL {
		q += `ON DUPLICATE KEY UPDATE value = value + VALUES(value)`
	} else {
		q += `ON CONFLICT (simulation_id, name) DO UPDATE SET value = value + excluded.value`
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("storage: counters: %w", err)
		}
		defer stmt.Close()
		// One order for every process: several workers flushing the same
		// simulation's rows in map order deadlock each other on MySQL.
		for _, name := range slices.Sorted(maps.Keys(deltas)) {
			d := deltas[name]
			if d == 0 {
				continue
			}
			if _, err := stmt.ExecContext(ctx, simID, name, d); err != nil {
				return fmt.Errorf("storage: counters: %w", err)
			}
		}
		return nil
	})
}

// SimulationCounters returns a simulation's durable counters.
func (s *Store) SimulationCounters(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "counters", `SELECT name, value FROM simulation_counters WHERE simulation_id = ?`, simID)
}
