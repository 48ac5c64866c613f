package ratelimit

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestGuardStatus(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clk := newTestClock(start)
	rdb := clients(t, 1)[0]
	ctx := context.Background()
	w := mustWindow(t, rdb, "portal-g", Limits{Burst: 100, Interval: 10 * time.Second, Daily: 250_000}, WithClock(clk.Now))
	br, _ := NewBreaker(rdb, BreakerConfig{}, WithClock(clk.Now))
	bk, _ := NewBuckets(rdb, map[string]BucketRate{"contact": {PerSecond: 5, Capacity: 50}, "deal": {PerSecond: 1, Capacity: 10}}, BucketRate{}, WithClock(clk.Now))
	for range 3 {
		_, _, _ = w.Take(ctx)
	}
	_, _, _ = bk.Take(ctx, "deal", 4)
	_ = br.Failure(ctx, false)
	_, _ = w.ExtendCooldown(ctx, 2*time.Second)

	st, err := Guard{Window: w, Breaker: br, Buckets: bk}.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws := st.Window
	if ws == nil || ws.Used != 3 || ws.Limit != 100 || ws.DailyUsed != 3 || ws.DailyLimit != 250_000 || ws.ConnID != "portal-g" {
		t.Fatalf("window status = %+v; want 3/100 used, 3/250000 today", ws)
	}
	if !st.CooldownUntil.Equal(start.Add(2 * time.Second)) {
		t.Fatalf("cooldown until %s; want %s", st.CooldownUntil, start.Add(2*time.Second))
	}
	if st.Breaker == nil || st.Breaker.State != BreakerClosed || st.Breaker.Failures != 1 || st.Breaker.Threshold != 8 {
		t.Fatalf("breaker status = %+v; want closed with 1 failure of 8", st.Breaker)
	}
	want := []BucketLevel{{Type: "contact", Tokens: 50, Capacity: 50, PerSec: 5}, {Type: "deal", Tokens: 6, Capacity: 10, PerSec: 1}}
	if len(st.Buckets) != 2 || st.Buckets[0] != want[0] || st.Buckets[1] != want[1] {
		t.Fatalf("bucket levels = %+v; want %+v", st.Buckets, want)
	}
	if empty, err := (Guard{}).Status(ctx); err != nil || empty.Window != nil || empty.Breaker != nil {
		t.Fatalf("empty Guard status = %+v, %v", empty, err)
	}
}

// TestRedisUnreachable: every call fails fast with an error, nothing panics.
func TestRedisUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nobody listens there now
	// go-redis itself re-dials 5 times, 100 ms apart, by default; one dial shows
	// that this package adds no waiting of its own.
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	w := mustWindow(t, rdb, "portal-x", LimitsFor(TierFree))
	br, _ := NewBreaker(rdb, BreakerConfig{})
	bk, _ := NewBuckets(rdb, nil, BucketRate{PerSecond: 1, Capacity: 1})
	calls := map[string]func() error{
		"Take":              func() error { _, _, err := w.Take(ctx); return err },
		"Wait":              func() error { return w.Wait(ctx) },
		"Tighten":           func() error { return w.Tighten(ctx, Headers{Max: 100, Remaining: 1}) },
		"Rejected":          func() error { _, err := w.Rejected(ctx, Rejection{}); return err },
		"CooldownRemaining": func() error { _, err := w.CooldownRemaining(ctx); return err },
		"Allow":             func() error { _, err := br.Allow(ctx); return err },
		"Failure":           func() error { return br.Failure(ctx, false) },
		"Success":           func() error { return br.Success(ctx, true) },
		"State":             func() error { _, _, err := br.State(ctx); return err },
		"Bucket Take":       func() error { _, _, err := bk.Take(ctx, "contact", 1); return err },
		"Status":            func() error { _, err := (Guard{Window: w, Breaker: br, Buckets: bk}).Status(ctx); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if err == nil {
			t.Errorf("%s with Redis down = nil error; want an error", name)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s with Redis down took %s; want a quick error", name, d)
		}
	}
}
