package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers are HubSpot's rate-limit response headers. A pair is used only when its
// maximum is known: Remaining when Max > 0, DailyRemaining when Daily > 0, so the
// zero value means "nothing learnt".
type Headers struct {
	Max            int // X-HubSpot-RateLimit-Max: calls per interval
	Remaining      int // X-HubSpot-RateLimit-Remaining
	IntervalMillis int // X-HubSpot-RateLimit-Interval-Milliseconds (informational)
	Daily          int // X-HubSpot-RateLimit-Daily
	DailyRemaining int // X-HubSpot-RateLimit-Daily-Remaining
}

// ParseHeaders reads the rate-limit headers of a response; missing or malformed
// values leave their pair unknown.
func ParseHeaders(h http.Header) Headers {
	get := func(name string) (int, bool) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0
	}
	var out Headers
	max, okMax := get("X-HubSpot-RateLimit-Max")
	rem, okRem := get("X-HubSpot-RateLimit-Remaining")
	if okMax && okRem && max > 0 {
		out.Max, out.Remaining = max, rem
	}
	out.IntervalMillis, _ = get("X-HubSpot-RateLimit-Interval-Milliseconds")
	daily, okDaily := get("X-HubSpot-RateLimit-Daily")
	drem, okDrem := get("X-HubSpot-RateLimit-Daily-Remaining")
	if okDaily && okDrem && daily > 0 {
		out.Daily, out.DailyRemaining = daily, drem
	}
	return out
}

// Policy is the policyName of a HubSpot 429 body.
type Policy string

// HubSpot rate-limit policies.
const (
	PolicyTenSecondlyRolling Policy = "TEN_SECONDLY_ROLLING"
	PolicySecondly           Policy = "SECONDLY"
	PolicyDaily              Policy = "DAILY"
)

// Rejection describes a 429 from the target.
type Rejection struct {
	Policy     Policy        // from the body; empty or unknown is treated as the rolling window
	RetryAfter time.Duration // from Retry-After; 0 when absent
}

// ParseRetryAfter reads a Retry-After value (seconds or an HTTP date) relative to now.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// ErrDailyLimit means the account's daily allowance is spent: pause the simulation
// until the reset instead of retrying. Returned as a *DailyLimitError.
var ErrDailyLimit = errors.New("ratelimit: HubSpot daily limit reached")

// DailyLimitError carries when the daily allowance comes back.
type DailyLimitError struct {
	ResetAt time.Time
}

func (e *DailyLimitError) Error() string {
	return fmt.Sprintf("ratelimit: HubSpot daily limit reached, resets at %s", e.ResetAt.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrDailyLimit) true.
func (e *DailyLimitError) Is(target error) bool { return target == ErrDailyLimit }
