package ratelimit_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

const benchToken = "pat-na1-ratelimit-bench-0000"

// serveSandbox runs a sandbox on a fresh SQLite database on a loopback port and
// returns it with its base URL.
func serveSandbox(tb testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	tb.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.SQLite, testenv.SQLitePath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if opts.Token == "" {
		opts.Token = benchToken
	}
	sb := sandbox.New(st.Sandbox(), opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	app := sb.Handler()
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return sb, "http://" + ln.Addr().String()
}

// countingTransport counts the requests that actually left the client.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// outcome of one guarded call.
type outcome int

const (
	blocked outcome = iota // the breaker refused; nothing was sent
	failed                 // sent, and the target failed (5xx, timeout)
	succeeded
)

// guardedCall is how the engine calls the target: ask the breaker, call, report.
func guardedCall(ctx context.Context, t *testing.T, br *ratelimit.Breaker, c *hubspot.Client) outcome {
	t.Helper()
	d, err := br.Allow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed {
		return blocked
	}
	_, err = c.Owners(ctx, hubspot.OwnerQuery{Limit: 1})
	switch hubspot.Classify(err) {
	case "":
		if err := br.Success(ctx, d.Probe); err != nil {
			t.Fatal(err)
		}
		return succeeded
	case hubspot.CategoryServer, hubspot.CategoryTimeout, hubspot.CategoryNetwork:
		if err := br.Failure(ctx, d.Probe); err != nil {
			t.Fatal(err)
		}
		return failed
	}
	t.Fatalf("unexpected answer: %v", err)
	return failed
}

// The breaker trips under injected 5xx, blocks calls while tripped (nothing reaches
// the sandbox), lets exactly one probe through when the trip ends, trips again when
// that probe fails, and closes once the sandbox has recovered.
func TestBreakerAgainstSandboxFaults(t *testing.T) {
	ctx := context.Background()
	sb, base := serveSandbox(t, sandbox.Options{Faults: sandbox.Faults{ErrorRate: 1}})
	sent := &countingTransport{}
	c, err := hubspot.NewClient(base, benchToken, hubspot.WithHTTPClient(&http.Client{Transport: sent}), hubspot.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ratelimit.BreakerConfig{Threshold: 4, Window: 5 * time.Second, Open: 400 * time.Millisecond, ProbeTimeout: 2 * time.Second}
	rdb := testenv.Redis(t)
	br, err := ratelimit.NewBreaker(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	state := func() ratelimit.BreakerStatus {
		t.Helper()
		st, err := br.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	// Trips after Threshold failures.
	for i := 1; i <= cfg.Threshold; i++ {
		if got := guardedCall(ctx, t, br, c); got != failed {
			t.Fatalf("call %d under ErrorRate 1: want failed, got %v", i, got)
		}
	}
	if st := state(); st.State != ratelimit.BreakerOpen || st.Failures != cfg.Threshold {
		t.Fatalf("after %d failures: want open with %d failures, got %+v", cfg.Threshold, cfg.Threshold, st)
	}

	// Blocks while tripped: nothing reaches the sandbox.
	before := sent.n.Load()
	for i := range 20 {
		if got := guardedCall(ctx, t, br, c); got != blocked {
			t.Fatalf("call %d while open: want blocked, got %v", i, got)
		}
	}
	if n := sent.n.Load() - before; n != 0 {
		t.Errorf("while open: want 0 requests sent, got %d", n)
	}

	// Half-open: exactly one probe among concurrent callers; it fails, so it trips again.
	waitFor(t, "half-open", func() bool { return state().State == ratelimit.BreakerHalfOpen })
	results := make([]outcome, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = guardedCall(ctx, t, br, c) }()
	}
	wg.Wait()
	probes := 0
	for _, r := range results {
		if r != blocked {
			probes++
		}
	}
	if probes != 1 {
		t.Errorf("half-open with 8 callers: want exactly 1 probe, got %d (%v)", probes, results)
	}
	if st := state(); st.State != ratelimit.BreakerOpen {
		t.Errorf("after a failed probe: want open again, got %+v", st)
	}

	// The sandbox recovers: the next probe succeeds and closes the breaker.
	if err := sb.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "half-open again", func() bool { return state().State == ratelimit.BreakerHalfOpen })
	if got := guardedCall(ctx, t, br, c); got != succeeded {
		t.Fatalf("probe after recovery: want succeeded, got %v", got)
	}
	if st := state(); st.State != ratelimit.BreakerClosed || st.Failures != 0 {
		t.Errorf("after a good probe: want closed with failures forgotten, got %+v", st)
	}
	for i := range 10 {
		if got := guardedCall(ctx, t, br, c); got != succeeded {
			t.Fatalf("call %d after closing: want succeeded, got %v", i, got)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
