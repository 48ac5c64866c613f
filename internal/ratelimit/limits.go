package ratelimit

import (
	"fmt"
	"strings"
	"time"
)

// Tier is a HubSpot subscription level; it fixes the default limits of a connection.
type Tier string

// HubSpot tiers (hubspot/README.md, "Rate limits").
const (
	TierFree         Tier = "free"
	TierStarter      Tier = "starter"
	TierProfessional Tier = "professional"
	TierEnterprise   Tier = "enterprise"
	// TierAddon is the API limit increase pack: 250 calls per 10 s and 1,000,000
	// extra calls a day. Bought on Professional or Enterprise; LimitsFor assumes the
	// lower base (Professional, one pack). Use WithAPIPacks for other combinations.
	TierAddon Tier = "addon"
)

// Tiers lists every tier, for forms and validation messages.
var Tiers = []Tier{TierFree, TierStarter, TierProfessional, TierEnterprise, TierAddon}

// ParseTier reads a tier name as a user or the environment writes it.
func ParseTier(s string) (Tier, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
	switch k {
	case "free":
		return TierFree, nil
	case "starter":
		return TierStarter, nil
	case "professional", "pro":
		return TierProfessional, nil
	case "enterprise":
		return TierEnterprise, nil
	case "addon", "api_addon", "api_limit_increase":
		return TierAddon, nil
	}
	return "", fmt.Errorf("ratelimit: unknown HubSpot tier %q (want free, starter, professional, enterprise or addon)", s)
}

// DefaultGuard widens every window a little, so calls granted at the edge of our
// window still land outside HubSpot's despite network jitter (98% of the burst).
const DefaultGuard = 200 * time.Millisecond

// Limits are one connection's allowances.
type Limits struct {
	Burst    int            // calls allowed in any rolling Interval
	Interval time.Duration  // length of the rolling window (HubSpot: 10 s)
	Daily    int            // calls per day; 0 means no daily cap
	Zone     *time.Location // where the daily cap resets at midnight; nil is UTC
	Margin   int            // calls held back from Burst as a safety margin
	Guard    time.Duration  // added to Interval to absorb latency jitter
}

// LimitsFor returns HubSpot's published limits for a tier, with DefaultGuard.
// An unknown tier gets the Free limits, the safest choice.
func LimitsFor(t Tier) Limits {
	l := Limits{Burst: 100, Interval: 10 * time.Second, Daily: 250_000, Guard: DefaultGuard}
	switch t {
	case TierProfessional:
		l.Burst, l.Daily = 190, 625_000
	case TierEnterprise:
		l.Burst, l.Daily = 190, 1_000_000
	case TierAddon:
		l.Burst, l.Daily = 190, 625_000
		l = l.WithAPIPacks(1)
	}
	return l
}

// WithAPIPacks adds n API limit increase packs: 250 calls per 10 s and 1,000,000
// more calls a day per pack.
func (l Limits) WithAPIPacks(n int) Limits {
	if n <= 0 {
		return l
	}
	l.Burst = max(l.Burst, 250)
	l.Daily += n * 1_000_000
	return l
}

// Validate reports limits a Window cannot work with.
func (l Limits) Validate() error {
	switch {
	case l.Burst < 1:
		return fmt.Errorf("ratelimit: burst must be at least 1, got %d", l.Burst)
	case l.Margin < 0 || l.Margin >= l.Burst:
		return fmt.Errorf("ratelimit: margin must be between 0 and burst-1 (%d), got %d", l.Burst-1, l.Margin)
	case l.Interval < time.Millisecond:
		return fmt.Errorf("ratelimit: interval must be at least 1ms, got %s", l.Interval)
	case l.Guard < 0:
		return fmt.Errorf("ratelimit: guard must not be negative, got %s", l.Guard)
	case l.Daily < 0:
		return fmt.Errorf("ratelimit: daily cap must not be negative, got %d", l.Daily)
	}
	return nil
}

// limit is the number of calls the window grants per interval.
func (l Limits) limit() int { return l.Burst - l.Margin }

// window is the interval the window enforces.
func (l Limits) window() time.Duration { return l.Interval + l.Guard }

func (l Limits) zone() *time.Location {
	if l.Zone == nil {
		return time.UTC
	}
	return l.Zone
}
