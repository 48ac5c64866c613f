package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParseTier(t *testing.T) {
	tests := []struct {
		in   string
		want Tier
	}{
		{"free", TierFree},
		{" Starter ", TierStarter},
		{"PROFESSIONAL", TierProfessional},
		{"pro", TierProfessional},
		{"enterprise", TierEnterprise},
		{"addon", TierAddon},
		{"api-limit-increase", TierAddon},
	}
	for _, tc := range tests {
		got, err := ParseTier(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTier(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "gold", "enterprise2"} {
		_, err := ParseTier(bad)
		if err == nil || !strings.Contains(err.Error(), "unknown HubSpot tier") || !strings.Contains(err.Error(), "professional") {
			t.Errorf("ParseTier(%q) error = %v; want a clear unknown-tier error listing the tiers", bad, err)
		}
	}
}

func TestLimitsFor(t *testing.T) {
	tests := []struct {
		tier         Tier
		burst, daily int
	}{
		{TierFree, 100, 250_000},
		{TierStarter, 100, 250_000},
		{TierProfessional, 190, 625_000},
		{TierEnterprise, 190, 1_000_000},
		{TierAddon, 250, 1_625_000},
		{Tier("unknown"), 100, 250_000},
	}
	for _, tc := range tests {
		l := LimitsFor(tc.tier)
		if l.Burst != tc.burst || l.Daily != tc.daily || l.Interval != 10*time.Second {
			t.Errorf("LimitsFor(%s) = %d/%s, %d a day; want %d/10s, %d a day", tc.tier, l.Burst, l.Interval, l.Daily, tc.burst, tc.daily)
		}
		if err := l.Validate(); err != nil {
			t.Errorf("LimitsFor(%s) invalid: %v", tc.tier, err)
		}
		if u := float64(l.limit()) * float64(l.Interval) / float64(l.window()); u < 0.95 {
			t.Errorf("LimitsFor(%s) uses %.1f%% of the burst; want at least 95%%", tc.tier, u*100)
		}
	}
	if got := LimitsFor(TierEnterprise).WithAPIPacks(2); got.Burst != 250 || got.Daily != 3_000_000 {
		t.Errorf("enterprise + 2 packs = %d, %d; want 250, 3000000", got.Burst, got.Daily)
	}
}

func TestLimitsValidate(t *testing.T) {
	bad := []Limits{
		{Burst: 0, Interval: time.Second},
		{Burst: 5, Interval: 0},
		{Burst: 5, Interval: time.Second, Margin: 5},
		{Burst: 5, Interval: time.Second, Daily: -1},
		{Burst: 5, Interval: time.Second, Guard: -time.Millisecond},
	}
	for _, l := range bad {
		if err := l.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil; want an error", l)
		}
	}
}
