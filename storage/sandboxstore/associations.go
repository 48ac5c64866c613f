package sandboxstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Association is one association row of the sandbox, read from the FromID
// side: HubSpot keeps an association in both directions, each with its own type
// id, and so does the sandbox (callers write both rows).
type Association struct {
	FromID    int64
	ToType    string // type of the record on the other side ("companies")
	ToID      int64
	Category  string // HUBSPOT_DEFINED, USER_DEFINED, …
	TypeID    int
	CreatedAt time.Time
}

// sandboxInsertAssociations adds rows, ignoring ones that exist already.
func (s *Store) sandboxInsertAssociations(ctx context.Context, tx *sql.Tx, rows []Association, at time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	prefix, suffix := `INSERT INTO sandbox_associations (from_id, to_type, to_id, category, type_id, created_at) VALUES `, ` ON CONFLICT DO NOTHING`
	if s.mysql() {
		prefix, suffix = `INSERT IGNORE INTO sandbox_associations (from_id, to_type, to_id, category, type_id, created_at) VALUES `, ""
	}
	args := make([]any, 0, 6*len(rows))
	ts := sandboxTime(at)
	for _, r := range rows {
		args = append(args, r.FromID, r.ToType, r.ToID, r.Category, r.TypeID, ts)
	}
	if err := sandboxInsert(ctx, tx, prefix, suffix, 6, args); err != nil {
		return fmt.Errorf("sandboxstore: associations: %w", err)
	}
	return nil
}

// CreateAssociations adds association rows (both directions are the
// caller's to list); rows that exist already are left as they are.
func (s *Store) CreateAssociations(ctx context.Context, rows []Association) error {
	if len(rows) == 0 {
		return nil
	}
	return s.sandboxTx(ctx, func(tx *sql.Tx) error { return s.sandboxInsertAssociations(ctx, tx, rows, now()) })
}

// DeleteAssociations removes the given rows; with TypeID 0 and Category ""
// a row stands for every association from FromID to ToID.
func (s *Store) DeleteAssociations(ctx context.Context, rows []Association) error {
	if len(rows) == 0 {
		return nil
	}
	return s.sandboxTx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			q := `DELETE FROM sandbox_associations WHERE from_id = ? AND to_type = ? AND to_id = ?`
			args := []any{r.FromID, r.ToType, r.ToID}
			if r.TypeID != 0 || r.Category != "" {
				q += ` AND category = ? AND type_id = ?`
				args = append(args, r.Category, r.TypeID)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("sandboxstore: delete associations: %w", err)
			}
		}
		return nil
	})
}

const sandboxAssociationColumns = `from_id, to_type, to_id, category, type_id, created_at`

func (s *Store) querySandboxAssociations(ctx context.Context, query string, args ...any) ([]Association, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sandboxstore: associations: %w", err)
	}
	defer rows.Close()
	var out []Association
	for rows.Next() {
		var a Association
		if err := rows.Scan(&a.FromID, &a.ToType, &a.ToID, &a.Category, &a.TypeID, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("sandboxstore: associations: %w", err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// AssociationPage lists the associations of one record to records of a type,
// for at most limit records on the other side with ids above afterID, ordered by
// that id. more tells whether records are left after this page.
func (s *Store) AssociationPage(ctx context.Context, fromID int64, toType string, afterID int64, limit int) (rows []Association, more bool, err error) {
	idRows, err := s.db.QueryContext(ctx, `SELECT DISTINCT to_id FROM sandbox_associations WHERE from_id = ? AND to_type = ? AND to_id > ? ORDER BY to_id LIMIT ?`,
		fromID, toType, afterID, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("sandboxstore: associations: %w", err)
	}
	var ids []int64
	for idRows.Next() {
		var id int64
		if err := idRows.Scan(&id); err != nil {
			idRows.Close()
			return nil, false, fmt.Errorf("sandboxstore: associations: %w", err)
		}
		ids = append(ids, id)
	}
	idRows.Close()
	if err := idRows.Err(); err != nil {
		return nil, false, fmt.Errorf("sandboxstore: associations: %w", err)
	}
	if len(ids) > limit {
		ids, more = ids[:limit], true
	}
	if len(ids) == 0 {
		return nil, false, nil
	}
	rows, err = s.querySandboxAssociations(ctx, `SELECT `+sandboxAssociationColumns+` FROM sandbox_associations WHERE from_id = ? AND to_type = ? AND to_id IN (`+sandboxMarks(len(ids))+`) ORDER BY to_id, category, type_id`,
		append([]any{fromID, toType}, sandboxIDArgs(ids)...)...)
	return rows, more, err
}

// AssociationsFrom returns the associations of several records, keyed by
// record id; toType "" means every type.
func (s *Store) AssociationsFrom(ctx context.Context, fromIDs []int64, toType string) (map[int64][]Association, error) {
	out := make(map[int64][]Association, len(fromIDs))
	if len(fromIDs) == 0 {
		return out, nil
	}
	q := `SELECT ` + sandboxAssociationColumns + ` FROM sandbox_associations WHERE from_id IN (` + sandboxMarks(len(fromIDs)) + `)`
	args := sandboxIDArgs(fromIDs)
	if toType != "" {
		q += ` AND to_type = ?`
		args = append(args, toType)
	}
	rows, err := s.querySandboxAssociations(ctx, q+` ORDER BY from_id, to_type, to_id, category, type_id`, args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.FromID] = append(out[r.FromID], r)
	}
	return out, nil
}
