package ratelimit

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestRejectedCooldown(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	l := Limits{Burst: 100, Interval: 10 * time.Second, Guard: 200 * time.Millisecond, Daily: 1000}
	tests := []struct {
		name string
		rej  Rejection
		want time.Duration
	}{
		{"retry-after wins", Rejection{Policy: PolicyTenSecondlyRolling, RetryAfter: 3 * time.Second}, 3 * time.Second},
		{"rolling window resets a full window later", Rejection{Policy: PolicyTenSecondlyRolling}, 10*time.Second + 200*time.Millisecond},
		{"unknown policy as the rolling window", Rejection{}, 10*time.Second + 200*time.Millisecond},
		{"secondly waits a second", Rejection{Policy: PolicySecondly}, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newTestClock(start)
			rdb := clients(t, 1)[0]
			ctx := context.Background()
			w := mustWindow(t, rdb, "portal-c", l, WithClock(clk.Now))
			until, err := w.Rejected(ctx, tc.rej)
			if err != nil || !until.Equal(start.Add(tc.want)) {
				t.Fatalf("Rejected = %s, %v; want %s", until, err, start.Add(tc.want))
			}
			raw, err := rdb.Get(ctx, "ratelimit:hubspot:cooldown_until").Result()
			if err != nil || raw != strconv.FormatInt(start.Add(tc.want).UnixMilli(), 10) {
				t.Fatalf("GET ratelimit:hubspot:cooldown_until = %q, %v; want the ms epoch %d", raw, err, start.Add(tc.want).UnixMilli())
			}
			if left, err := w.CooldownRemaining(ctx); err != nil || left != tc.want {
				t.Fatalf("CooldownRemaining = %s, %v; want %s", left, err, tc.want)
			}
			r, err := w.Reserve(ctx, 1)
			if err != nil || r.OK || !r.Cooldown || r.RetryIn != tc.want {
				t.Fatalf("Reserve during cooldown = %+v, %v; want refused by the cooldown for %s", r, err, tc.want)
			}
			clk.Advance(tc.want)
			if ok, _, err := w.Take(ctx); !ok || err != nil {
				t.Fatalf("Take after the cooldown = %v, %v; want a grant", ok, err)
			}
			if left, _ := w.CooldownRemaining(ctx); left != 0 {
				t.Fatalf("CooldownRemaining after it = %s; want 0", left)
			}
		})
	}
}

func TestCooldownNeverShortened(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clk := newTestClock(start)
	cs := clients(t, 2)
	ctx := context.Background()
	l := Limits{Burst: 10, Interval: time.Second}
	a := mustWindow(t, cs[0], "portal-a", l, WithClock(clk.Now))
	b := mustWindow(t, cs[1], "portal-b", l, WithClock(clk.Now))
	if _, err := a.Rejected(ctx, Rejection{RetryAfter: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	until, err := b.Rejected(ctx, Rejection{RetryAfter: time.Second})
	if err != nil || !until.Equal(start.Add(30*time.Second)) {
		t.Fatalf("shorter Rejected = %s, %v; want the 30s cooldown kept", until, err)
	}
	until, err = b.ExtendCooldown(ctx, 5*time.Second)
	if err != nil || !until.Equal(start.Add(30*time.Second)) {
		t.Fatalf("ExtendCooldown(5s) = %s, %v; want the 30s cooldown kept", until, err)
	}
	until, err = b.ExtendCooldown(ctx, 45*time.Second)
	if err != nil || !until.Equal(start.Add(45*time.Second)) {
		t.Fatalf("ExtendCooldown(45s) = %s, %v; want it lengthened to 45s", until, err)
	}
	// the cooldown is shared: the other connection waits too
	if r, _ := a.Reserve(ctx, 1); r.OK || r.RetryIn != 45*time.Second {
		t.Fatalf("other connection Reserve = %+v; want refused for 45s", r)
	}
}

func TestRejectedDailyPauses(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	start := time.Date(2025, 6, 1, 15, 30, 0, 0, tokyo)
	midnight := time.Date(2025, 6, 2, 0, 0, 0, 0, tokyo)
	clk := newTestClock(start)
	rdb := clients(t, 1)[0]
	ctx := context.Background()
	w := mustWindow(t, rdb, "portal-j", Limits{Burst: 100, Interval: 10 * time.Second, Daily: 250_000, Zone: tokyo}, WithClock(clk.Now))
	if ok, _, _ := w.Take(ctx); !ok {
		t.Fatal("first Take refused")
	}
	until, err := w.Rejected(ctx, Rejection{Policy: PolicyDaily})
	var de *DailyLimitError
	if !errors.As(err, &de) || !errors.Is(err, ErrDailyLimit) {
		t.Fatalf("Rejected(DAILY) error = %v; want a *DailyLimitError", err)
	}
	if !de.ResetAt.Equal(midnight) || !until.Equal(midnight) {
		t.Fatalf("DAILY reset %s, cooldown until %s; want both at Tokyo midnight %s", de.ResetAt, until, midnight)
	}
	if _, _, err := w.Take(ctx); !errors.Is(err, ErrDailyLimit) {
		t.Fatalf("Take after DAILY = %v; want ErrDailyLimit, not a retry", err)
	}
	clk.Advance(midnight.Sub(start))
	if ok, _, err := w.Take(ctx); !ok || err != nil {
		t.Fatalf("Take at the reset = %v, %v; want a grant", ok, err)
	}

	// Retry-After on a DAILY answer: the pause lasts as long as HubSpot says
	clk2 := newTestClock(start)
	w2 := mustWindow(t, rdb, "portal-k", Limits{Burst: 100, Interval: 10 * time.Second, Zone: tokyo}, WithClock(clk2.Now))
	_, err = w2.Rejected(ctx, Rejection{Policy: PolicyDaily, RetryAfter: time.Hour})
	if !errors.As(err, &de) || !de.ResetAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("DAILY with Retry-After 1h = %v; want a reset at %s", err, start.Add(time.Hour))
	}
}
