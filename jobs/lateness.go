package jobs

import (
	"strconv"
	"time"
)

// Lateness is how far after its planned run time objects were created, for paced
// simulations (a backfill creates everything at once and has none): the median
// and the 99th percentile, with the number of objects measured and of those
// created more than a second early (want 0).
type Lateness struct {
	Measured int64         `json:"measured"`
	P50      time.Duration `json:"-"`
	P99      time.Duration `json:"-"`
	P50Ms    int64         `json:"p50Ms"`
	P99Ms    int64         `json:"p99Ms"`
	Early    int64         `json:"early"`
}

// Lateness is kept as a histogram in the metrics hash (and the database counters,
// like every other count): field lateness_le_<ms> counts objects created at most
// that many milliseconds after their planned moment, lateness_gt_<last> the rest;
// objects created early count in the first bucket, and those more than
// earlySlack early in fieldEarly too.
var latenessBounds = []int64{0, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000}

const (
	fieldEarly = "objects_early"
	earlySlack = time.Second
)

func latenessField(i int) string {
	if i >= len(latenessBounds) {
		return "lateness_gt_" + strconv.FormatInt(latenessBounds[len(latenessBounds)-1], 10)
	}
	return "lateness_le_" + strconv.FormatInt(latenessBounds[i], 10)
}

// addLateness adds n objects created late by d (negative: early) to deltas.
func addLateness(deltas map[string]int64, d time.Duration, n int64) {
	if d < -earlySlack {
		deltas[fieldEarly] += n
	}
	ms := d.Milliseconds()
	i := 0
	for i < len(latenessBounds) && ms > latenessBounds[i] {
		i++
	}
	deltas[latenessField(i)] += n
}

// latenessOf reads the histogram back; a percentile is the upper bound of the
// bucket it falls in (the last bucket reports its lower bound).
func latenessOf(fields map[string]int64) Lateness {
	var l Lateness
	counts := make([]int64, len(latenessBounds)+1)
	for i := range counts {
		counts[i] = fields[latenessField(i)]
		l.Measured += counts[i]
	}
	l.Early = fields[fieldEarly]
	if l.Measured == 0 {
		return l
	}
	pct := func(q float64) time.Duration {
		rank := int64(q*float64(l.Measured) + 0.999999)
		var seen int64
		for i, c := range counts {
			seen += c
			if seen >= rank {
				return time.Duration(latenessBounds[min(i, len(latenessBounds)-1)]) * time.Millisecond
			}
		}
		return time.Duration(latenessBounds[len(latenessBounds)-1]) * time.Millisecond
	}
	l.P50, l.P99 = pct(0.50), pct(0.99)
	l.P50Ms, l.P99Ms = l.P50.Milliseconds(), l.P99.Milliseconds()
	return l
}
