package jobs

// Benchmarks of the pipeline against the sandbox (run with -benchtime=1x; every
// iteration is a whole simulation):
//
//	REDIS_URL=redis://127.0.0.1:6379/0 MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' \
//	  go test ./jobs -run '^$' -bench . -benchtime=1x
//
// BenchmarkBackfill reports backfill records/s with the sandbox's limits off next to
// raw asynq no-op tasks/s on the same Redis in the same run. BenchmarkBackfillLimited
// runs against a sandbox allowing 100 calls per 10 s and reports records/s as a
// share of that limit's ceiling, and the 429s seen (want 0).

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// noopRate runs n no-op tasks through an asynq server of the given concurrency on
// the Redis behind e and returns tasks per second (enqueueing excluded).
func noopRate(b *testing.B, e *testEnv, n, concurrency int) float64 {
	b.Helper()
	client := asynq.NewClientFromRedisClient(e.rdb.Client)
	for i := 0; i < n; i++ {
		task, _ := NewNoopTask(strconv.Itoa(i), PrimaryQueue(0, 1))
		if _, err := client.Enqueue(task); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Int64
	finished := make(chan struct{})
	mux := asynq.NewServeMux()
	mux.Handle(TypeNoop, NoopHandler(func(string) {
		if done.Add(1) == int64(n) {
			close(finished)
		}
	}))
	srv := NewServer(e.rdb.Client, ServerOptions{Concurrency: concurrency, ShutdownTimeout: time.Second, Log: quietLog()})
	start := time.Now()
	if err := srv.Start(mux); err != nil {
		b.Fatal(err)
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		b.Fatalf("no-op tasks: %d of %d done", done.Load(), n)
	}
	rate := float64(n) / time.Since(start).Seconds()
	srv.Shutdown()
	return rate
}

// backfill runs one b2b backfill of requested records and returns records/s
// (Start to completed) with the number of records.
func backfill(b *testing.B, e *testEnv, requested int) (float64, int, time.Duration) {
	b.Helper()
	start := time.Now()
	s := e.run(backfillInput(requested))
	e.wait(s.ID, storage.StatusCompleted, 15*time.Minute)
	took := time.Since(start)
	e.checkExact(s)
	return float64(s.EffectiveTotal) / took.Seconds(), s.EffectiveTotal, took
}

// benchConcurrency is the workers' concurrency (BENCH_CONCURRENCY, default 32).
func benchConcurrency() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 32
}

// benchQueued sets the backfill backlog bound (BENCH_QUEUED).
func benchQueued(o *Options) {
	if n, err := strconv.Atoi(os.Getenv("BENCH_QUEUED")); err == nil && n > 0 {
		o.BackfillQueued = n
	}
}

func BenchmarkBackfill(b *testing.B) {
	for _, d := range testenv.Dialects(b) {
		b.Run(d.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				conc := benchConcurrency()
				e := newTestEnv(b, d, envOptions{concurrency: conc, noWorkers: true, engineOptions: benchQueued})
				noop := noopRate(b, e, 20000, conc)
				e.startWorkers(conc)
				calls := e.calls.total.Load()
				rate, records, took := backfill(b, e, 25000)
				calls = e.calls.total.Load() - calls
				b.ReportMetric(noop, "noop-tasks/s")
				b.ReportMetric(rate, "records/s")
				b.ReportMetric(100*rate/noop, "%-of-noop")
				b.ReportMetric(float64(calls)/float64(records), "calls/record")
				b.Logf("%s: %d records in %s (%.0f records/s, %d calls); no-op tasks %.0f/s", d.Name, records, took.Round(time.Millisecond),
					rate, calls, noop)
			}
		})
	}
}

func BenchmarkBackfillLimited(b *testing.B) {
	const burst = 100
	for _, d := range testenv.Dialects(b)[:1] {
		b.Run(d.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				limits := ratelimit.Limits{Burst: burst, Interval: 10 * time.Second, Guard: ratelimit.DefaultGuard}
				e := newTestEnv(b, d, envOptions{concurrency: 32, limits: sandbox.Limits{Burst: burst}, engineLimits: &limits})
				// Fill the window first (the engine learns the target's properties, then
				// spends the rest of the burst), so the run is not helped by a first,
				// empty window.
				ctx := context.Background()
				tg, err := e.engine.Worker.targetOf(ctx, storage.Simulation{TargetKind: storage.TargetSandbox})
				if err != nil {
					b.Fatal(err)
				}
				if err := tg.prepare(ctx); err != nil {
					b.Fatal(err)
				}
				for e.calls.total.Load() < burst {
					if err := tg.do(ctx, "", func(ctx context.Context) error { _, err := tg.client.Properties(ctx, "contacts"); return err }); err != nil {
						b.Fatal(err)
					}
				}
				before := e.calls.total.Load()
				_, records, took := backfill(b, e, 10000)
				times := e.calls.since(int(before))
				calls := len(times)
				perRecord := float64(calls) / float64(records)
				ceiling := burst / 10.0 / perRecord // records/s the limit allows at this many calls per record
				// The window refills in bursts: measure over whole cycles, from the
				// first burst of the run to the start of its last one.
				var starts []time.Time
				for i, tm := range times {
					if i == 0 || tm.Sub(times[i-1]) > 2*time.Second {
						starts = append(starts, tm)
					}
				}
				steady, cycle := 0.0, time.Duration(0)
				if len(starts) >= 2 {
					cycle = starts[len(starts)-1].Sub(starts[0])
					n := 0
					for _, tm := range times {
						if tm.Before(starts[len(starts)-1]) {
							n++
						}
					}
					steady = float64(n) / cycle.Seconds() / perRecord
				}
				b.ReportMetric(steady, "records/s")
				b.ReportMetric(ceiling, "ceiling-records/s")
				b.ReportMetric(100*steady/ceiling, "%-of-ceiling")
				b.ReportMetric(float64(e.calls.tooMany.Load()), "429s")
				b.Logf("%s: %d records in %s, %d calls (%.4f per record, %d bursts); over %s of whole cycles %.1f records/s of a %.1f ceiling (%.1f%%); whole run %.1f records/s; %d 429s",
					d.Name, records, took.Round(time.Millisecond), calls, perRecord, len(starts), cycle.Round(time.Millisecond), steady, ceiling,
					100*steady/ceiling, float64(records)/took.Seconds(), e.calls.tooMany.Load())
			}
		})
	}
}
