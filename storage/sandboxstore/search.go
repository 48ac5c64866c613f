package sandboxstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

// Sandbox search operators (HubSpot's names).
const (
	EQ               = "EQ"
	NEQ              = "NEQ"
	LT               = "LT"
	LTE              = "LTE"
	GT               = "GT"
	GTE              = "GTE"
	Between          = "BETWEEN"
	In               = "IN"
	NotIn            = "NOT_IN"
	HasProperty      = "HAS_PROPERTY"
	NotHasProperty   = "NOT_HAS_PROPERTY"
	ContainsToken    = "CONTAINS_TOKEN"
	NotContainsToken = "NOT_CONTAINS_TOKEN"
)

// Filter is one search condition on a property. Numeric filters compare
// values as numbers with Num/HighNum/Nums (the system properties hs_object_id,
// createdate and lastmodifieddate are always numeric: ids and Unix ms); the others
// compare text with Value/HighValue/Values.
type Filter struct {
	Property  string
	Operator  string
	Value     string
	HighValue string
	Values    []string
	Numeric   bool
	Num       float64
	HighNum   float64
	Nums      []float64
}

// Search is a search over the live records of one type: groups of filters
// that must all match (AND), any group matching (OR); an optional free-text query
// (substring, any case) over QueryProperties; one sort; a page by offset. Unique
// names the type's unique properties, whose EQ and IN filters use their index.
type Search struct {
	Type            string
	Groups          [][]Filter
	Query           string
	QueryProperties []string
	SortProperty    string // "" sorts by id
	SortDescending  bool
	SortNumeric     bool
	Offset          int
	Limit           int
	Unique          map[string]bool
}

// Properties the sandbox keeps in columns rather than in the JSON.
func sandboxColumn(prop string) (col string, isTime bool) {
	switch prop {
	case "hs_object_id":
		return "o.id", false
	case "createdate", "hs_createdate":
		return "o.created_at", true
	case "lastmodifieddate", "hs_lastmodifieddate":
		return "o.updated_at", true
	}
	return "", false
}

// ColumnProperty reports whether a property is a system property kept in a
// column (ids and datetimes, filtered as numbers).
func ColumnProperty(prop string) bool {
	col, _ := sandboxColumn(prop)
	return col != ""
}

// SearchObjects runs a search and returns one page and the total number of
// matches. Filters on unique properties, on simcrm_simulation_id and on system
// properties use indexes; others read the JSON of every record of the type that
// the indexed filters leave (JSON_EXTRACT / json_extract), so they stay correct
// but cost a scan on large types.
func (s *Store) SearchObjects(ctx context.Context, q Search) ([]Object, int, error) {
	where, args, err := s.sandboxWhere(q)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sandbox_objects o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sandboxstore: search: %w", err)
	}
	if total == 0 || q.Offset >= total || q.Limit <= 0 {
		return nil, total, nil
	}
	dir := " ASC"
	if q.SortDescending {
		dir = " DESC"
	}
	order := `o.id` + dir
	col, _ := sandboxColumn(q.SortProperty)
	switch {
	case q.SortProperty == "" || col == "o.id":
	case col != "":
		order = col + dir + `, o.id` + dir
	default:
		key := s.sandboxJSONValue(q.SortProperty, q.SortNumeric)
		args = append(args, sandboxJSONPath(q.SortProperty), sandboxJSONPath(q.SortProperty))
		// Records without the property come last in either direction.
		order = `(` + s.sandboxJSONValue(q.SortProperty, false) + ` IS NULL), ` + key + dir + `, o.id` + dir
	}
	cols := "o." + strings.ReplaceAll(sandboxObjectColumns, ", ", ", o.")
	objs, err := s.querySandboxObjects(ctx, s.db, `SELECT `+cols+` FROM sandbox_objects o WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	return objs, total, nil
}

// sandboxJSONPath is the JSON path of a top-level property.
func sandboxJSONPath(prop string) string {
	return `$."` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(prop) + `"`
}

// sandboxJSONValue is the SQL expression of a property's value (NULL when unset)
// taking its JSON path as one argument; numeric casts it to a number.
func (s *Store) sandboxJSONValue(prop string, numeric bool) string {
	if s.mysql() {
		v := `JSON_UNQUOTE(JSON_EXTRACT(o.properties, ?))`
		if numeric {
			return `CAST(` + v + ` AS DOUBLE)`
		}
		return v
	}
	if numeric {
		return `CAST(json_extract(o.properties, ?) AS REAL)`
	}
	return `json_extract(o.properties, ?)`
}

// sandboxWhere builds the WHERE clause of a search over sandbox_objects o.
func (s *Store) sandboxWhere(q Search) (string, []any, error) {
	var b strings.Builder
	args := []any{q.Type}
	b.WriteString(`o.object_type = ? AND o.archived = FALSE`)
	if len(q.Groups) > 0 {
		b.WriteString(` AND (`)
		for gi, g := range q.Groups {
			if gi > 0 {
				b.WriteString(` OR `)
			}
			b.WriteString(`(`)
			if len(g) == 0 {
				b.WriteString(`1 = 1`)
			}
			for fi, f := range g {
				if fi > 0 {
					b.WriteString(` AND `)
				}
				cond, cargs, err := s.sandboxCondition(q, f)
				if err != nil {
					return "", nil, err
				}
				b.WriteString(cond)
				args = append(args, cargs...)
			}
			b.WriteString(`)`)
		}
		b.WriteString(`)`)
	}
	if q.Query != "" && len(q.QueryProperties) > 0 {
		b.WriteString(` AND (`)
		pattern := "%" + sandboxLikeEscape(strings.ToLower(q.Query)) + "%"
		for i, p := range q.QueryProperties {
			if i > 0 {
				b.WriteString(` OR `)
			}
			b.WriteString(`LOWER(` + s.sandboxJSONValue(p, false) + `) LIKE ? ESCAPE '!'`)
			args = append(args, sandboxJSONPath(p), pattern)
		}
		b.WriteString(`)`)
	}
	return b.String(), args, nil
}

// sandboxLikeEscape escapes LIKE wildcards with '!' and turns HubSpot's '*' into '%'.
func sandboxLikeEscape(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_", "*", "%")
	return r.Replace(s)
}

func (s *Store) sandboxCondition(q Search, f Filter) (string, []any, error) {
	if col, isTime := sandboxColumn(f.Property); col != "" {
		return sandboxColumnCondition(col, isTime, f)
	}
	// Indexed shortcuts: unique values, and the simulation id column.
	if !f.Numeric && (f.Operator == EQ || f.Operator == In) {
		values := f.Values
		if f.Operator == EQ {
			values = []string{f.Value}
		}
		if q.Unique[f.Property] {
			if len(values) == 0 {
				return `1 = 0`, nil, nil
			}
			args := []any{q.Type, f.Property}
			for _, v := range values {
				args = append(args, v)
			}
			return `o.id IN (SELECT object_id FROM sandbox_unique_values WHERE object_type = ? AND property = ? AND value IN (` + sandboxMarks(len(values)) + `))`, args, nil
		}
		if f.Property == hubspot.SimulationIDProperty && len(values) > 0 && fitsSimulationColumn(values) {
			args := make([]any, len(values))
			for i, v := range values {
				args[i] = v
			}
			return `o.simulation_id IN (` + sandboxMarks(len(values)) + `)`, args, nil
		}
	}

	path := sandboxJSONPath(f.Property)
	val := s.sandboxJSONValue(f.Property, f.Numeric)
	one, high := any(f.Value), any(f.HighValue)
	var many []any
	if f.Numeric {
		one, high = f.Num, f.HighNum
		for _, n := range f.Nums {
			many = append(many, n)
		}
	} else {
		for _, v := range f.Values {
			many = append(many, v)
		}
	}
	switch f.Operator {
	case EQ:
		return val + ` = ?`, []any{path, one}, nil
	case NEQ:
		return `(` + val + ` IS NULL OR ` + val + ` <> ?)`, []any{path, path, one}, nil
	case LT, LTE, GT, GTE:
		return val + ` ` + sandboxSQLOperator(f.Operator) + ` ?`, []any{path, one}, nil
	case Between:
		return val + ` BETWEEN ? AND ?`, []any{path, one, high}, nil
	case In:
		if len(many) == 0 {
			return `1 = 0`, nil, nil
		}
		return val + ` IN (` + sandboxMarks(len(many)) + `)`, append([]any{path}, many...), nil
	case NotIn:
		if len(many) == 0 {
			return `1 = 1`, nil, nil
		}
		return `(` + val + ` IS NULL OR ` + val + ` NOT IN (` + sandboxMarks(len(many)) + `))`, append([]any{path, path}, many...), nil
	case HasProperty, NotHasProperty:
		not := "NOT "
		if f.Operator == NotHasProperty {
			not = ""
		}
		return s.sandboxJSONValue(f.Property, false) + ` IS ` + not + `NULL`, []any{path}, nil
	case ContainsToken, NotContainsToken:
		text := s.sandboxJSONValue(f.Property, false)
		pattern := "%" + sandboxLikeEscape(strings.ToLower(f.Value)) + "%"
		if f.Operator == ContainsToken {
			return `LOWER(` + text + `) LIKE ? ESCAPE '!'`, []any{path, pattern}, nil
		}
		return `(` + text + ` IS NULL OR LOWER(` + text + `) NOT LIKE ? ESCAPE '!')`, []any{path, path, pattern}, nil
	}
	return "", nil, fmt.Errorf("sandboxstore: search: unknown operator %q", f.Operator)
}

func fitsSimulationColumn(values []string) bool {
	for _, v := range values {
		if v == "" || len(v) > sandboxSimulationIDMax {
			return false
		}
	}
	return true
}

func sandboxSQLOperator(op string) string {
	switch op {
	case LT:
		return "<"
	case LTE:
		return "<="
	case GT:
		return ">"
	case GTE:
		return ">="
	case NEQ:
		return "<>"
	}
	return "="
}

// sandboxColumnCondition filters on a system property kept in a column; values
// are numeric (ids, or datetimes as Unix ms).
func sandboxColumnCondition(col string, isTime bool, f Filter) (string, []any, error) {
	conv := func(n float64) any {
		if isTime {
			return sandboxTime(time.UnixMilli(int64(n)))
		}
		return int64(n)
	}
	switch f.Operator {
	case EQ, NEQ, LT, LTE, GT, GTE:
		return col + ` ` + sandboxSQLOperator(f.Operator) + ` ?`, []any{conv(f.Num)}, nil
	case Between:
		return col + ` BETWEEN ? AND ?`, []any{conv(f.Num), conv(f.HighNum)}, nil
	case In, NotIn:
		if len(f.Nums) == 0 {
			if f.Operator == In {
				return `1 = 0`, nil, nil
			}
			return `1 = 1`, nil, nil
		}
		args := make([]any, len(f.Nums))
		for i, n := range f.Nums {
			args[i] = conv(n)
		}
		not := ""
		if f.Operator == NotIn {
			not = "NOT "
		}
		return col + ` ` + not + `IN (` + sandboxMarks(len(args)) + `)`, args, nil
	case HasProperty:
		return `1 = 1`, nil, nil
	case NotHasProperty:
		return `1 = 0`, nil, nil
	case ContainsToken, NotContainsToken:
		return "", nil, fmt.Errorf("sandboxstore: search: %s does not apply to %s", f.Operator, col)
	}
	return "", nil, fmt.Errorf("sandboxstore: search: unknown operator %q", f.Operator)
}
