package sandboxstore

import (
	"context"
	"fmt"
	"time"
)

// Property is a custom property definition of the sandbox's properties API.
// Definition is the property as the API returns it (JSON), kept opaque here.
type Property struct {
	Type       string
	Name       string
	Definition string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// PropertyDefinitionMax is the longest definition a custom property may
// have (MySQL's TEXT column).
const PropertyDefinitionMax = 65_535

// CreateProperty stores a custom property definition; a name the type has
// already is ErrDuplicate.
func (s *Store) CreateProperty(ctx context.Context, p Property) (Property, error) {
	at := now()
	p.CreatedAt, p.UpdatedAt = at, at
	_, err := s.db.ExecContext(ctx, `INSERT INTO sandbox_properties (object_type, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		p.Type, p.Name, p.Definition, sandboxTime(at), sandboxTime(at))
	if isDuplicate(err) {
		return Property{}, ErrDuplicate
	}
	if err != nil {
		return Property{}, fmt.Errorf("sandboxstore: create property: %w", err)
	}
	return p, nil
}

// Properties lists the custom property definitions of a type ("" for every
// type), by type and name.
func (s *Store) Properties(ctx context.Context, typ string) ([]Property, error) {
	q := `SELECT object_type, name, definition, created_at, updated_at FROM sandbox_properties`
	var args []any
	if typ != "" {
		q += ` WHERE object_type = ?`
		args = append(args, typ)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY object_type, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("sandboxstore: properties: %w", err)
	}
	defer rows.Close()
	var out []Property
	for rows.Next() {
		var p Property
		if err := rows.Scan(&p.Type, &p.Name, &p.Definition, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, fmt.Errorf("sandboxstore: properties: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}
