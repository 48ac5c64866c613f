package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// deleteBatch is how many ledger rows one statement removes, so that deleting a
// simulation of a million objects never holds one huge transaction.
const deleteBatch = 5000

// DeleteSimulation removes a simulation that is not running or paused and every row
// the database holds for it (transitions, counters, segments, plan, ledger, skips,
// DLQ rows), and records who deleted it. Objects it created in its target stay.
// A running or paused simulation is ErrConflict.
func (s *Store) DeleteSimulation(ctx context.Context, id, by int64) error {
	sim, err := s.Simulation(ctx, id)
	if err != nil {
		return err
	}
	if !deletable(sim.Status) {
		return fmt.Errorf("%w: simulation %d is %s", ErrConflict, id, sim.Status)
	}
	if sim.Finished() { // a final state never changes, so the ledger can go in slices first
		if err := s.deleteLedger(ctx, id); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanSimulation(tx.QueryRowContext(ctx, `SELECT `+simulationColumns+` FROM simulations WHERE id = ?`+s.forUpdate(), id))
		if err != nil {
			return err
		}
		if !deletable(cur.Status) {
			return fmt.Errorf("%w: simulation %d is %s", ErrConflict, id, cur.Status)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deleted_simulations (id, user_id, name, deleted_by, deleted_at) VALUES (?, ?, ?, ?, ?)`,
			id, cur.UserID, cur.Name, by, now()); err != nil {
			return fmt.Errorf("storage: delete simulation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM simulations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("storage: delete simulation: %w", err)
		}
		return nil
	})
}

// deletable reports whether a simulation in a state may be deleted: not while its
// work is queued or running.
func deletable(status string) bool { return status != StatusRunning && status != StatusPaused }

func (s *Store) deleteLedger(ctx context.Context, id int64) error {
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM ledger WHERE id IN (SELECT id FROM (
			SELECT id FROM ledger WHERE simulation_id = ? LIMIT `+strconv.Itoa(deleteBatch)+`) batch)`, id)
		if err != nil {
			return fmt.Errorf("storage: delete ledger: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n < deleteBatch {
			return err
		}
	}
}

// DeleteSimulationKeys removes every Redis key of a simulation (sim:<id>:*) and
// returns how many went.
func (r *Redis) DeleteSimulationKeys(ctx context.Context, id int64) (int, error) {
	if !r.Enabled() {
		return 0, nil
	}
	var n int
	iter := r.Client.Scan(ctx, 0, rediskeys.SimulationMatch(id), 1000).Iterator()
	batch := make([]string, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := r.Client.Del(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("storage: delete simulation keys: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return n, fmt.Errorf("storage: delete simulation keys: %w", err)
	}
	return n, flush()
}
