package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

func testBreaker(t *testing.T, n int) ([]*Breaker, *testClock) {
	t.Helper()
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	var out []*Breaker
	for _, c := range clients(t, n) {
		b, err := NewBreaker(c, BreakerConfig{}, WithClock(clk.Now))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out, clk
}

func wantState(t *testing.T, b *Breaker, want BreakerState) time.Time {
	t.Helper()
	got, until, err := b.State(context.Background())
	if err != nil || got != want {
		t.Fatalf("State = %s, %v; want %s", got, err, want)
	}
	return until
}

func TestBreakerTripsAtThreshold(t *testing.T) {
	bs, clk := testBreaker(t, 1)
	b := bs[0]
	ctx := context.Background()
	for range 7 {
		if tripped, err := b.FailureTripped(ctx, false); err != nil || tripped {
			t.Fatalf("a failure below the threshold: tripped %v, %v", tripped, err)
		}
		clk.Advance(5 * time.Second)
	}
	wantState(t, b, BreakerClosed)
	if d, _ := b.Allow(ctx); !d.Allowed || d.Probe {
		t.Fatalf("Allow after 7 failures = %+v; want allowed", d)
	}
	if tripped, _ := b.FailureTripped(ctx, false); !tripped { // the 8th within 60 s
		t.Errorf("the 8th failure within 60 s: want it to say it tripped the breaker")
	}
	if tripped, _ := b.FailureTripped(ctx, false); tripped {
		t.Errorf("a failure while open: want no new trip")
	}
	until := wantState(t, b, BreakerOpen)
	if want := clk.Now().Add(30 * time.Second); !until.Equal(want) {
		t.Fatalf("tripped until %s; want %s", until, want)
	}
	raw, _ := b.rdb.Get(ctx, "circuit:hubspot:tripped_until").Int64()
	if raw != until.UnixMilli() {
		t.Fatalf("GET circuit:hubspot:tripped_until = %d; want %d", raw, until.UnixMilli())
	}
	d, err := b.Allow(ctx)
	if err != nil || d.Allowed || d.RetryIn != 30*time.Second {
		t.Fatalf("Allow while open = %+v, %v; want blocked for 30s", d, err)
	}
	clk.Advance(29 * time.Second)
	if d, _ := b.Allow(ctx); d.Allowed || d.RetryIn != time.Second {
		t.Fatalf("Allow a second before the end = %+v; want blocked for 1s", d)
	}
}

func TestBreakerOldFailuresDoNotCount(t *testing.T) {
	bs, clk := testBreaker(t, 1)
	b := bs[0]
	ctx := context.Background()
	for range 7 {
		_ = b.Failure(ctx, false)
	}
	clk.Advance(61 * time.Second)
	_ = b.Failure(ctx, false)
	wantState(t, b, BreakerClosed)
	if st, _ := b.Status(ctx); st.Failures != 1 {
		t.Fatalf("failures in the window = %d; want 1", st.Failures)
	}
}

func trip(t *testing.T, b *Breaker, clk *testClock) {
	t.Helper()
	for range 8 {
		if err := b.Failure(context.Background(), false); err != nil {
			t.Fatal(err)
		}
	}
	wantState(t, b, BreakerOpen)
	clk.Advance(30 * time.Second)
	wantState(t, b, BreakerHalfOpen)
}

func TestBreakerOneProbeAcrossReplicas(t *testing.T) {
	bs, clk := testBreaker(t, 8)
	trip(t, bs[0], clk)
	ctx := context.Background()
	var probes, allowed atomic.Int32
	var wg sync.WaitGroup
	for _, b := range bs {
		wg.Go(func() {
			for range 5 {
				d, err := b.Allow(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
				if d.Probe {
					probes.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if probes.Load() != 1 || allowed.Load() != 1 {
		t.Fatalf("%d probes, %d allowed among 8 replicas; want exactly 1 probe", probes.Load(), allowed.Load())
	}
	if st, _ := bs[1].Status(ctx); st.State != BreakerHalfOpen || !st.ProbeHeld {
		t.Fatalf("Status = %+v; want half_open with the probe held", st)
	}
	// a probe that never reports lapses after ProbeTimeout and another replica probes
	clk.Advance(10 * time.Second)
	if d, _ := bs[2].Allow(ctx); !d.Probe {
		t.Fatalf("Allow after the probe lapsed = %+v; want a new probe", d)
	}
	if err := bs[2].Release(ctx, true); err != nil {
		t.Fatal(err)
	}
	if d, _ := bs[3].Allow(ctx); !d.Probe {
		t.Fatalf("Allow after Release = %+v; want a new probe at once", d)
	}
}

func TestBreakerProbeSuccessCloses(t *testing.T) {
	bs, clk := testBreaker(t, 2)
	trip(t, bs[0], clk)
	ctx := context.Background()
	d, _ := bs[0].Allow(ctx)
	if !d.Probe {
		t.Fatalf("Allow half-open = %+v; want the probe", d)
	}
	_ = bs[1].Failure(ctx, false) // a late failure of an older call does not re-trip
	wantState(t, bs[1], BreakerHalfOpen)
	if err := bs[0].Success(ctx, true); err != nil {
		t.Fatal(err)
	}
	wantState(t, bs[1], BreakerClosed)
	if st, _ := bs[1].Status(ctx); st.Failures != 0 {
		t.Fatalf("failures after closing = %d; want 0", st.Failures)
	}
	if d, _ := bs[1].Allow(ctx); !d.Allowed || d.Probe {
		t.Fatalf("Allow after closing = %+v; want allowed, no probe", d)
	}
	if n := bs[0].rdb.Exists(ctx, rediskeys.TrippedUntil, rediskeys.Probe, rediskeys.Failures).Val(); n != 0 {
		t.Fatalf("%d breaker keys left after closing; want 0", n)
	}
}

func TestBreakerFailedProbeRetrips(t *testing.T) {
	bs, clk := testBreaker(t, 2)
	trip(t, bs[0], clk)
	ctx := context.Background()
	d, _ := bs[1].Allow(ctx)
	if !d.Probe {
		t.Fatalf("Allow half-open = %+v; want the probe", d)
	}
	if err := bs[1].Failure(ctx, true); err != nil {
		t.Fatal(err)
	}
	until := wantState(t, bs[0], BreakerOpen)
	if want := clk.Now().Add(30 * time.Second); !until.Equal(want) {
		t.Fatalf("re-tripped until %s; want %s", until, want)
	}
	if d, _ := bs[0].Allow(ctx); d.Allowed {
		t.Fatalf("Allow after a failed probe = %+v; want blocked", d)
	}
	clk.Advance(30 * time.Second)
	if d, _ := bs[0].Allow(ctx); !d.Probe {
		t.Fatalf("Allow 30s after the failed probe = %+v; want a new probe", d)
	}
}

func TestBreakerConfigurable(t *testing.T) {
	rdb := clients(t, 1)[0]
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	b, err := NewBreaker(rdb, BreakerConfig{Threshold: 2, Window: time.Second, Open: 100 * time.Millisecond}, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = b.Failure(ctx, false)
	_ = b.Failure(ctx, false)
	if d, _ := b.Allow(ctx); d.Allowed || d.RetryIn != 100*time.Millisecond {
		t.Fatalf("Allow = %+v; want blocked for 100ms", d)
	}
	if _, err := NewBreaker(rdb, BreakerConfig{Threshold: -1}); err == nil {
		t.Fatal("NewBreaker with a negative threshold = nil error")
	}
}
