package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the daily reset zones, whatever the machine has installed
)

// TestWindowNeverExceedsBurst hammers one connection from 10 workers with their own
// clients and checks every rolling interval of the grant times.
func TestWindowNeverExceedsBurst(t *testing.T) {
	const workers = 10
	l := Limits{Burst: 20, Interval: 300 * time.Millisecond}
	cs := clients(t, workers)
	ctx := context.Background()
	var mu sync.Mutex
	var grants []time.Time
	deadline := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range workers {
		w := mustWindow(t, cs[i], "portal-1", l)
		wg.Go(func() {
			for time.Now().Before(deadline) {
				r, err := w.Reserve(ctx, 1)
				if err != nil {
					t.Errorf("Reserve: %v", err)
					return
				}
				if r.OK {
					mu.Lock()
					grants = append(grants, r.At)
					mu.Unlock()
					continue
				}
				time.Sleep(min(r.RetryIn, time.Until(deadline)+time.Millisecond))
			}
		})
	}
	wg.Wait()
	sort.Slice(grants, func(i, j int) bool { return grants[i].Before(grants[j]) })
	if len(grants) < 4*l.Burst {
		t.Fatalf("only %d grants in 1.5 s; want at least %d", len(grants), 4*l.Burst)
	}
	worst := 0
	for i := range grants {
		j := sort.Search(len(grants), func(k int) bool { return !grants[k].Before(grants[i].Add(l.Interval)) })
		worst = max(worst, j-i)
	}
	if worst > l.Burst {
		t.Fatalf("%d grants in one rolling %s; want at most %d", worst, l.Interval, l.Burst)
	}
	t.Logf("%d grants, busiest rolling %s held %d", len(grants), l.Interval, worst)
}

// TestWindowUtilisation checks that contending workers use at least 95% of the
// allowance over three windows.
func TestWindowUtilisation(t *testing.T) {
	const workers = 4
	l := Limits{Burst: 20, Interval: 500 * time.Millisecond}
	cs := clients(t, workers)
	ctx := context.Background()
	var mu sync.Mutex
	var grants []time.Time
	stop := time.Now().Add(3*l.Interval + 300*time.Millisecond)
	var wg sync.WaitGroup
	for i := range workers {
		w := mustWindow(t, cs[i], "portal-u", l)
		wg.Go(func() {
			for time.Now().Before(stop) {
				r, err := w.Reserve(ctx, 1)
				if err != nil {
					t.Errorf("Reserve: %v", err)
					return
				}
				if r.OK {
					mu.Lock()
					grants = append(grants, r.At)
					mu.Unlock()
					continue
				}
				time.Sleep(r.RetryIn)
			}
		})
	}
	wg.Wait()
	sort.Slice(grants, func(i, j int) bool { return grants[i].Before(grants[j]) })
	if len(grants) == 0 {
		t.Fatal("no grants")
	}
	end := grants[0].Add(3 * l.Interval)
	n := 0
	for _, g := range grants {
		if g.Before(end) {
			n++
		}
	}
	allowed := 3 * l.Burst
	if float64(n) < 0.95*float64(allowed) {
		t.Fatalf("%d grants in 3 windows; want at least 95%% of %d", n, allowed)
	}
	t.Logf("utilisation over 3 windows: %d/%d = %.1f%%", n, allowed, 100*float64(n)/float64(allowed))
}

func TestWindowRetryInFromOldestEntry(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	rdb := clients(t, 1)[0]
	w := mustWindow(t, rdb, "portal-r", Limits{Burst: 3, Interval: time.Second}, WithClock(clk.Now))
	ctx := context.Background()
	for range 3 {
		if ok, _, err := w.Take(ctx); !ok || err != nil {
			t.Fatalf("Take = %v, %v; want a grant", ok, err)
		}
		clk.Advance(100 * time.Millisecond)
	}
	ok, retry, err := w.Take(ctx)
	if ok || err != nil || retry != 700*time.Millisecond {
		t.Fatalf("4th Take = %v, %s, %v; want refused with 700ms (oldest entry leaves then)", ok, retry, err)
	}
	clk.Advance(retry)
	if ok, _, err := w.Take(ctx); !ok || err != nil {
		t.Fatalf("Take after RetryIn = %v, %v; want a grant", ok, err)
	}
	// two calls in the same millisecond both count
	if r, err := w.Reserve(ctx, 2); err != nil || r.OK {
		t.Fatalf("Reserve(2) on a full window = %+v, %v; want refused", r, err)
	}
	if _, err := w.Reserve(ctx, 4); err == nil {
		t.Fatal("Reserve(4) with burst 3 = nil error; want an error")
	}
	st, err := w.Status(ctx)
	if err != nil || st.Used != 3 || st.Limit != 3 {
		t.Fatalf("Status = %+v, %v; want 3 used of 3", st, err)
	}
}

func TestWindowSameMillisecondCallsCount(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	cs := clients(t, 2)
	ctx := context.Background()
	a := mustWindow(t, cs[0], "portal-s", Limits{Burst: 5, Interval: time.Second}, WithClock(clk.Now))
	b := mustWindow(t, cs[1], "portal-s", Limits{Burst: 5, Interval: time.Second}, WithClock(clk.Now))
	granted := 0
	for i := range 10 {
		w := a
		if i%2 == 1 {
			w = b
		}
		if ok, _, err := w.Take(ctx); err != nil {
			t.Fatal(err)
		} else if ok {
			granted++
		}
	}
	if granted != 5 {
		t.Fatalf("%d grants in one millisecond from two clients; want 5", granted)
	}
	if n := cs[0].ZCard(ctx, "ratelimit:hubspot:portal-s:window").Val(); n != 5 {
		t.Fatalf("window log holds %d entries; want 5", n)
	}
}

func TestWindowMargin(t *testing.T) {
	rdb := clients(t, 1)[0]
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	w := mustWindow(t, rdb, "portal-m", Limits{Burst: 10, Margin: 1, Interval: time.Second}, WithClock(clk.Now))
	n := 0
	for range 12 {
		if ok, _, _ := w.Take(context.Background()); ok {
			n++
		}
	}
	if n != 9 {
		t.Fatalf("%d grants with burst 10 and margin 1; want 9", n)
	}
}

func TestWindowWait(t *testing.T) {
	rdb := clients(t, 1)[0]
	w := mustWindow(t, rdb, "portal-w", Limits{Burst: 2, Interval: 200 * time.Millisecond})
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		if err := w.Wait(ctx); err != nil {
			t.Fatalf("Wait: %v", err)
		}
	}
	if d := time.Since(start); d < 180*time.Millisecond || d > 2*time.Second {
		t.Fatalf("3 Waits on 2 per 200ms took %s; want about 200ms", d)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_ = w.Wait(short) // may be granted if a slot is free; the next one cannot be
	if err := w.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a full window with a 20ms context = %v; want deadline exceeded", err)
	}
}

func TestWindowDailyCap(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	// the evening before a DST change: the reset is local midnight, not UTC's
	clk := newTestClock(time.Date(2025, 3, 8, 23, 0, 0, 0, ny))
	rdb := clients(t, 1)[0]
	w := mustWindow(t, rdb, "portal-d", Limits{Burst: 100, Interval: time.Second, Daily: 5, Zone: ny}, WithClock(clk.Now))
	ctx := context.Background()
	for i := range 5 {
		if ok, _, err := w.Take(ctx); !ok || err != nil {
			t.Fatalf("Take %d = %v, %v; want a grant", i, ok, err)
		}
	}
	_, _, err := w.Take(ctx)
	var de *DailyLimitError
	if !errors.Is(err, ErrDailyLimit) || !errors.As(err, &de) {
		t.Fatalf("6th Take error = %v; want ErrDailyLimit", err)
	}
	want := time.Date(2025, 3, 9, 0, 0, 0, 0, ny)
	if !de.ResetAt.Equal(want) || de.ResetAt.Location() != ny {
		t.Fatalf("ResetAt = %s; want %s", de.ResetAt, want)
	}
	st, err := w.Status(ctx)
	if err != nil || st.DailyUsed != 5 || st.DailyLimit != 5 || !st.DailyResetAt.Equal(want) {
		t.Fatalf("Status = %+v, %v; want 5 of 5 used, reset %s", st, err, want)
	}
	clk.Advance(59*time.Minute + 59*time.Second)
	if _, _, err := w.Take(ctx); !errors.Is(err, ErrDailyLimit) {
		t.Fatalf("Take a second before midnight = %v; want ErrDailyLimit", err)
	}
	clk.Advance(time.Second)
	if ok, _, err := w.Take(ctx); !ok || err != nil {
		t.Fatalf("Take at midnight = %v, %v; want a grant", ok, err)
	}
	// the next reset is 23 hours later (DST starts on 9 March)
	st, _ = w.Status(ctx)
	if got := st.DailyResetAt.Sub(want); got != 23*time.Hour {
		t.Fatalf("next reset %s after the last; want 23h across the DST change", got)
	}
}

func TestWindowTighten(t *testing.T) {
	clk := newTestClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	rdb := clients(t, 1)[0]
	ctx := context.Background()
	w := mustWindow(t, rdb, "portal-t", Limits{Burst: 100, Interval: 10 * time.Second, Daily: 1000}, WithClock(clk.Now))
	for range 10 {
		if ok, _, err := w.Take(ctx); !ok || err != nil {
			t.Fatalf("Take = %v, %v", ok, err)
		}
	}
	// HubSpot has counted 50 calls of this app in its window, we only 10
	if err := w.Tighten(ctx, Headers{Max: 100, Remaining: 50}); err != nil {
		t.Fatal(err)
	}
	st, _ := w.Status(ctx)
	if st.Used != 50 {
		t.Fatalf("window used after Remaining=50 of 100 = %d; want 50", st.Used)
	}
	// a looser report changes nothing
	if err := w.Tighten(ctx, Headers{Max: 100, Remaining: 90}); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.Status(ctx); st.Used != 50 {
		t.Fatalf("window used after Remaining=90 = %d; want still 50", st.Used)
	}
	granted := 0
	for range 60 {
		if ok, _, _ := w.Take(ctx); ok {
			granted++
		}
	}
	if granted != 50 {
		t.Fatalf("%d grants after tightening; want 50", granted)
	}
	// phantoms leave with the window
	clk.Advance(10 * time.Second)
	if st, _ := w.Status(ctx); st.Used != 0 {
		t.Fatalf("window used one interval later = %d; want 0", st.Used)
	}

	// a lower Max caps the window for a while
	if err := w.Tighten(ctx, Headers{Max: 40, Remaining: 40}); err != nil {
		t.Fatal(err)
	}
	granted = 0
	for range 60 {
		if ok, _, _ := w.Take(ctx); ok {
			granted++
		}
	}
	if granted != 40 {
		t.Fatalf("%d grants under Max=40; want 40", granted)
	}
	clk.Advance(capHold + 10*time.Second)
	if st, _ := w.Status(ctx); st.Limit != 100 {
		t.Fatalf("limit after the cap lapsed = %d; want 100", st.Limit)
	}

	// daily: HubSpot's count wins when higher; 0 remaining blocks until midnight
	if err := w.Tighten(ctx, Headers{Daily: 1000, DailyRemaining: 100}); err != nil {
		t.Fatal(err)
	}
	if st, _ := w.Status(ctx); st.DailyUsed != 900 {
		t.Fatalf("daily used after Daily-Remaining=100 of 1000 = %d; want 900", st.DailyUsed)
	}
	if err := w.Tighten(ctx, Headers{Daily: 1000, DailyRemaining: 0}); err != nil {
		t.Fatal(err)
	}
	_, _, err := w.Take(ctx)
	var de *DailyLimitError
	if !errors.As(err, &de) || !de.ResetAt.Equal(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Take after Daily-Remaining=0 = %v; want ErrDailyLimit until 2025-06-02 UTC", err)
	}
}

func TestParseHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-HubSpot-RateLimit-Max", "190")
	h.Set("X-HubSpot-RateLimit-Remaining", "17")
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-HubSpot-RateLimit-Daily", "625000")
	h.Set("X-HubSpot-RateLimit-Daily-Remaining", "0")
	got := ParseHeaders(h)
	want := Headers{Max: 190, Remaining: 17, IntervalMillis: 10000, Daily: 625000, DailyRemaining: 0}
	if got != want {
		t.Fatalf("ParseHeaders = %+v; want %+v", got, want)
	}
	h.Del("X-HubSpot-RateLimit-Remaining")
	h.Set("X-HubSpot-RateLimit-Daily", "lots")
	if got := ParseHeaders(h); got.Max != 0 || got.Daily != 0 {
		t.Fatalf("ParseHeaders with half pairs = %+v; want both pairs unknown", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-1", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
