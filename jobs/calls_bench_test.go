package jobs

import (
	"os"
	"strconv"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
)

// BenchmarkCallsPerRecord runs a b2b backfill (BENCH_RECORDS requested, 2,500 by
// default) and reports HTTP calls per record: all of them, those that create
// objects and those that send the journeys' updates (batch/update).
//
//	go test ./jobs -run '^$' -bench CallsPerRecord -benchtime=1x
func BenchmarkCallsPerRecord(b *testing.B) {
	requested := 2500
	if n, err := strconv.Atoi(os.Getenv("BENCH_RECORDS")); err == nil && n > 0 {
		requested = n
	}
	d := testenv.Dialects(b)[0]
	for i := 0; i < b.N; i++ {
		e := newTestEnv(b, d, envOptions{})
		calls, updates := e.calls.total.Load(), e.calls.count("/batch/update")
		_, records, _ := backfill(b, e, requested)
		calls = e.calls.total.Load() - calls
		updates = e.calls.count("/batch/update") - updates
		b.ReportMetric(float64(calls)/float64(records), "calls/record")
		b.ReportMetric(float64(calls-int64(updates))/float64(records), "create-calls/record")
		b.ReportMetric(float64(updates)/float64(records), "update-calls/record")
		b.Logf("%s: %d records, %d calls (%d batch updates)", d.Name, records, calls, updates)
	}
}
