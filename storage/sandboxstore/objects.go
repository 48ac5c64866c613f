package sandboxstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// Object is one record of the built-in HubSpot sandbox (internal/sandbox).
// Properties holds the stored values only; the system properties (hs_object_id,
// createdate, lastmodifieddate, …) come from ID, CreatedAt and UpdatedAt.
type Object struct {
	ID         int64
	Type       string // "contacts", "deals", … (the plural v3 path name)
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool
	ArchivedAt *time.Time
}

// ObjectInput is one record to create.
type ObjectInput struct {
	Properties   map[string]string // values to store; empty values are not stored
	Associations []Association     // rows to add with the record (FromID 0 means the new record)
	CreatedAt    time.Time         // zero: now
}

// ObjectUpdate changes one record's properties; an empty value clears one.
type ObjectUpdate struct {
	ID         int64
	Properties map[string]string
}

// Upsert creates the record whose unique property holds Value, or updates it.
type Upsert struct {
	Value      string
	Properties map[string]string
	CreatedAt  time.Time // used when the record is created; zero: now
}

// Upserted is the outcome of one upsert input.
type Upserted struct {
	Object
	New bool
}

// ConflictError reports a unique property value (a contact's email, a
// hasUniqueValue property) that another record already holds. It matches
// ErrDuplicate.
type ConflictError struct {
	Property   string
	Value      string
	ExistingID int64 // 0 when two inputs of one call carry the same value
}

func (e *ConflictError) Error() string {
	if e.ExistingID == 0 {
		return fmt.Sprintf("sandboxstore:: %s %q appears twice in one call", e.Property, e.Value)
	}
	return fmt.Sprintf("sandboxstore:: %s %q already belongs to object %d", e.Property, e.Value, e.ExistingID)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *ConflictError) Is(target error) bool { return target == ErrDuplicate }

// UniqueMax is the longest value a unique property may hold.
const UniqueMax = 255

// sandboxIDBlock is how many object ids one trip to sandbox_sequences reserves.
const sandboxIDBlock = 1000

// sandboxMaxParams keeps multi-row statements under both dialects' placeholder limits.
const sandboxMaxParams = 30000

// sandboxTimeLayout is the fixed-width form in which sandbox timestamps are written, so
// SQLite orders and compares them correctly as text (its driver's default format
// does not) and MySQL stores them as DATETIME(3).
const sandboxTimeLayout = "2006-01-02 15:04:05.000"

func sandboxTime(t time.Time) string { return t.UTC().Format(sandboxTimeLayout) }

// sandboxAllocIDs returns n fresh, never reused object ids. Ids come from blocks
// reserved in sandbox_sequences, so processes sharing a database never collide and
// a batch needs no extra round trip most of the time.
func (s *Store) sandboxAllocIDs(ctx context.Context, n int) ([]int64, error) {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	if s.idEnd-s.idNext < int64(n) {
		size := int64(max(n, sandboxIDBlock))
		var next int64
		if !s.mysql() {
			s.writeMu.Lock()
			defer s.writeMu.Unlock()
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE sandbox_sequences SET next_id = next_id + ? WHERE name = 'object'`, size); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT next_id FROM sandbox_sequences WHERE name = 'object'`).Scan(&next)
		})
		if err != nil {
			return nil, fmt.Errorf("sandboxstore: ids: %w", err)
		}
		s.idNext, s.idEnd = next-size, next
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = s.idNext
		s.idNext++
	}
	return ids, nil
}

// sandboxTx runs fn in a transaction and runs it again (up to 4 times) when the
// database reports a deadlock, or a unique-key collision with a writer that
// committed after fn looked: the next run sees that row and reports a conflict.
func (s *Store) sandboxTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if !s.mysql() {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = s.inTx(ctx, fn)
		if err == nil || !sandboxRetryable(err) {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func sandboxRetryable(err error) bool {
	var ce *ConflictError
	if errors.As(err, &ce) {
		return false
	}
	msg := err.Error()
	return isDuplicate(err) || containsAny(msg, "Error 1213", "Deadlock found", "Error 1205", "SQLITE_BUSY", "database is locked")
}

// sandboxRowMarks returns "(?,…),(?,…)" for rows rows of cols columns.
func sandboxRowMarks(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 1))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
	}
	return b.String()
}

// sandboxMarks returns "?,?,…" for n values.
func sandboxMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// sandboxInsert inserts rows of len(cols) values with as few statements as the
// placeholder limit allows. prefix is "INSERT INTO t (a, b) VALUES ", suffix an
// optional ON CONFLICT clause.
func sandboxInsert(ctx context.Context, tx *sql.Tx, prefix, suffix string, cols int, args []any) error {
	perStmt := max(1, sandboxMaxParams/cols)
	rows := len(args) / cols
	for lo := 0; lo < rows; lo += perStmt {
		hi := min(lo+perStmt, rows)
		if _, err := tx.ExecContext(ctx, prefix+sandboxRowMarks(hi-lo, cols)+suffix, args[lo*cols:hi*cols]...); err != nil {
			return err
		}
	}
	return nil
}

// sandboxIDArgs turns ids into query arguments.
func sandboxIDArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// The simulation id (hubspot.SimulationIDProperty) is kept in a column as well,
// so that the records of one simulation are found by index. sandboxSimulationIDMax
// is the width of that column; longer values stay in the JSON only (and search
// reads them there).
const sandboxSimulationIDMax = 64

func sandboxSimulationID(p map[string]string) any {
	v := p[hubspot.SimulationIDProperty]
	if v == "" || len(v) > sandboxSimulationIDMax {
		return nil
	}
	return v
}

func sandboxEncodeProps(p map[string]string) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("sandboxstore: properties: %w", err)
	}
	return string(b), nil
}

func sandboxDecodeProps(s string) (map[string]string, error) {
	p := map[string]string{}
	if s == "" || s == "{}" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("sandboxstore: properties: %w", err)
	}
	return p, nil
}

// sandboxNonEmpty copies a property map without empty values.
func sandboxNonEmpty(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

const sandboxObjectColumns = `id, object_type, properties, created_at, updated_at, archived, archived_at`

func scanSandboxObject(row interface{ Scan(...any) error }) (Object, error) {
	var (
		o     Object
		props string
		arch  sql.NullTime
	)
	err := row.Scan(&o.ID, &o.Type, &props, &o.CreatedAt, &o.UpdatedAt, &o.Archived, &arch)
	if errors.Is(err, sql.ErrNoRows) {
		return Object{}, ErrNotFound
	}
	if err != nil {
		return Object{}, fmt.Errorf("sandboxstore: object: %w", err)
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if arch.Valid {
		t := arch.Time.UTC()
		o.ArchivedAt = &t
	}
	if o.Properties, err = sandboxDecodeProps(props); err != nil {
		return Object{}, err
	}
	return o, nil
}

func (s *Store) querySandboxObjects(ctx context.Context, q querier, query string, args ...any) ([]Object, error) {
	return scanAll(ctx, q, "sandbox objects", scanSandboxObject, query, args...)
}

// sandboxForUpdate locks selected rows in MySQL; SQLite's write transaction already
// holds the only write lock.
func (s *Store) sandboxForUpdate() string {
	if s.mysql() {
		return " FOR UPDATE"
	}
	return ""
}

// CreateObjects creates records of one type in one transaction and returns
// them in input order. unique names the type's unique properties: their values are
// claimed atomically, and a value another record holds is a *ConflictError
// for the whole call (nothing is created).
func (s *Store) CreateObjects(ctx context.Context, typ string, unique map[string]bool, in []ObjectInput) ([]Object, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if err := sandboxCheckBatchUnique(unique, in, nil); err != nil {
		return nil, err
	}
	ids, err := s.sandboxAllocIDs(ctx, len(in))
	if err != nil {
		return nil, err
	}
	var out []Object
	err = s.sandboxTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.createSandboxObjectsTx(ctx, tx, typ, unique, ids, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sandboxCheckBatchUnique refuses two inputs of one call with the same unique value.
func sandboxCheckBatchUnique(unique map[string]bool, in []ObjectInput, up []ObjectUpdate) error {
	if len(unique) == 0 {
		return nil
	}
	seen := map[[2]string]bool{}
	check := func(props map[string]string) error {
		for name := range unique {
			v := props[name]
			if v == "" {
				continue
			}
			if len(v) > UniqueMax {
				return fmt.Errorf("sandboxstore:: %s value longer than %d characters", name, UniqueMax)
			}
			k := [2]string{name, v}
			if seen[k] {
				return &ConflictError{Property: name, Value: v}
			}
			seen[k] = true
		}
		return nil
	}
	for _, o := range in {
		if err := check(o.Properties); err != nil {
			return err
		}
	}
	for _, u := range up {
		if err := check(u.Properties); err != nil {
			return err
		}
	}
	return nil
}

// sandboxClaim is one unique value an object takes.
type sandboxClaim struct {
	property, value string
	objectID        int64
}

// sandboxCheckUniqueFree reports the first claim whose value another object holds.
func (s *Store) sandboxCheckUniqueFree(ctx context.Context, tx *sql.Tx, typ string, claims []sandboxClaim) error {
	byProp := map[string][]sandboxClaim{}
	for _, c := range claims {
		byProp[c.property] = append(byProp[c.property], c)
	}
	for prop, cs := range byProp {
		values := make([]string, len(cs))
		for i, c := range cs {
			values[i] = c.value
		}
		held, err := sandboxUniqueHolders(ctx, tx, typ, prop, values)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if id, ok := held[c.value]; ok && id != c.objectID {
				return &ConflictError{Property: prop, Value: c.value, ExistingID: id}
			}
		}
	}
	return nil
}

// sandboxInsertUnique claims values; sorted so concurrent writers lock keys in one order.
func sandboxInsertUnique(ctx context.Context, tx *sql.Tx, typ string, claims []sandboxClaim) error {
	if len(claims) == 0 {
		return nil
	}
	slices.SortFunc(claims, func(a, b sandboxClaim) int {
		if c := strings.Compare(a.property, b.property); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	args := make([]any, 0, 4*len(claims))
	for _, c := range claims {
		args = append(args, typ, c.property, c.value, c.objectID)
	}
	return sandboxInsert(ctx, tx, `INSERT INTO sandbox_unique_values (object_type, property, value, object_id) VALUES `, "", 4, args)
}

func (s *Store) createSandboxObjectsTx(ctx context.Context, tx *sql.Tx, typ string, unique map[string]bool, ids []int64, in []ObjectInput) ([]Object, error) {
	at := now()
	objs := make([]Object, len(in))
	var claims []sandboxClaim
	objArgs := make([]any, 0, 6*len(in))
	var assocs []Association
	for i, o := range in {
		created := at
		if !o.CreatedAt.IsZero() {
			created = o.CreatedAt.UTC().Truncate(time.Millisecond)
		}
		props := sandboxNonEmpty(o.Properties)
		objs[i] = Object{ID: ids[i], Type: typ, Properties: props, CreatedAt: created, UpdatedAt: at}
		for name := range unique {
			if v := props[name]; v != "" {
				claims = append(claims, sandboxClaim{property: name, value: v, objectID: ids[i]})
			}
		}
		enc, err := sandboxEncodeProps(props)
		if err != nil {
			return nil, err
		}
		objArgs = append(objArgs, ids[i], typ, enc, sandboxSimulationID(props), sandboxTime(created), sandboxTime(at))
		for _, a := range o.Associations {
			if a.FromID == 0 {
				a.FromID = ids[i]
			}
			if a.ToID == 0 {
				a.ToID = ids[i]
			}
			assocs = append(assocs, a)
		}
	}
	if len(claims) > 0 {
		if err := s.sandboxCheckUniqueFree(ctx, tx, typ, claims); err != nil {
			return nil, err
		}
	}
	if err := sandboxInsert(ctx, tx, `INSERT INTO sandbox_objects (id, object_type, properties, simulation_id, created_at, updated_at) VALUES `, "", 6, objArgs); err != nil {
		return nil, fmt.Errorf("sandboxstore: create objects: %w", err)
	}
	if err := sandboxInsertUnique(ctx, tx, typ, claims); err != nil {
		return nil, fmt.Errorf("sandboxstore: create objects: %w", err)
	}
	if err := s.sandboxInsertAssociations(ctx, tx, assocs, at); err != nil {
		return nil, err
	}
	return objs, nil
}

// UpdateObjects changes properties of records of one type in one
// transaction and returns them in input order. An id that does not exist (or is
// archived) is ErrNotFound for the whole call; a unique value held by another
// record is a *ConflictError.
func (s *Store) UpdateObjects(ctx context.Context, typ string, unique map[string]bool, up []ObjectUpdate) ([]Object, error) {
	if len(up) == 0 {
		return nil, nil
	}
	if err := sandboxCheckBatchUnique(unique, nil, up); err != nil {
		return nil, err
	}
	var out []Object
	err := s.sandboxTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.updateSandboxObjectsTx(ctx, tx, typ, unique, up)
		return err
	})
	return out, err
}

func (s *Store) updateSandboxObjectsTx(ctx context.Context, tx *sql.Tx, typ string, unique map[string]bool, up []ObjectUpdate) ([]Object, error) {
	ids := make([]int64, len(up))
	for i, u := range up {
		ids[i] = u.ID
	}
	current, err := s.querySandboxObjects(ctx, tx, `SELECT `+sandboxObjectColumns+` FROM sandbox_objects WHERE object_type = ? AND archived = FALSE AND id IN (`+sandboxMarks(len(ids))+`)`+s.sandboxForUpdate(),
		append([]any{typ}, sandboxIDArgs(ids)...)...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*Object, len(current))
	for i := range current {
		byID[current[i].ID] = &current[i]
	}
	at := now()
	var claims []sandboxClaim
	var released []any // (property, value) pairs
	touched := make([]*Object, 0, len(up))
	seen := make(map[int64]bool, len(up))
	for _, u := range up {
		o := byID[u.ID]
		if o == nil {
			return nil, ErrNotFound
		}
		for name, v := range u.Properties {
			old := o.Properties[name]
			if v == old {
				continue
			}
			if unique[name] {
				if old != "" {
					released = append(released, name, old)
				}
				if v != "" {
					claims = append(claims, sandboxClaim{property: name, value: v, objectID: o.ID})
				}
			}
			if v == "" {
				delete(o.Properties, name)
			} else {
				o.Properties[name] = v
			}
		}
		if !seen[o.ID] {
			seen[o.ID] = true
			o.UpdatedAt = at
			touched = append(touched, o)
		}
	}
	if len(claims) > 0 {
		if err := s.sandboxCheckUniqueFree(ctx, tx, typ, claims); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(released); i += 2 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_unique_values WHERE object_type = ? AND property = ? AND value = ?`, typ, released[i], released[i+1]); err != nil {
			return nil, fmt.Errorf("sandboxstore: update objects: %w", err)
		}
	}
	if err := sandboxInsertUnique(ctx, tx, typ, claims); err != nil {
		return nil, fmt.Errorf("sandboxstore: update objects: %w", err)
	}
	for _, o := range touched {
		enc, err := sandboxEncodeProps(o.Properties)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sandbox_objects SET properties = ?, simulation_id = ?, updated_at = ? WHERE id = ?`, enc, sandboxSimulationID(o.Properties), sandboxTime(at), o.ID); err != nil {
			return nil, fmt.Errorf("sandboxstore: update objects: %w", err)
		}
	}
	out := make([]Object, len(up))
	for i, u := range up {
		out[i] = *byID[u.ID]
		out[i].Properties = sandboxCloneProps(byID[u.ID].Properties)
	}
	return out, nil
}

func sandboxCloneProps(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// UpsertObjects creates or updates records of one type by the value of the
// unique property prop, in one transaction, and returns them in input order with
// New telling which were created. A concurrent writer of the same new value makes
// the transaction run again, after which the value is found and updated.
func (s *Store) UpsertObjects(ctx context.Context, typ string, unique map[string]bool, prop string, in []Upsert) ([]Upserted, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if !unique[prop] {
		return nil, fmt.Errorf("sandboxstore: upsert: %s is not a unique property of %s", prop, typ)
	}
	seen := map[string]bool{}
	for i := range in {
		if in[i].Value == "" || len(in[i].Value) > UniqueMax {
			return nil, fmt.Errorf("sandboxstore: upsert: bad %s value %q", prop, in[i].Value)
		}
		if seen[in[i].Value] {
			return nil, &ConflictError{Property: prop, Value: in[i].Value}
		}
		seen[in[i].Value] = true
	}
	// Ids for the inputs that turn out new; reserved before the transaction, since
	// reserving opens a transaction of its own. Unused ones are simply skipped.
	ids, err := s.sandboxAllocIDs(ctx, len(in))
	if err != nil {
		return nil, err
	}
	var out []Upserted
	err = s.sandboxTx(ctx, func(tx *sql.Tx) error {
		values := make([]string, len(in))
		for i := range in {
			values[i] = in[i].Value
		}
		existing, err := sandboxUniqueHolders(ctx, tx, typ, prop, values)
		if err != nil {
			return err
		}
		var creates []ObjectInput
		var updates []ObjectUpdate
		for _, u := range in {
			props := sandboxCloneProps(u.Properties)
			props[prop] = u.Value
			if id, ok := existing[u.Value]; ok {
				updates = append(updates, ObjectUpdate{ID: id, Properties: props})
			} else {
				creates = append(creates, ObjectInput{Properties: props, CreatedAt: u.CreatedAt})
			}
		}
		if err := sandboxCheckBatchUnique(unique, creates, updates); err != nil {
			return err
		}
		byValue := make(map[string]Upserted, len(in))
		if len(creates) > 0 {
			objs, err := s.createSandboxObjectsTx(ctx, tx, typ, unique, ids[:len(creates)], creates)
			if err != nil {
				return err
			}
			for _, o := range objs {
				byValue[o.Properties[prop]] = Upserted{Object: o, New: true}
			}
		}
		if len(updates) > 0 {
			objs, err := s.updateSandboxObjectsTx(ctx, tx, typ, unique, updates)
			if err != nil {
				return err
			}
			for i, o := range objs {
				byValue[updates[i].Properties[prop]] = Upserted{Object: o}
			}
		}
		out = make([]Upserted, len(in))
		for i, u := range in {
			out[i] = byValue[u.Value]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Object returns one record of a type; archived ones only when archived is true.
func (s *Store) Object(ctx context.Context, typ string, id int64, archived bool) (Object, error) {
	return scanSandboxObject(s.db.QueryRowContext(ctx,
		`SELECT `+sandboxObjectColumns+` FROM sandbox_objects WHERE id = ? AND object_type = ? AND archived = ?`, id, typ, archived))
}

// Objects returns the records of a type among ids that exist (archived ones
// only when archived is true), keyed by id.
func (s *Store) Objects(ctx context.Context, typ string, ids []int64, archived bool) (map[int64]Object, error) {
	out := make(map[int64]Object, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	objs, err := s.querySandboxObjects(ctx, s.db, `SELECT `+sandboxObjectColumns+` FROM sandbox_objects WHERE object_type = ? AND archived = ? AND id IN (`+sandboxMarks(len(ids))+`)`,
		append([]any{typ, archived}, sandboxIDArgs(ids)...)...)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		out[o.ID] = o
	}
	return out, nil
}

// ObjectIDsByUnique maps values of a unique property to the ids of the
// records holding them; values nobody holds are absent.
func (s *Store) ObjectIDsByUnique(ctx context.Context, typ, prop string, values []string) (map[string]int64, error) {
	return sandboxUniqueHolders(ctx, s.db, typ, prop, values)
}

// sandboxUniqueHolders maps values of a unique property to the ids of the records
// holding them (in a transaction too, to check before writing).
func sandboxUniqueHolders(ctx context.Context, q querier, typ, prop string, values []string) (map[string]int64, error) {
	if len(values) == 0 {
		return map[string]int64{}, nil
	}
	args := []any{typ, prop}
	for _, v := range values {
		args = append(args, v)
	}
	return keyedInts[int64](ctx, q, "sandbox unique values", `SELECT value, object_id FROM sandbox_unique_values
		WHERE object_type = ? AND property = ? AND value IN (`+sandboxMarks(len(values))+`)`, args...)
}

// ObjectTypes returns the type of each live (not archived) record among ids.
func (s *Store) ObjectTypes(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, object_type FROM sandbox_objects WHERE archived = FALSE AND id IN (`+sandboxMarks(len(ids))+`)`, sandboxIDArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("sandboxstore: object types: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var typ string
		if err := rows.Scan(&id, &typ); err != nil {
			return nil, fmt.Errorf("sandboxstore: object types: %w", err)
		}
		out[id] = typ
	}
	return out, rows.Err()
}

// ObjectPage lists records of a type by id, after the id afterID, at most limit.
func (s *Store) ObjectPage(ctx context.Context, typ string, afterID int64, limit int, archived bool) ([]Object, error) {
	return s.querySandboxObjects(ctx, s.db, `SELECT `+sandboxObjectColumns+` FROM sandbox_objects WHERE object_type = ? AND archived = ? AND id > ? ORDER BY id LIMIT ?`,
		typ, archived, afterID, limit)
}

// ArchiveObjects archives records of a type (ids that do not exist or are
// archived already are skipped), frees their unique values and drops their
// associations. It returns how many it archived.
func (s *Store) ArchiveObjects(ctx context.Context, typ string, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := s.sandboxTx(ctx, func(tx *sql.Tx) error {
		at := sandboxTime(now())
		idArgs := sandboxIDArgs(ids)
		res, err := tx.ExecContext(ctx, `UPDATE sandbox_objects SET archived = TRUE, archived_at = ?, updated_at = ? WHERE object_type = ? AND archived = FALSE AND id IN (`+sandboxMarks(len(ids))+`)`,
			append([]any{at, at, typ}, idArgs...)...)
		if err != nil {
			return fmt.Errorf("sandboxstore: archive objects: %w", err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_unique_values WHERE object_type = ? AND object_id IN (`+sandboxMarks(len(ids))+`)`, append([]any{typ}, idArgs...)...); err != nil {
			return fmt.Errorf("sandboxstore: archive objects: %w", err)
		}
		in := sandboxMarks(len(ids))
		if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_associations WHERE from_id IN (`+in+`) OR to_id IN (`+in+`)`, append(idArgs, idArgs...)...); err != nil {
			return fmt.Errorf("sandboxstore: archive objects: %w", err)
		}
		return nil
	})
	return int(n), err
}

// Counts returns how many live records each object type has.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	return keyedInts[int](ctx, s.db, "sandbox counts", `SELECT object_type, COUNT(*) FROM sandbox_objects WHERE archived = FALSE GROUP BY object_type`)
}

// Reset deletes every sandbox record, association and custom property.
// Object ids keep counting up, so ids seen before a reset never come back.
func (s *Store) Reset(ctx context.Context) error {
	for _, table := range []string{"sandbox_associations", "sandbox_unique_values", "sandbox_objects", "sandbox_properties"} {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			return fmt.Errorf("sandboxstore: reset sandbox: %s: %w", table, err)
		}
	}
	return nil
}
