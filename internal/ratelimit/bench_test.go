package ratelimit

import (
	"context"
	"testing"
	"time"
)

// Benchmarks run against the real Redis when REDIS_URL is set, miniredis otherwise.

func BenchmarkWindowTakeGranted(b *testing.B) {
	rdb := clients(b, 1)[0]
	w := mustWindow(b, rdb, "bench", Limits{Burst: 1 << 30, Interval: time.Second})
	ctx := context.Background()
	for b.Loop() {
		if ok, _, err := w.Take(ctx); !ok || err != nil {
			b.Fatalf("Take = %v, %v", ok, err)
		}
	}
}

func BenchmarkWindowTakeRefused(b *testing.B) {
	rdb := clients(b, 1)[0]
	w := mustWindow(b, rdb, "bench", LimitsFor(TierFree))
	ctx := context.Background()
	for range 100 {
		_, _, _ = w.Take(ctx)
	}
	for b.Loop() {
		if ok, _, err := w.Take(ctx); ok || err != nil {
			b.Fatalf("Take = %v, %v; want refused", ok, err)
		}
	}
}

func BenchmarkWindowTakeParallel(b *testing.B) {
	rdb := clients(b, 1)[0]
	w := mustWindow(b, rdb, "bench", Limits{Burst: 1 << 30, Interval: time.Second})
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := w.Take(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkBucketTake(b *testing.B) {
	rdb := clients(b, 1)[0]
	bk, _ := NewBuckets(rdb, nil, BucketRate{PerSecond: 1e9, Capacity: 1 << 30})
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := bk.Take(ctx, "contact", 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBreakerAllow(b *testing.B) {
	rdb := clients(b, 1)[0]
	br, _ := NewBreaker(rdb, BreakerConfig{})
	ctx := context.Background()
	for b.Loop() {
		if _, err := br.Allow(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
