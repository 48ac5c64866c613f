package storage

import (
	"context"
	"fmt"
	"time"
)

// SandboxProperty is a custom property definition of the sandbox's properties API.
// Definition is the property as the API returns it (JSON), kept opaque here.
type SandboxProperty struct {
	Type       string
	Name       string
	Definition string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SandboxPropertyDefinitionMax is the longest definition a custom property may
// have (MySQL's TEXT column).
const SandboxPropertyDefinitionMax = 65_535

// CreateSandboxProperty stores a custom property definition; a name the type has
// already is ErrDuplicate.
func (s *Store) CreateSandboxProperty(ctx context.Context, p SandboxProperty) (SandboxProperty, error) {
	at := now()
	p.CreatedAt, p.UpdatedAt = at, at
	_, err := s.db.ExecContext(ctx, `INSERT INTO sandbox_properties (object_type, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		p.Type, p.Name, p.Definition, sandboxTime(at), sandboxTime(at))
	if isDuplicate(err) {
		return SandboxProperty{}, ErrDuplicate
	}
	if err != nil {
		return SandboxProperty{}, fmt.Errorf("storage: create sandbox property: %w", err)
	}
	return p, nil
}

// SandboxProperties lists the custom property definitions of a type ("" for every
// type), by type and name.
func (s *Store) SandboxProperties(ctx context.Context, typ string) ([]SandboxProperty, error) {
	q := `SELECT object_type, name, definition, created_at, updated_at FROM sandbox_properties`
	var args []any
	if typ != "" {
		q += ` WHERE object_type = ?`
		args = append(args, typ)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY object_type, name`, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: sandbox properties: %w", err)
	}
	defer rows.Close()
	var out []SandboxProperty
	for rows.Next() {
		var p SandboxProperty
		if err := rows.Scan(&p.Type, &p.Name, &p.Definition, &p.CreatedAt, &p.UpdatedAt); err != nil {
			return nil, fmt.Errorf("storage: sandbox properties: %w", err)
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}
