package cli

import (
	"context"
	"errors"
	"io"
)

// runSandbox runs the HubSpot-compatible sandbox alone.
func runSandbox(ctx context.Context, args []string, out io.Writer) error {
	return errors.New("sandbox: not built yet")
}
