package hubspot

import (
	"context"
	"time"
)

// A probe makes a few quick calls, each with its own short limit.
const (
	ProbeCallTimeout = 5 * time.Second
	probeBudget      = 25 * time.Second
)

// Probe checks a token against a base URL the way SimCRM will use it: it reads
// each object type's properties and defines simcrm_simulation_id and
// simcrm_record_key where they are missing (EnsureTraceProperties). opts come
// after the probe's own (Egress.Options for a user-given base URL).
func Probe(ctx context.Context, baseURL, token string, opts ...Option) (TraceReport, error) {
	client, err := NewClient(baseURL, token, append([]Option{WithTimeout(ProbeCallTimeout), WithUserAgent("simcrm-probe/1")}, opts...)...)
	if err != nil {
		return TraceReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeBudget)
	defer cancel()
	return client.EnsureTraceProperties(ctx)
}
