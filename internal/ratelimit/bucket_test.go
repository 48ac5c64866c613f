package ratelimit

import (
	"context"
	"testing"
	"time"
)

func TestBucketTakeAndRefill(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	rdb := clients(t, 1)[0]
	ctx := context.Background()
	b, err := NewBuckets(rdb, map[string]BucketRate{"contact": {PerSecond: 2, Capacity: 10}}, BucketRate{}, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := b.Take(ctx, "contact", 1); !ok || err != nil {
		t.Fatalf("Take = %v, %v; want a token from a fresh bucket", ok, err)
	}
	if got, err := rdb.Get(ctx, "ratelimit:bucket:contact").Result(); err != nil || got != "9" {
		t.Fatalf(`GET ratelimit:bucket:contact = %q, %v; want "9"`, got, err)
	}
	if ok, _, _ := b.Take(ctx, "contact", 9); !ok {
		t.Fatal("Take(9) of the 9 left refused")
	}
	ok, retry, err := b.Take(ctx, "contact", 3)
	if ok || err != nil || retry != 1500*time.Millisecond {
		t.Fatalf("Take(3) on an empty bucket = %v, %s, %v; want refused for 1.5s at 2/s", ok, retry, err)
	}
	// 0.7 s gives 1.4 tokens: 1 now, the 0.4 is kept for later
	clk.Advance(700 * time.Millisecond)
	if n, _ := b.Level(ctx, "contact"); n != 1 {
		t.Fatalf("Level after 0.7s = %d; want 1", n)
	}
	if ok, _, _ := b.Take(ctx, "contact", 1); !ok {
		t.Fatal("Take after 0.7s refused")
	}
	clk.Advance(300 * time.Millisecond) // 0.4 + 0.6 = 2 tokens since the last whole one
	if n, _ := b.Level(ctx, "contact"); n != 1 {
		t.Fatalf("Level after 1s in all = %d; want 1 (fractions kept)", n)
	}
	clk.Advance(time.Hour)
	if n, _ := b.Level(ctx, "contact"); n != 10 {
		t.Fatalf("Level after an hour = %d; want the capacity 10", n)
	}
	if _, _, err := b.Take(ctx, "note", 1); err == nil {
		t.Fatal("Take on an unconfigured type without a default = nil error; want an error")
	}
	if _, _, err := b.Take(ctx, "contact", 11); err == nil {
		t.Fatal("Take beyond the capacity = nil error; want an error")
	}
}

// TestBucketHighRate: rates are passed to the script without exponent notation,
// which miniredis's Lua cannot read.
func TestBucketHighRate(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	rdb := clients(t, 1)[0]
	ctx := context.Background()
	b, _ := NewBuckets(rdb, map[string]BucketRate{"contact": {PerSecond: 1e7, Capacity: 1 << 30}, "note": {PerSecond: 1e-4, Capacity: 1}}, BucketRate{}, WithClock(clk.Now))
	if ok, _, err := b.Take(ctx, "contact", 1<<29); !ok || err != nil {
		t.Fatalf("Take on a 1e7/s bucket = %v, %v", ok, err)
	}
	if got := rdb.Get(ctx, "ratelimit:bucket:contact").Val(); got != "536870912" {
		t.Fatalf(`GET ratelimit:bucket:contact = %q; want "536870912"`, got)
	}
	_, _, _ = b.Take(ctx, "note", 1)
	if ok, retry, err := b.Take(ctx, "note", 1); ok || err != nil || retry != 10000*time.Second {
		t.Fatalf("Take on an empty 1e-4/s bucket = %v, %s, %v; want refused for 10000s", ok, retry, err)
	}
}

func TestBucketDefaultAndSharing(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	cs := clients(t, 2)
	ctx := context.Background()
	def := BucketRate{PerSecond: 1, Capacity: 3}
	a, _ := NewBuckets(cs[0], nil, def, WithClock(clk.Now))
	b, _ := NewBuckets(cs[1], nil, def, WithClock(clk.Now))
	granted := 0
	for i := range 6 {
		bk := a
		if i%2 == 1 {
			bk = b
		}
		if ok, _, err := bk.Take(ctx, "note", 1); err != nil {
			t.Fatal(err)
		} else if ok {
			granted++
		}
	}
	if granted != 3 {
		t.Fatalf("%d tokens from two clients sharing a bucket of 3; want 3", granted)
	}
	if _, err := NewBuckets(cs[0], map[string]BucketRate{"deal": {PerSecond: 0, Capacity: 1}}, BucketRate{}); err == nil {
		t.Fatal("NewBuckets with a zero rate = nil error; want an error")
	}
}
