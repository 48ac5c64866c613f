package hubspot

import (
	"net/http"
	"strconv"
	"time"
)

// RateLimitInfo is what HubSpot's X-HubSpot-RateLimit-* headers said on one response.
// Each group is set only when its headers were present; search endpoints send none.
type RateLimitInfo struct {
	At time.Time // when the response was read

	// Rolling window: -Max calls per -Interval-Milliseconds, -Remaining left.
	HasWindow            bool
	IntervalMilliseconds int
	Max                  int
	Remaining            int

	// Daily: -Daily calls per day, -Daily-Remaining left.
	HasDaily       bool
	Daily          int
	DailyRemaining int

	// Deprecated per-second headers, still sent (about Max/10).
	HasSecondly       bool
	Secondly          int
	SecondlyRemaining int
}

// Interval returns the rolling window's length, 10 s when unknown.
func (r RateLimitInfo) Interval() time.Duration {
	if r.HasWindow && r.IntervalMilliseconds > 0 {
		return time.Duration(r.IntervalMilliseconds) * time.Millisecond
	}
	return 10 * time.Second
}

// Canonical header keys, indexed directly to avoid canonicalising on every response.
const (
	hdrDaily             = "X-Hubspot-Ratelimit-Daily"
	hdrDailyRemaining    = "X-Hubspot-Ratelimit-Daily-Remaining"
	hdrInterval          = "X-Hubspot-Ratelimit-Interval-Milliseconds"
	hdrMax               = "X-Hubspot-Ratelimit-Max"
	hdrRemaining         = "X-Hubspot-Ratelimit-Remaining"
	hdrSecondly          = "X-Hubspot-Ratelimit-Secondly"
	hdrSecondlyRemaining = "X-Hubspot-Ratelimit-Secondly-Remaining"
)

// ParseRateLimit reads the rate-limit headers; ok is false when none was present.
func ParseRateLimit(h http.Header, at time.Time) (info RateLimitInfo, ok bool) {
	info.At = at
	var okMax, okRem, okInt bool
	info.Max, okMax = headerInt(h, hdrMax)
	info.Remaining, okRem = headerInt(h, hdrRemaining)
	info.IntervalMilliseconds, okInt = headerInt(h, hdrInterval)
	info.HasWindow = okMax || okRem || okInt

	var okD, okDR bool
	info.Daily, okD = headerInt(h, hdrDaily)
	info.DailyRemaining, okDR = headerInt(h, hdrDailyRemaining)
	info.HasDaily = okD || okDR

	var okS, okSR bool
	info.Secondly, okS = headerInt(h, hdrSecondly)
	info.SecondlyRemaining, okSR = headerInt(h, hdrSecondlyRemaining)
	info.HasSecondly = okS || okSR

	return info, info.HasWindow || info.HasDaily || info.HasSecondly
}

func headerInt(h http.Header, key string) (int, bool) {
	v := h[key]
	if len(v) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		return 0, false
	}
	return n, true
}
