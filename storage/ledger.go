package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// LedgerEntry is one object a simulation created in its target, with the id the
// target gave it. The key (simcrm_record_key in the target) is unique per simulation.
type LedgerEntry struct {
	SimulationID int64
	RecordIndex  int    // the record the object belongs to (a company: its first record)
	ObjectType   string // contact, company, deal, ticket, note, call, task, meeting
	RecordKey    string
	ExternalID   string
	PlannedAt    time.Time // the plan's moment for the object; zero when unknown
	CreatedAt    time.Time
}

// Skip reasons.
const (
	SkipThinned = "thinned" // an optional activity skipped under pressure
	SkipBlocked = "blocked" // its record failed into the DLQ; replaying the record lifts it
)

// Skip is a planned object the engine decided not to create.
type Skip struct {
	SimulationID int64
	RecordIndex  int
	ObjectType   string
	RecordKey    string
	Reason       string
}

// fromDual is the FROM clause of a SELECT without a table where the dialect needs one.
func (s *Store) fromDual() string {
	if s.dialect == SQLite {
		return ""
	}
	return ` FROM DUAL`
}

// maxRowsPerInsert keeps multi-row statements well under both dialects' limits.
const maxRowsPerInsert = 500

func (s *Store) insertIgnore() string {
	if s.dialect == SQLite {
		return `INSERT OR IGNORE INTO`
	}
	return `INSERT IGNORE INTO`
}

// LedgerAdded is what writing created objects to the ledger changed.
type LedgerAdded struct {
	// Created counts the rows that were new, per object type.
	Created map[string]int
	// Unskipped counts, per skip reason and object type, the skip rows the new
	// rows replaced: an object that exists in the target is created, whatever was
	// decided about it meanwhile.
	Unskipped map[string]map[string]int
}

// AddLedgerEntries writes created objects in multi-row inserts and, in the same
// transaction, deletes any skip row of their keys, so an object is never both
// created and skipped (AddSkips refuses keys the ledger has). Keys already in the
// ledger are left alone, so writing the same objects again (a retried job) counts
// nothing twice.
func (s *Store) AddLedgerEntries(ctx context.Context, entries []LedgerEntry) (LedgerAdded, error) {
	added := LedgerAdded{Created: map[string]int{}, Unskipped: map[string]map[string]int{}}
	if len(entries) == 0 {
		return added, nil
	}
	byType := map[string][]LedgerEntry{}
	var order []string
	for _, e := range entries {
		if _, ok := byType[e.ObjectType]; !ok {
			order = append(order, e.ObjectType)
		}
		byType[e.ObjectType] = append(byType[e.ObjectType], e)
	}
	at := now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, typ := range order {
			list := byType[typ]
			for lo := 0; lo < len(list); lo += maxRowsPerInsert {
				part := list[lo:min(lo+maxRowsPerInsert, len(list))]
				q := s.insertIgnore() + ` ledger (simulation_id, record_index, object_type, record_key, external_id, planned_at, created_at) VALUES ` +
					strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, ?, ?),`, len(part)), ",")
				args := make([]any, 0, 7*len(part))
				for _, e := range part {
					var planned sql.NullTime
					if !e.PlannedAt.IsZero() {
						planned = sql.NullTime{Time: dbTime(e.PlannedAt), Valid: true}
					}
					args = append(args, e.SimulationID, e.RecordIndex, e.ObjectType, e.RecordKey, e.ExternalID, planned, at)
				}
				res, err := tx.ExecContext(ctx, q, args...)
				if err != nil {
					return fmt.Errorf("storage: ledger: %w", err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return fmt.Errorf("storage: ledger: %w", err)
				}
				added.Created[typ] += int(n)
			}
		}
		return s.unskip(ctx, tx, entries, added.Unskipped)
	})
	if err != nil {
		return LedgerAdded{}, err
	}
	return added, nil
}

// unskip deletes the skip rows of created objects, counting them into out.
func (s *Store) unskip(ctx context.Context, tx *sql.Tx, entries []LedgerEntry, out map[string]map[string]int) error {
	for lo := 0; lo < len(entries); lo += maxRowsPerInsert {
		part := entries[lo:min(lo+maxRowsPerInsert, len(entries))]
		args := make([]any, 0, len(part)+1)
		args = append(args, part[0].SimulationID)
		for _, e := range part {
			args = append(args, e.RecordKey)
		}
		where := `WHERE simulation_id = ? AND record_key IN (?` + strings.Repeat(`, ?`, len(part)-1) + `)`
		rows, err := tx.QueryContext(ctx, `SELECT reason, object_type, COUNT(*) FROM simulation_skips `+where+` GROUP BY reason, object_type`, args...)
		if err != nil {
			return fmt.Errorf("storage: ledger unskip: %w", err)
		}
		found := 0
		for rows.Next() {
			var (
				reason, typ string
				n           int
			)
			if err := rows.Scan(&reason, &typ, &n); err != nil {
				rows.Close()
				return fmt.Errorf("storage: ledger unskip: %w", err)
			}
			if out[reason] == nil {
				out[reason] = map[string]int{}
			}
			out[reason][typ] += n
			found += n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("storage: ledger unskip: %w", err)
		}
		if found == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM simulation_skips `+where, args...); err != nil {
			return fmt.Errorf("storage: ledger unskip: %w", err)
		}
	}
	return nil
}

// LedgerRange returns the objects of records first ≤ record_index < end.
func (s *Store) LedgerRange(ctx context.Context, simID int64, first, end int) ([]LedgerEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_index, object_type, record_key, external_id FROM ledger
		WHERE simulation_id = ? AND record_index >= ? AND record_index < ?`, simID, first, end)
	if err != nil {
		return nil, fmt.Errorf("storage: ledger range: %w", err)
	}
	defer rows.Close()
	var out []LedgerEntry
	for rows.Next() {
		e := LedgerEntry{SimulationID: simID}
		if err := rows.Scan(&e.RecordIndex, &e.ObjectType, &e.RecordKey, &e.ExternalID); err != nil {
			return nil, fmt.Errorf("storage: ledger range: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LedgerByKeys returns external ids by key for the keys already in the ledger.
func (s *Store) LedgerByKeys(ctx context.Context, simID int64, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for lo := 0; lo < len(keys); lo += maxRowsPerInsert {
		part := keys[lo:min(lo+maxRowsPerInsert, len(keys))]
		args := make([]any, 0, len(part)+1)
		args = append(args, simID)
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT record_key, external_id FROM ledger WHERE simulation_id = ? AND record_key IN (?`+
			strings.Repeat(`, ?`, len(part)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: ledger keys: %w", err)
		}
		for rows.Next() {
			var k, id string
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storage: ledger keys: %w", err)
			}
			out[k] = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("storage: ledger keys: %w", err)
		}
	}
	return out, nil
}

// LedgerCounts counts a simulation's created objects per object type.
func (s *Store) LedgerCounts(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "ledger counts", `SELECT object_type, COUNT(*) FROM ledger WHERE simulation_id = ? GROUP BY object_type`, simID)
}

// AddSkips records skip decisions and returns how many were new per object type;
// a key already skipped keeps its first reason, and a key the ledger has (the
// object was created) is not skipped: the insert checks the ledger in the same
// statement, and AddLedgerEntries deletes skips in its transaction, so created and
// skipped never overlap.
func (s *Store) AddSkips(ctx context.Context, skips []Skip) (map[string]int, error) {
	added := map[string]int{}
	if len(skips) == 0 {
		return added, nil
	}
	at := now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, sk := range skips {
			res, err := tx.ExecContext(ctx, s.insertIgnore()+` simulation_skips (simulation_id, record_key, record_index, object_type, reason, created_at)
				SELECT ?, ?, ?, ?, ?, ?`+s.fromDual()+` WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE simulation_id = ? AND record_key = ?)`,
				sk.SimulationID, sk.RecordKey, sk.RecordIndex, sk.ObjectType, sk.Reason, at, sk.SimulationID, sk.RecordKey)
			if err != nil {
				return fmt.Errorf("storage: skips: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("storage: skips: %w", err)
			}
			added[sk.ObjectType] += int(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// SkippedKeys returns which of the keys have a skip row.
func (s *Store) SkippedKeys(ctx context.Context, simID int64, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	for lo := 0; lo < len(keys); lo += maxRowsPerInsert {
		part := keys[lo:min(lo+maxRowsPerInsert, len(keys))]
		args := make([]any, 0, len(part)+1)
		args = append(args, simID)
		for _, k := range part {
			args = append(args, k)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT record_key FROM simulation_skips WHERE simulation_id = ? AND record_key IN (?`+
			strings.Repeat(`, ?`, len(part)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("storage: skipped keys: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storage: skipped keys: %w", err)
			}
			out[k] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("storage: skipped keys: %w", err)
		}
	}
	return out, nil
}

// SkipsRange returns the skips of records first ≤ record_index < end.
func (s *Store) SkipsRange(ctx context.Context, simID int64, first, end int) ([]Skip, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_index, object_type, record_key, reason FROM simulation_skips
		WHERE simulation_id = ? AND record_index >= ? AND record_index < ?`, simID, first, end)
	if err != nil {
		return nil, fmt.Errorf("storage: skips range: %w", err)
	}
	defer rows.Close()
	var out []Skip
	for rows.Next() {
		sk := Skip{SimulationID: simID}
		if err := rows.Scan(&sk.RecordIndex, &sk.ObjectType, &sk.RecordKey, &sk.Reason); err != nil {
			return nil, fmt.Errorf("storage: skips range: %w", err)
		}
		out = append(out, sk)
	}
	return out, rows.Err()
}

// LiftBlockedSkips deletes the blocked skips of records (a replayed record gets
// another chance) and returns how many went, per object type.
func (s *Store) LiftBlockedSkips(ctx context.Context, simID int64, records []int) (map[string]int, error) {
	out := map[string]int{}
	if len(records) == 0 {
		return out, nil
	}
	args := []any{simID, SkipBlocked}
	for _, r := range records {
		args = append(args, r)
	}
	in := `(?` + strings.Repeat(`, ?`, len(records)-1) + `)`
	counts, err := keyedInts[int64](ctx, s.db, "skips", `SELECT object_type, COUNT(*) FROM simulation_skips WHERE simulation_id = ? AND reason = ?
		AND record_index IN `+in+` GROUP BY object_type`, args...)
	if err != nil || len(counts) == 0 {
		return out, err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM simulation_skips WHERE simulation_id = ? AND reason = ? AND record_index IN `+in, args...); err != nil {
		return nil, fmt.Errorf("storage: lift skips: %w", err)
	}
	for t, n := range counts {
		out[t] = int(n)
	}
	return out, nil
}

// SkipCounts counts a simulation's skips per reason and object type.
func (s *Store) SkipCounts(ctx context.Context, simID int64) (map[string]map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT reason, object_type, COUNT(*) FROM simulation_skips
		WHERE simulation_id = ? GROUP BY reason, object_type`, simID)
	if err != nil {
		return nil, fmt.Errorf("storage: skip counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int64{}
	for rows.Next() {
		var (
			reason, typ string
			n           int64
		)
		if err := rows.Scan(&reason, &typ, &n); err != nil {
			return nil, fmt.Errorf("storage: skip counts: %w", err)
		}
		if out[reason] == nil {
			out[reason] = map[string]int64{}
		}
		out[reason][typ] = n
	}
	return out, rows.Err()
}

// DLQKeysRange returns the keys of DLQ rows (any status) of records first ≤
// record_index < end.
func (s *Store) DLQKeysRange(ctx context.Context, simID int64, first, end int) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record_key FROM dlq_entries
		WHERE simulation_id = ? AND record_index >= ? AND record_index < ?`, simID, first, end)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq keys: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("storage: dlq keys: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

// FailedCounts counts, per object type, the distinct objects of a simulation that
// are in the DLQ (any status) and not in the ledger.
func (s *Store) FailedCounts(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "failed counts", `SELECT d.object_type, COUNT(DISTINCT d.record_key) FROM dlq_entries d
		WHERE d.simulation_id = ? AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.simulation_id = d.simulation_id AND l.record_key = d.record_key)
		GROUP BY d.object_type`, simID)
}

// FailedCategories counts the objects FailedCounts counts (in the DLQ, not in
// the ledger) by the category of each one's latest DLQ row: an object that failed
// twice counts once, one created by a replay not at all.
func (s *Store) FailedCategories(ctx context.Context, simID int64) (map[string]int64, error) {
	return keyedInts[int64](ctx, s.db, "failed categories", `SELECT d.category, COUNT(*) FROM dlq_entries d
		JOIN (SELECT record_key, MAX(id) AS id FROM dlq_entries WHERE simulation_id = ? GROUP BY record_key) latest ON latest.id = d.id
		WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.simulation_id = d.simulation_id AND l.record_key = d.record_key)
		GROUP BY d.category`, simID)
}

// ResolvedObjects counts the distinct objects of records first ≤ record_index <
// end that are accounted for: created (ledger), failed (DLQ, any status) or
// skipped.
func (s *Store) ResolvedObjects(ctx context.Context, simID int64, first, end int) (int, error) {
	var created, other int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger WHERE simulation_id = ? AND record_index >= ? AND record_index < ?`,
		simID, first, end).Scan(&created); err != nil {
		return 0, fmt.Errorf("storage: resolved objects: %w", err)
	}
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT record_key FROM dlq_entries WHERE simulation_id = ? AND record_index >= ? AND record_index < ?
			UNION
			SELECT record_key FROM simulation_skips WHERE simulation_id = ? AND record_index >= ? AND record_index < ?
		) u WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.simulation_id = ? AND l.record_key = u.record_key)`,
		simID, first, end, simID, first, end, simID).Scan(&other)
	if err != nil {
		return 0, fmt.Errorf("storage: resolved objects: %w", err)
	}
	return created + other, nil
}
