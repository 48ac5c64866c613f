// Package static holds SimCRM's stylesheet, its small script, the favicon and the
// vendored htmx (see js/VERSION), embedded into the binary.
package static

import "embed"

// FS holds css/, js/ and favicon.svg.
//
//go:embed css js favicon.svg
var FS embed.FS
