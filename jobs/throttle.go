package jobs

import (
	"errors"
	"fmt"
	"time"
)

// ErrThrottled marks work that must wait (rate limit, cooldown, open breaker): it
// is rescheduled, never skipped and never counted as a failure or as created.
var ErrThrottled = errors.New("jobs: throttled")

// Throttled wraps ErrThrottled with how long to wait.
type Throttled struct {
	Wait   time.Duration
	Reason string
}

func (t *Throttled) Error() string { return fmt.Sprintf("throttled for %s: %s", t.Wait, t.Reason) }

// Unwrap makes errors.Is(err, ErrThrottled) hold.
func (t *Throttled) Unwrap() error { return ErrThrottled }

// IsThrottled reports whether err only asks the work to wait.
func IsThrottled(err error) bool { return errors.Is(err, ErrThrottled) }
