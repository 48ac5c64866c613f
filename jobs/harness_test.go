package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/internal/siminput"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

const testSandboxToken = "pat-na1-engine-test-token-0123456789"

// testEnv is one engine with its workers, its database (one dialect), its own
// Redis database and a sandbox served over HTTP on a loopback port.
type testEnv struct {
	t       testing.TB
	dialect testenv.Dialect
	store   *storage.Store
	rdb     *storage.Redis
	sandbox *sandbox.Server
	baseURL string
	engine  *Engine
	cfg     config.Config
	user    int64
	calls   *callCounter
	log     *slog.Logger

	server *asynq.Server
	stop   context.CancelFunc
	done   chan struct{}
}

// envOptions tune a test environment.
type envOptions struct {
	limits        sandbox.Limits    // the sandbox's limits (zero: off)
	engineLimits  *ratelimit.Limits // the engine's limiter for the sandbox (nil: none)
	env           map[string]string // settings
	concurrency   int
	noWorkers     bool
	redisURL      string
	engineOptions func(*Options)
}

// callCounter counts the HTTP calls the engine makes to its target, by method and
// path suffix, and the 429 answers; it keeps when each call was made.
type callCounter struct {
	mu      sync.Mutex
	calls   map[string]int
	total   atomic.Int64
	tooMany atomic.Int64
	next    http.RoundTripper
	times   []time.Time
}

func (c *callCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	key := r.Method + " " + r.URL.Path
	if i := strings.Index(key, "/crm/"); i >= 0 {
		key = r.Method + " " + key[i:]
	}
	c.mu.Lock()
	c.calls[key]++
	c.mu.Unlock()
	c.total.Add(1)
	c.mu.Lock()
	c.times = append(c.times, time.Now())
	c.mu.Unlock()
	resp, err := c.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.tooMany.Add(1)
	}
	return resp, err
}

// since returns the times of the calls after the first n.
func (c *callCounter) since(n int) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.times[min(n, len(c.times)):]...)
}

func (c *callCounter) count(suffix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.calls {
		if strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}

func quietLog() *slog.Logger {
	if os.Getenv("JOBS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newTestEnv starts everything for one dialect.
func newTestEnv(t testing.TB, d testenv.Dialect, o envOptions) *testEnv {
	t.Helper()
	ctx := context.Background()
	log := quietLog()
	store, err := storage.Open(ctx, d.Name, d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	url := o.redisURL
	if url == "" {
		url = testenv.RedisURL(t)
	}
	rdb, err := storage.OpenRedis(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	rdb.Watch(200 * time.Millisecond)

	sb := sandbox.New(store.Sandbox(), sandbox.Options{Token: testSandboxToken, Limits: o.limits, Log: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sb.Handler().Listener(ln) }()
	t.Cleanup(func() { _ = sb.Handler().ShutdownWithTimeout(time.Second) })
	base := "http://" + ln.Addr().String()

	vars := map[string]string{"HTTP_ADDR": "127.0.0.1:0", "SANDBOX_URL": base, "SANDBOX_TOKEN": testSandboxToken,
		"SANDBOX_BURST": "0", "SANDBOX_DAILY": "0"}
	for k, v := range o.env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.TokenEncSecret = make([]byte, 32)
	calls := &callCounter{calls: map[string]int{}, next: http.DefaultTransport.(*http.Transport).Clone()}
	eo := Options{Config: cfg, Store: store, Redis: rdb, Log: log, SandboxLimits: o.engineLimits,
		HTTPClient: &http.Client{Transport: calls}, ReconcileEvery: time.Hour}
	if o.engineOptions != nil {
		o.engineOptions(&eo)
	}
	engine, err := New(eo)
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateUser(ctx, "engine-"+d.Name+"@example.com", "x", storage.RolePlayer)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, dialect: d, store: store, rdb: rdb, sandbox: sb, baseURL: base, engine: engine, cfg: cfg,
		user: u.ID, calls: calls, log: log}
	if !o.noWorkers {
		e.startWorkers(o.concurrency)
	}
	t.Cleanup(e.stopWorkers)
	return e
}

// startWorkers runs an asynq server with the engine's handlers and the engine's
// background loop.
func (e *testEnv) startWorkers(concurrency int) {
	if concurrency == 0 {
		concurrency = 16
	}
	e.server = NewServer(e.rdb.Client, ServerOptions{Concurrency: concurrency, ShutdownTimeout: 5 * time.Second, Log: e.log,
		RetryDelay: e.engine.Worker.RetryDelay, ErrorHandler: asynq.ErrorHandlerFunc(e.engine.Worker.HandleError)})
	mux := asynq.NewServeMux()
	e.engine.Worker.Register(mux)
	if err := e.server.Start(mux); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop, e.done = cancel, make(chan struct{})
	go func() { e.engine.Reconciler.Run(ctx); close(e.done) }()
}

func (e *testEnv) stopWorkers() {
	if e.server == nil {
		return
	}
	e.server.Shutdown()
	e.stop()
	<-e.done
	e.server = nil
}

// input is a small b2b backfill over the last two days.
func backfillInput(records int) siminput.Input {
	seed := int64(42)
	end := time.Now().UTC().Truncate(time.Hour)
	return siminput.Input{Name: "test", Scenario: "b2b", Distribution: "linear", Start: end.Add(-48 * time.Hour), End: end,
		TotalRecords: records, PaceMode: "backfill", Target: "sandbox", Seed: &seed}
}

// run creates and starts a simulation.
func (e *testEnv) run(in siminput.Input) storage.Simulation {
	e.t.Helper()
	ctx := context.Background()
	s, fe, err := e.engine.Lifecycle.Create(ctx, e.user, in)
	if err != nil || len(fe) > 0 {
		e.t.Fatalf("create: %v %v", fe, err)
	}
	s, err = e.engine.Lifecycle.Start(ctx, s.ID)
	if err != nil {
		e.t.Fatalf("start: %v", err)
	}
	return s
}

// wait waits for a simulation to reach a status.
func (e *testEnv) wait(id int64, status string, timeout time.Duration) storage.Simulation {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var s storage.Simulation
	for time.Now().Before(deadline) {
		var err error
		s, err = e.store.Simulation(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if s.Status == status {
			return s
		}
		if s.Finished() && s.Status != status {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	m, _ := e.engine.Progress.Metrics(context.Background(), id)
	st, _ := e.store.SegmentStateCounts(context.Background(), id)
	e.t.Fatalf("simulation %d: want %s, got %s (%s); segments %v; metrics %+v", id, status, s.Status, s.StatusReason, st, m)
	return s
}

// rawDB opens the test's database directly, for checks the store has no query for.
func (e *testEnv) rawDB() *sql.DB {
	e.t.Helper()
	var db *sql.DB
	var err error
	if e.dialect.Name == storage.SQLite {
		db, err = sql.Open("sqlite", "file:"+e.dialect.DSN+"?_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("mysql", e.dialect.DSN)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// planOf is the exact plan of a stored simulation per singular kind.
func (e *testEnv) planOf(s storage.Simulation) map[string]int {
	e.t.Helper()
	spec, err := e.engine.Worker.specOf(context.Background(), s)
	if err != nil {
		e.t.Fatal(err)
	}
	t := sim.CountTotals(spec, spec.Planner.Count())
	out := map[string]int{}
	for _, k := range sim.TrackedKinds {
		out[string(k)] = t.Get(k)
	}
	return out
}

// checkExact verifies that the target holds exactly the planned objects of a
// simulation, once each: sandbox counts per type = ledger = plan, and every
// simcrm_record_key value is unique.
func (e *testEnv) checkExact(s storage.Simulation) {
	e.t.Helper()
	ctx := context.Background()
	plan := e.planOf(s)
	ledger, err := e.store.LedgerCounts(ctx, s.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	db := e.rawDB()
	rows, err := db.QueryContext(ctx, `SELECT o.object_type, COUNT(*), COUNT(DISTINCT u.value) FROM sandbox_objects o
		LEFT JOIN sandbox_unique_values u ON u.object_id = o.id AND u.property = 'simcrm_record_key'
		WHERE o.simulation_id = ? AND o.archived = FALSE GROUP BY o.object_type`, simID(s.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	inTarget := map[string]int{}
	for rows.Next() {
		var typ string
		var n, distinct int
		if err := rows.Scan(&typ, &n, &distinct); err != nil {
			e.t.Fatal(err)
		}
		if n != distinct {
			e.t.Errorf("%s: %d objects but %d distinct simcrm_record_key values", typ, n, distinct)
		}
		inTarget[typ] = n
	}
	for _, k := range sim.ObjectKinds {
		want := plan[string(k)]
		got := inTarget[k.Plural()]
		if got != want || int(ledger[string(k)]) != want {
			e.t.Errorf("%s: plan %d, sandbox %d, ledger %d", k.Plural(), want, got, ledger[string(k)])
		}
	}
	// Planned updates: each once in the ledger.
	for _, k := range sim.UpdateKinds {
		if want := plan[string(k)]; int(ledger[string(k)]) != want {
			e.t.Errorf("%s: plan %d, ledger %d", k.Plural(), want, ledger[string(k)])
		}
	}
}

// checkAccounted verifies the engine's promise for every object type, by
// distinct record key: planned = created + thinned + failed (in the DLQ, not
// created) + blocked by a failed record; no key is both created and skipped; the
// sandbox holds each created object once. It returns the thinned and failed
// totals.
func (e *testEnv) checkAccounted(s storage.Simulation) (thinned, failed int64) {
	e.t.Helper()
	ctx := context.Background()
	plan := e.planOf(s)
	ledger, err := e.store.LedgerCounts(ctx, s.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	skips, err := e.store.SkipCounts(ctx, s.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	dead, err := e.store.FailedCounts(ctx, s.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	db := e.rawDB()
	var both int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger l JOIN simulation_skips k
		ON k.simulation_id = l.simulation_id AND k.record_key = l.record_key WHERE l.simulation_id = ?`, s.ID).Scan(&both); err != nil {
		e.t.Fatal(err)
	}
	if both != 0 {
		e.t.Errorf("%d objects are both created and skipped", both)
	}
	var skippedFailed int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT d.record_key) FROM dlq_entries d JOIN simulation_skips k
		ON k.simulation_id = d.simulation_id AND k.record_key = d.record_key WHERE d.simulation_id = ?`, s.ID).Scan(&skippedFailed); err != nil {
		e.t.Fatal(err)
	}
	if skippedFailed != 0 {
		e.t.Errorf("%d objects are both in the DLQ and skipped", skippedFailed)
	}
	rows, err := db.QueryContext(ctx, `SELECT o.object_type, COUNT(*), COUNT(DISTINCT u.value) FROM sandbox_objects o
		LEFT JOIN sandbox_unique_values u ON u.object_id = o.id AND u.property = 'simcrm_record_key'
		WHERE o.simulation_id = ? AND o.archived = FALSE GROUP BY o.object_type`, simID(s.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	inTarget := map[string]int64{}
	for rows.Next() {
		var typ string
		var n, distinct int64
		if err := rows.Scan(&typ, &n, &distinct); err != nil {
			e.t.Fatal(err)
		}
		if n != distinct {
			e.t.Errorf("%s: %d objects but %d distinct simcrm_record_key values", typ, n, distinct)
		}
		inTarget[typ] = n
	}
	for _, k := range sim.ObjectKinds {
		typ := string(k)
		th, bl := skips[storage.SkipThinned][typ], skips[storage.SkipBlocked][typ]
		thinned += th
		failed += dead[typ]
		if got := ledger[typ] + th + dead[typ] + bl; got != int64(plan[typ]) {
			e.t.Errorf("%s: planned %d, but created %d + thinned %d + failed %d + blocked %d = %d",
				k.Plural(), plan[typ], ledger[typ], th, dead[typ], bl, got)
		}
		if inTarget[k.Plural()] != ledger[typ] {
			e.t.Errorf("%s: sandbox has %d, ledger %d", k.Plural(), inTarget[k.Plural()], ledger[typ])
		}
	}
	return thinned, failed
}

func firstDialect(t *testing.T) testenv.Dialect { return testenv.Dialects(t)[0] }

// noBreaker keeps the circuit breaker out of a test about retries.
func noBreaker(o *Options) { o.Breaker = &ratelimit.BreakerConfig{Threshold: 1_000_000} }

// waitLedger waits until a simulation's ledger holds at least n contacts.
func (e *testEnv) waitLedger(id int64, n int64, timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := e.store.LedgerCounts(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if c["contact"] >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("simulation %d: fewer than %d contacts after %s", id, n, timeout)
}

// addOverrides stores a boss's overrides of a scenario as its next version.
func (e *testEnv) addOverrides(scenario string, o sim.Overrides) int {
	e.t.Helper()
	ctx := context.Background()
	v, err := e.store.LatestScenarioVersion(ctx, scenario)
	if err != nil {
		e.t.Fatal(err)
	}
	boss, err := e.store.CreateUser(ctx, fmt.Sprintf("boss%d@example.com", v+1), "x", storage.RoleBoss)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.rawDB().ExecContext(ctx, `INSERT INTO scenario_overrides (scenario, version, overrides, changed_by, created_at)
		VALUES (?, ?, ?, ?, ?)`, scenario, v+1, string(o.JSON()), boss.ID, time.Now().UTC())
	if err != nil {
		e.t.Fatal(err)
	}
	return v + 1
}

// waitExact waits until the sandbox and the ledger hold exactly the plan.
func (e *testEnv) waitExact(s storage.Simulation) {
	e.t.Helper()
	plan := e.planOf(s)
	want := 0
	for _, n := range plan {
		want += n
	}
	waitUntil(e.t, time.Minute, "the plan in the ledger", func() bool {
		l, _ := e.store.LedgerCounts(context.Background(), s.ID)
		got := 0
		for _, n := range l {
			got += int(n)
		}
		return got == want
	})
	e.checkExact(s)
}

// drain waits until the work queues hold nothing pending, scheduled, retrying or
// running.
func (e *testEnv) drain() {
	e.t.Helper()
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	waitUntil(e.t, time.Minute, "work queues drained", func() bool {
		for _, q := range []string{PrimaryQueue(0, 1), SecondaryQueue} {
			info, err := insp.GetQueueInfo(q)
			if err != nil {
				continue // a queue nothing was ever enqueued on
			}
			if info.Pending+info.Active+info.Scheduled+info.Retry > 0 {
				if os.Getenv("DEBUGDRAIN") != "" {
					for _, l := range [][]*asynq.TaskInfo{must(insp.ListRetryTasks(q)), must(insp.ListScheduledTasks(q)), must(insp.ListPendingTasks(q))} {
						for _, ti := range l {
							e.t.Logf("left %s %s retried %d err %s payload %.200s", q, ti.Type, ti.Retried, ti.LastErr, ti.Payload)
						}
					}
				}
				return false
			}
		}
		return true
	})
}

func must[T any](v T, _ error) T { return v }

func waitUntil(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
}
