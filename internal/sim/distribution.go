package sim

import (
	"math"
	"strconv"
	"time"
)

// Distribution names the curve that maps records onto the window.
type Distribution string

const (
	Linear        Distribution = "linear"
	BellCurve     Distribution = "bell_curve"
	FrontLoaded   Distribution = "front_loaded"
	BackLoaded    Distribution = "back_loaded"
	SurgeMid      Distribution = "surge_mid"
	Trickle       Distribution = "trickle"
	RandomBursts  Distribution = "random_bursts"
	DailySpike    Distribution = "daily_spike"
	WeekendSurge  Distribution = "weekend_surge"
	BusinessHours Distribution = "business_hours"
	Custom        Distribution = "custom"
)

// DistributionInfo describes a distribution for pickers and previews.
type DistributionInfo struct {
	Name        Distribution
	Label       string
	Description string
	WallClock   bool // depends on local hour or weekday in the simulation's time zone
	Seeded      bool // shape depends on the simulation seed
}

var distributionInfos = []DistributionInfo{
	{Linear, "Linear", "Uniform over the window.", false, false},
	{BellCurve, "Bell curve", "Gaussian peak in the middle of the window (σ = 15% of the window).", false, false},
	{FrontLoaded, "Front-loaded", "Dense at the start, thinning out exponentially.", false, false},
	{BackLoaded, "Back-loaded", "Sparse at the start, building up to the end.", false, false},
	{SurgeMid, "Mid-window surge", "Steady baseline with a sharp surge in the middle.", false, false},
	{Trickle, "Trickle", "A steady thin stream with a gentle seeded ±20% wobble.", false, true},
	{RandomBursts, "Random bursts", "Low baseline with 3-7 seeded bursts.", false, true},
	{DailySpike, "Daily spike", "Quiet nights, a busy peak around 13:00 every day.", true, false},
	{WeekendSurge, "Weekend surge", "Saturdays and Sundays get 1.5× the weekday rate.", true, false},
	{BusinessHours, "Business hours", "Only Monday-Friday 09:00-17:00.", true, false},
	{Custom, "Custom", "24 hour-of-day weights.", true, false},
}

// Distributions lists every distribution in display order.
func Distributions() []DistributionInfo { return append([]DistributionInfo(nil), distributionInfos...) }

// DistributionNames lists the distribution names in display order.
func DistributionNames() []string {
	out := make([]string, len(distributionInfos))
	for i, d := range distributionInfos {
		out[i] = string(d.Name)
	}
	return out
}

// ParseDistribution validates a distribution name.
func ParseDistribution(s string) (Distribution, error) {
	for _, d := range distributionInfos {
		if string(d.Name) == s {
			return d.Name, nil
		}
	}
	return "", invalid("distribution", ErrUnknownDistribution, strconv.Quote(s))
}

func (d Distribution) info() DistributionInfo {
	for _, i := range distributionInfos {
		if i.Name == d {
			return i
		}
	}
	return DistributionInfo{}
}

// point is where a density is evaluated: x is the fraction of the window
// elapsed; hour (fractional, 0-24) and weekday are local wall clock.
type point struct {
	x       float64
	hour    float64
	weekday time.Weekday
}

type density func(point) float64

// Burst is one seeded burst of the random_bursts distribution.
type Burst struct {
	Center time.Time
	Width  time.Duration // standard deviation
	Weight float64       // peak height relative to the baseline of 1
}

const burstBaseline = 0.25

// shape holds a distribution's density and its seeded parameters.
type shape struct {
	f      density
	bursts []Burst
}

func gauss(x, mu, sigma float64) float64 {
	z := (x - mu) / sigma
	return math.Exp(-0.5 * z * z)
}

// newShape builds the density of a validated PlanInput.
func newShape(p PlanInput, span time.Duration) shape {
	switch p.Distribution {
	case BellCurve:
		return shape{f: func(q point) float64 { return gauss(q.x, 0.5, 0.15) }}
	case FrontLoaded:
		return shape{f: func(q point) float64 { return math.Exp(-3 * q.x) }}
	case BackLoaded:
		return shape{f: func(q point) float64 { return math.Exp(-3 * (1 - q.x)) }}
	case SurgeMid:
		return shape{f: func(q point) float64 { return 1 + 4*gauss(q.x, 0.5, 0.07) }}
	case Trickle:
		var knots [25]float64
		s := newStream(p.Seed, 0, purposeTrickle)
		for i := range knots {
			knots[i] = 1 + 0.2*(2*s.float()-1)
		}
		return shape{f: func(q point) float64 {
			u := q.x * 24
			i := min(int(u), 23)
			t := (1 - math.Cos((u-float64(i))*math.Pi)) / 2
			return knots[i]*(1-t) + knots[i+1]*t
		}}
	case RandomBursts:
		s := newStream(p.Seed, 0, purposeBursts)
		n := 3 + s.intn(5)
		type b struct{ c, w, a float64 }
		bs := make([]b, n)
		out := make([]Burst, n)
		for i := range bs {
			bs[i] = b{c: s.between(0.05, 0.95), w: s.between(0.01, 0.03), a: s.between(4, 10)}
			out[i] = Burst{
				Center: p.Start.Add(time.Duration(bs[i].c * float64(span))),
				Width:  time.Duration(bs[i].w * float64(span)),
				Weight: bs[i].a / burstBaseline,
			}
		}
		return shape{bursts: out, f: func(q point) float64 {
			v := burstBaseline
			for _, b := range bs {
				v += b.a * gauss(q.x, b.c, b.w)
			}
			return v
		}}
	case DailySpike:
		return shape{f: func(q point) float64 { return 0.5 + 8*gauss(q.hour, 13, 2) }}
	case WeekendSurge:
		return shape{f: func(q point) float64 {
			if q.weekday == time.Saturday || q.weekday == time.Sunday {
				return 1.5
			}
			return 1
		}}
	case BusinessHours:
		return shape{f: func(q point) float64 {
			if isBusinessHour(q.hour, q.weekday) {
				return 1
			}
			return 0
		}}
	case Custom:
		w := p.Weights
		return shape{f: func(q point) float64 { return w[min(int(q.hour), 23)] }}
	default: // Linear
		return shape{f: func(point) float64 { return 1 }}
	}
}

// isBusinessHour is Monday-Friday, 09:00 ≤ local time < 17:00.
func isBusinessHour(hour float64, wd time.Weekday) bool {
	return wd >= time.Monday && wd <= time.Friday && hour >= 9 && hour < 17
}

// IsBusinessHour reports whether t falls in Monday-Friday 09:00-17:00 in loc.
func IsBusinessHour(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	h, m, s := l.Clock()
	return isBusinessHour(float64(h)+float64(m)/60+float64(s)/3600, l.Weekday())
}
