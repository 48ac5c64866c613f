package sim

import (
	"errors"
	"testing"
	"time"
)

func TestPaceValidate(t *testing.T) {
	tests := []struct {
		pace Pace
		ok   bool
	}{
		{Pace{Mode: Realtime}, true},
		{Pace{Mode: Backfill}, true},
		{Pace{Mode: Accelerated, Factor: 60}, true},
		{Pace{Mode: Accelerated, Factor: 1}, false},
		{Pace{Mode: Accelerated, Factor: MaxAcceleration + 1}, false},
		{Pace{Mode: Realtime, Factor: 5}, false},
		{Pace{Mode: "warp"}, false},
	}
	for _, tt := range tests {
		err := tt.pace.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrPace)) {
			t.Errorf("%+v: want ok=%v, got %v", tt.pace, tt.ok, err)
		}
	}
}

func TestPaceMapping(t *testing.T) {
	ws := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	started := time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC)
	sim := ws.Add(10 * time.Hour)
	delay := 15 * time.Minute
	tests := []struct {
		pace      Pace
		wantAt    time.Time
		wantDelay time.Duration
	}{
		{Pace{Mode: Realtime}, sim, delay},
		{Pace{Mode: Accelerated, Factor: 60}, started.Add(10 * time.Minute), 15 * time.Second},
		{Pace{Mode: Backfill}, started, 0},
	}
	for _, tt := range tests {
		if got := tt.pace.RunAt(sim, ws, started); !got.Equal(tt.wantAt) {
			t.Errorf("%s RunAt: want %v, got %v", tt.pace.Mode, tt.wantAt, got)
		}
		if got := tt.pace.RunDelay(delay); got != tt.wantDelay {
			t.Errorf("%s RunDelay: want %v, got %v", tt.pace.Mode, tt.wantDelay, got)
		}
		// An activity's run time is its phase's run time plus the scaled delay.
		if tt.pace.Mode != Backfill {
			a, b := tt.pace.RunAt(sim.Add(delay), ws, started), tt.pace.RunAt(sim, ws, started).Add(tt.pace.RunDelay(delay))
			if !a.Equal(b) {
				t.Errorf("%s: RunAt(phase+delay) %v != RunAt(phase)+RunDelay %v", tt.pace.Mode, a, b)
			}
			if back := tt.pace.SimAt(tt.wantAt, ws, started); !back.Equal(sim) {
				t.Errorf("%s SimAt: want %v, got %v", tt.pace.Mode, sim, back)
			}
		}
	}
}
