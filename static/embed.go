// Package static holds SimCRM's stylesheet and the vendored htmx (see js/VERSION),
// embedded into the binary.
package static

import "embed"

// FS holds css/ and js/.
//
//go:embed css js
var FS embed.FS
