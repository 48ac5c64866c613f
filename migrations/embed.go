// Package migrations holds the goose SQL migrations, one folder per dialect, embedded
// into the binary and applied at start. Landed migrations are never edited: add one.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
