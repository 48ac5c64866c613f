package ratelimit

import (
	"context"
	"time"
)

// Guard groups what protects one target, for the limiter panel. Any part may be nil.
type Guard struct {
	Window  *Window
	Breaker *Breaker
	Buckets *Buckets
}

// Status is the limiter panel's snapshot.
type Status struct {
	Window        *WindowStatus  // nil without a Window
	CooldownUntil time.Time      // zero: no cooldown (read through the Window)
	Breaker       *BreakerStatus // nil without a Breaker
	Buckets       []BucketLevel
}

// Status reads every part without changing anything.
func (g Guard) Status(ctx context.Context) (Status, error) {
	var st Status
	if g.Window != nil {
		w, err := g.Window.Status(ctx)
		if err != nil {
			return Status{}, err
		}
		st.Window, st.CooldownUntil = &w, w.CooldownUntil
	}
	if g.Breaker != nil {
		b, err := g.Breaker.Status(ctx)
		if err != nil {
			return Status{}, err
		}
		st.Breaker = &b
	}
	if g.Buckets != nil {
		l, err := g.Buckets.Levels(ctx)
		if err != nil {
			return Status{}, err
		}
		st.Buckets = l
	}
	return st, nil
}
