package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ScenarioVersion is one version of a boss's overrides of a scenario: the whole set
// of parameter values that differ from the built-in scenario, as JSON. Versions are
// append-only; a roll back adds a new version with an older one's overrides.
type ScenarioVersion struct {
	Scenario       string
	Version        int
	Overrides      string // JSON object of parameter key → value
	ChangedBy      int64
	ChangedByEmail string
	CreatedAt      time.Time
}

// ScenarioVersions lists a scenario's override versions, newest first.
func (s *Store) ScenarioVersions(ctx context.Context, scenario string) ([]ScenarioVersion, error) {
	return scanAll(ctx, s.db, "scenario versions", func(r rowScanner) (ScenarioVersion, error) {
		var v ScenarioVersion
		if err := r.Scan(&v.Scenario, &v.Version, &v.Overrides, &v.ChangedBy, &v.ChangedByEmail, &v.CreatedAt); err != nil {
			return v, fmt.Errorf("storage: scenario versions: %w", err)
		}
		v.CreatedAt = v.CreatedAt.UTC()
		return v, nil
	}, `SELECT o.scenario, o.version, o.overrides, o.changed_by, COALESCE(u.email, ''), o.created_at
		FROM scenario_overrides o LEFT JOIN users u ON u.id = o.changed_by
		WHERE o.scenario = ? ORDER BY o.version DESC`, scenario)
}

// AddScenarioVersion stores overrides (JSON) as a scenario's next version, changed by
// a user. Simulations created afterwards are planned with it; existing ones keep the
// version they were created with.
func (s *Store) AddScenarioVersion(ctx context.Context, scenario, overrides string, userID int64) (ScenarioVersion, error) {
	v := ScenarioVersion{Scenario: scenario, Overrides: overrides, ChangedBy: userID, CreatedAt: now()}
	// Two bosses saving at once race for the same number: the loser tries the next.
	for attempt := 0; attempt < 5; attempt++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var latest sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM scenario_overrides WHERE scenario = ?`, scenario).Scan(&latest); err != nil {
				return fmt.Errorf("storage: scenario version: %w", err)
			}
			v.Version = int(latest.Int64) + 1
			_, err := tx.ExecContext(ctx, `INSERT INTO scenario_overrides (scenario, version, overrides, changed_by, created_at)
				VALUES (?, ?, ?, ?, ?)`, scenario, v.Version, overrides, userID, v.CreatedAt)
			if isDuplicate(err) {
				return ErrDuplicate
			}
			if err != nil {
				return fmt.Errorf("storage: add scenario version: %w", err)
			}
			return nil
		})
		if err == ErrDuplicate {
			continue
		}
		return v, err
	}
	return ScenarioVersion{}, fmt.Errorf("storage: add scenario version: %w", ErrDuplicate)
}
