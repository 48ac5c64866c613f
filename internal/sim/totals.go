package sim

import "math"

// EffectiveTotal is the number of records a simulation plans: requested ×
// the scenario's volume multiplier, rounded, at least 1 and at most
// MaxRecords. Completion counts against it, never against the requested total.
func EffectiveTotal(requested int, sc Scenario) int {
	v := math.Round(float64(requested) * sc.VolumeMultiplier)
	return int(math.Max(1, math.Min(v, MaxRecords)))
}

// Totals counts objects per type for a whole simulation, and the planned
// updates of contacts and deals.
type Totals struct {
	Contacts, Companies, Deals, Tickets, Notes, Calls, Tasks, Meetings int
	ContactUpdates, DealUpdates                                        int
}

// Updates is the number of planned updates.
func (t Totals) Updates() int { return t.ContactUpdates + t.DealUpdates }

// Get returns the total for any object kind.
func (t Totals) Get(k Kind) int {
	switch k {
	case KindContact:
		return t.Contacts
	case KindCompany:
		return t.Companies
	case KindDeal:
		return t.Deals
	case KindTicket:
		return t.Tickets
	case KindNote:
		return t.Notes
	case KindCall:
		return t.Calls
	case KindTask:
		return t.Tasks
	case KindMeeting:
		return t.Meetings
	case KindContactUpdate:
		return t.ContactUpdates
	case KindDealUpdate:
		return t.DealUpdates
	}
	return 0
}

// Activities returns the activity totals as Counts.
func (t Totals) Activities() Counts {
	return Counts{Notes: t.Notes, Calls: t.Calls, Tasks: t.Tasks, Meetings: t.Meetings, Tickets: t.Tickets}
}

func (t *Totals) setActivities(c Counts) {
	t.Notes, t.Calls, t.Tasks, t.Meetings, t.Tickets = c.Notes, c.Calls, c.Tasks, c.Meetings, c.Tickets
}

// CountTotals is the exact plan of records [0, records): it runs Candidates
// for every record (0.1-0.25 s per million) and applies the budgets exactly
// as PlanRecord does.
func CountTotals(spec *Spec, records int) Totals {
	var sum Counts
	deals, cu, du := 0, 0, 0
	sc := &spec.Scenario
	open := len(spec.Pipeline.orDefault().Open)
	for i := range records {
		j := decide(spec, i)
		sum = sum.Plus(j.candidates(sc.Caps))
		deals += b2i(j.deal)
		c, d := j.updateCounts(sc, open)
		cu += c
		du += d
	}
	t := Totals{Contacts: records, Companies: CompanyCount(spec.Seed, sc, records), Deals: deals, ContactUpdates: cu, DealUpdates: du}
	var kept Counts
	for _, k := range ActivityKinds {
		kept.Set(k, min(sum.Get(k), sc.Budgets.Get(k)))
	}
	t.setActivities(kept)
	return t
}

// ExpectedTotals is the analytic expectation for records records of the
// scenario, respecting per-record caps and simulation budgets; it costs
// microseconds, for live previews. CountTotals gives the exact numbers.
func ExpectedTotals(sc Scenario, records int) Totals {
	e := expectedPerRecord(&sc)
	n := float64(records)
	t := Totals{
		Contacts:  records,
		Companies: int(math.Round(expectedCompanies(sc.ContactsPerCompany, records))),
		Deals:     int(math.Round(n * sc.PMQL * sc.PDeal)),
	}
	cu, du := expectedUpdates(&sc)
	t.ContactUpdates, t.DealUpdates = int(math.Round(n*cu)), int(math.Round(n*du))
	var c Counts
	for _, k := range ActivityKinds {
		c.Set(k, min(int(math.Round(n*e[k.activityIndex()])), sc.Budgets.Get(k)))
	}
	t.setActivities(c)
	return t
}

// truncGeom is the distribution of the number of successes (each with
// probability p) before the first failure, stopped at bound.
func truncGeom(p float64, bound int) []float64 {
	bound = max(bound, 0)
	out := make([]float64, bound+1)
	pk := 1.0
	for n := 0; n < bound; n++ {
		out[n] = pk * (1 - p)
		pk *= p
	}
	out[bound] = pk
	return out
}

func mean(pmf []float64) float64 {
	m := 0.0
	for n, p := range pmf {
		m += float64(n) * p
	}
	return m
}

// expectedPerRecord mirrors decide and journey.candidates, in Counts order.
func expectedPerRecord(sc *Scenario) [5]float64 {
	pm, pd := sc.PMQL, sc.PDeal
	pClosedWon := (1 - sc.POpenDeal) * sc.WinRate
	pClosedLost := (1 - sc.POpenDeal) * (1 - sc.WinRate)
	var e [5]float64

	// Notes: initial note plus at most one of nurture (no deal) or post-win.
	py := pm * ((1-pd)*sc.PRegression*sc.PNurtureNote + pd*pClosedWon*sc.PPostWinNote)
	for n0 := 0; n0 <= 1; n0++ {
		for y := 0; y <= 1; y++ {
			p := bern(sc.PInitialNote, n0) * bern(py, y)
			e[0] += p * float64(min(n0+y, sc.Caps.Notes))
		}
	}

	// Calls: one on MQL, then retries up to the cap.
	if sc.Caps.Calls > 0 {
		e[1] = pm * sc.PCallOnMQL * (1 + mean(truncGeom(sc.PCallRetry, sc.Caps.Calls-1)))
	}

	// Meetings and the tasks that follow them, for MQLs with a deal.
	meet := truncGeom(sc.PMeeting, min(sc.Caps.Meetings, maxPerRecord))
	e[3] = pm * pd * mean(meet)
	followUps := make([]float64, len(meet)) // distribution of meeting tasks given a deal
	for m, pmM := range meet {
		for k := 0; k <= m; k++ {
			followUps[k] += pmM * binom(m, k, sc.PTaskAfterMeeting)
		}
	}
	pTask := (1 - sc.PCallOnMQL) * sc.PTaskIfNoCall
	for t := 0; t <= 1; t++ {
		for k := range followUps {
			pk := pd * followUps[k]
			if k == 0 {
				pk += 1 - pd
			}
			e[2] += pm * bern(pTask, t) * pk * float64(min(t+k, sc.Caps.Tasks))
		}
	}

	e[4] = pm * pd * pClosedLost * sc.PTicketOnLost * float64(min(1, sc.Caps.Tickets))
	return e
}

// expectedUpdates mirrors journey.updateCounts for the default pipeline.
func expectedUpdates(sc *Scenario) (contact, deal float64) {
	pm, pd := sc.PMQL, sc.PDeal
	sub := 0.0
	if sc.InitialStage == LifecycleSubscriber {
		sub = 1
	}
	closed := 1 - sc.POpenDeal
	contact = pm * (1 + sub + sc.PCallOnMQL + (1-pd)*sc.PRegression + pd*(2+closed))
	sum, avg := 0.0, 0.0
	for i, w := range sc.StageWeights {
		sum += w
		avg += w * float64(i)
	}
	if sum > 0 {
		avg /= sum
	}
	n := float64(len(OpenDealStages))
	deal = pm * pd * (sc.POpenDeal*avg + closed*sc.WinRate*(n-1) + closed*(1-sc.WinRate)*avg + closed)
	return contact, deal
}

func bern(p float64, x int) float64 {
	if x == 1 {
		return p
	}
	return 1 - p
}

func binom(n, k int, p float64) float64 {
	c := 1.0
	for i := 0; i < k; i++ {
		c = c * float64(n-i) / float64(i+1)
	}
	return c * math.Pow(p, float64(k)) * math.Pow(1-p, float64(n-k))
}

// expectedCompanies averages CompanyCount over the seeded pair sizes.
func expectedCompanies(r IntRange, records int) float64 {
	if records <= 0 {
		return 0
	}
	span := companySpan(r)
	full, rem := records/span, records%span
	c := 2 * float64(full)
	if rem > 0 {
		// One company if the pair's first company holds all rem records.
		width := r.Max - r.Min + 1
		atLeast := 0
		for s := r.Min; s <= r.Max; s++ {
			if s >= rem {
				atLeast++
			}
		}
		c += 2 - float64(atLeast)/float64(width)
	}
	return c
}
