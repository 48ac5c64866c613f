package sim

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

// Spec is what record planning needs to know about a simulation.
type Spec struct {
	SimID    string
	Seed     int64
	Scenario Scenario // with overrides already applied
	Planner  *Planner // record index → contact creation time; unused by Candidates
}

// Validate checks the scenario and that a planner is set.
func (s *Spec) Validate() error {
	if s.Planner == nil {
		return invalid("planner", ErrNoPlanner, "")
	}
	return s.Scenario.Validate()
}

// Phase is a step of a record's funnel journey.
type Phase string

const (
	PhaseCreated    Phase = "created"    // contact (and, for its first contact, the company) created
	PhaseMQL        Phase = "mql"        // marketing qualified lead
	PhaseRegression Phase = "regression" // back to lead, nurtured
	PhaseDeal       Phase = "deal"       // deal created and in progress
	PhaseWon        Phase = "won"        // deal closed won
	PhaseLost       Phase = "lost"       // deal closed lost
)

// DealOutcome is where a deal's journey ends.
type DealOutcome string

const (
	DealOpen DealOutcome = "open"
	DealWon  DealOutcome = "won"
	DealLost DealOutcome = "lost"
)

// Step is a lifecycle change of the contact. An empty LifecycleStage or
// LeadStatus leaves that property unchanged.
type Step struct {
	At             time.Time
	Phase          Phase
	LifecycleStage string
	LeadStatus     string
}

// Deal is the record's deal, if it has one.
type Deal struct {
	Key       string
	Outcome   DealOutcome
	Stage     string // final stage in the default pipeline
	Amount    int64  // whole currency units
	CreatedAt time.Time
	CloseAt   time.Time // actual close for won/lost, expected close for open deals
}

// Company is the company a record's contact belongs to; several records
// share it. Key and Domain are stable per (simulation, company index).
type Company struct {
	Index     int
	Key       string // "<simID>-co-<index>"
	Brand     string // e.g. "Brightpath"; the fake name builds on it
	Domain    string // "<brand>-<index>.<sim tag>.example.com"
	Industry  string // HubSpot industry enum value
	Employees int    // head count, from the scenario's range
	Seed      uint64 // seeds the company's fake data
	First     bool   // this record is the company's first contact: create the company with it
}

// Activity is one planned engagement (or ticket) of a record.
type Activity struct {
	Kind         Kind
	Ordinal      int    // 1-based count of Kind within the record, in phase order
	Key          string // "<record key>-<kind>-<ordinal>"
	Phase        Phase
	PhaseAt      time.Time     // simulated time of the phase that triggered it
	Delay        time.Duration // drawn from the scenario's delay range
	At           time.Time     // PhaseAt + Delay: the activity's own timestamp
	Associations []Kind        // objects of the record to associate with; shared, do not modify
	Seed         uint64        // seeds its fake content
}

// Record is one funnel journey: a contact, its company, maybe a deal, and
// the activities that follow, all derived from (seed, index).
type Record struct {
	Key        string // "<simID>-<index>"
	SimID      string
	Index      int
	Seed       uint64 // seeds the contact's fake data
	CreatedAt  time.Time
	Email      string // unique per simulation and index, on example.com/.org/.net
	Company    Company
	Steps      []Step
	Deal       *Deal
	Activities []Activity // in time order
	Dropped    Counts     // candidates cut by the simulation budgets
}

var (
	assocContactCompany     = []Kind{KindContact, KindCompany}
	assocContactCompanyDeal = []Kind{KindContact, KindCompany, KindDeal}
)

// journey holds a record's random decisions; it never allocates.
type journey struct {
	note0, mql, call, task, deal, regressed, nurture, postWin, ticket bool
	outcome                                                           DealOutcome
	stage                                                             int
	calls, meetings                                                   int
	meetingTasks                                                      uint32 // bit m: meeting m is followed by a task
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func decide(seed int64, sc *Scenario, index int) journey {
	s := newStream(seed, uint64(index), purposeJourney)
	// Fixed draw slots keep each decision stable when another parameter changes.
	var u [12]float64
	for i := range u {
		u[i] = s.float()
	}
	var j journey
	j.note0 = u[0] < sc.PInitialNote
	j.mql = u[1] < sc.PMQL
	if !j.mql {
		return j
	}
	j.call = u[2] < sc.PCallOnMQL
	j.task = !j.call && u[3] < sc.PTaskIfNoCall
	j.deal = u[4] < sc.PDeal
	if j.call && sc.Caps.Calls > 0 {
		j.calls = 1
		r := newStream(seed, uint64(index), purposeCallRetries)
		for j.calls < sc.Caps.Calls && r.float() < sc.PCallRetry {
			j.calls++
		}
	}
	if !j.deal {
		j.regressed = u[5] < sc.PRegression
		j.nurture = j.regressed && u[6] < sc.PNurtureNote
		return j
	}
	switch {
	case u[7] < sc.POpenDeal:
		j.outcome = DealOpen
	case u[8] < sc.WinRate:
		j.outcome = DealWon
	default:
		j.outcome = DealLost
	}
	j.postWin = j.outcome == DealWon && u[9] < sc.PPostWinNote
	j.ticket = j.outcome == DealLost && u[10] < sc.PTicketOnLost
	j.stage = pickWeighted(sc.StageWeights[:], u[11])
	m := newStream(seed, uint64(index), purposeMeetings)
	for j.meetings < min(sc.Caps.Meetings, maxPerRecord) && m.float() < sc.PMeeting {
		if m.float() < sc.PTaskAfterMeeting {
			j.meetingTasks |= 1 << j.meetings
		}
		j.meetings++
	}
	return j
}

func pickWeighted(w []float64, u float64) int {
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	x := u * sum
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// candidates are the activities a journey wants after per-record caps and
// before simulation budgets.
func (j *journey) candidates(caps Counts) Counts {
	return Counts{
		Notes:    min(b2i(j.note0)+b2i(j.nurture)+b2i(j.postWin), caps.Notes),
		Calls:    j.calls,
		Tasks:    min(b2i(j.task)+bits.OnesCount32(j.meetingTasks), caps.Tasks),
		Meetings: j.meetings,
		Tickets:  min(b2i(j.ticket), caps.Tickets),
	}
}

// Candidates returns how many activities of each kind record index wants
// after the per-record caps, before the simulation budgets. It makes no
// fake data and does not allocate: the engine sums it over earlier records
// to get the used counts that PlanRecord needs.
func Candidates(spec *Spec, index int) Counts {
	j := decide(spec.Seed, &spec.Scenario, index)
	return j.candidates(spec.Scenario.Caps)
}

func minutes(m float64) time.Duration {
	return max(time.Duration(m*float64(time.Minute)).Round(time.Second), time.Second)
}

func (s *stream) delay(r Range) time.Duration { return minutes(s.between(r.Min, r.Max)) }

func (s *stream) jittered(j Jittered) time.Duration {
	return minutes(j.Mean + j.Jitter*(2*s.float()-1))
}

// recordPlan collects a record's activities, enforcing caps then budgets in
// phase order.
type recordPlan struct {
	rec       *Record
	caps      Counts
	remaining Counts // budget left for this record
	seen      Counts
	kept      Counts
	actSeed   uint64
}

func (p *recordPlan) add(k Kind, ph Phase, phaseAt time.Time, d time.Duration, assoc []Kind) {
	seen := p.seen.Get(k) + 1
	p.seen.Set(k, seen)
	if seen > p.caps.Get(k) {
		return
	}
	kept := p.kept.Get(k)
	if kept >= p.remaining.Get(k) {
		p.rec.Dropped.Set(k, p.rec.Dropped.Get(k)+1)
		return
	}
	kept++
	p.kept.Set(k, kept)
	p.rec.Activities = append(p.rec.Activities, Activity{
		Kind:         k,
		Ordinal:      kept,
		Key:          p.rec.Key + "-" + string(k) + "-" + strconv.Itoa(kept),
		Phase:        ph,
		PhaseAt:      phaseAt,
		Delay:        d,
		At:           phaseAt.Add(d),
		Associations: assoc,
		Seed:         mix64(p.actSeed ^ uint64(k.activityIndex()+1)<<40 ^ uint64(kept)),
	})
}

// PlanRecord plans record index. used holds the candidates of all records
// with a smaller index (prefix sums of Candidates); activities past the
// simulation budget are dropped, latest phase first, and counted in Dropped.
// The same (spec, index, used) always gives the same record.
func PlanRecord(spec *Spec, index int, used Counts) (Record, error) {
	if spec.Planner == nil || index < 0 || index >= spec.Planner.Count() {
		return Record{}, invalid("index", ErrIndex, strconv.Itoa(index))
	}
	sc := &spec.Scenario
	j := decide(spec.Seed, sc, index)
	t0 := spec.Planner.At(index)
	key := RecordKey(spec.SimID, index)
	rec := Record{
		Key:       key,
		SimID:     spec.SimID,
		Index:     index,
		Seed:      hashSeed(spec.Seed, uint64(index), purposeData),
		CreatedAt: t0,
		Email:     ContactEmail(spec.SimID, index),
		Company:   CompanyOf(spec, index),
		Steps:     make([]Step, 0, 4),
	}
	var remaining Counts
	for _, k := range ActivityKinds {
		remaining.Set(k, max(0, sc.Budgets.Get(k)-used.Get(k)))
	}
	p := recordPlan{rec: &rec, caps: sc.Caps, remaining: remaining,
		actSeed: hashSeed(spec.Seed, uint64(index), purposeActivity)}

	// Gaps and single delays come from fixed slots so that they do not move
	// when a loop above them changes length.
	d := newStream(spec.Seed, uint64(index), purposeDelays)
	noteDelay := d.delay(sc.Delays.Note)
	mqlAt := t0.Add(d.delay(sc.Gaps.MQL))
	regAt := mqlAt.Add(d.delay(sc.Gaps.Regression))
	dealAt := mqlAt.Add(d.delay(sc.Gaps.Deal))
	closeGap := d.delay(sc.Gaps.Close)
	taskDelay := d.delay(sc.Delays.Task)
	nurtureDelay := d.delay(sc.Delays.Nurture)
	postWinDelay := d.delay(sc.Delays.PostWin)
	ticketDelay := d.delay(sc.Delays.Ticket)
	amountU := d.float()

	rec.Steps = append(rec.Steps, Step{At: t0, Phase: PhaseCreated, LifecycleStage: sc.InitialStage, LeadStatus: "NEW"})
	if j.note0 {
		p.add(KindNote, PhaseCreated, t0, noteDelay, assocContactCompany)
	}
	if !j.mql {
		return rec, nil
	}
	status := "OPEN"
	if j.calls > 0 {
		status = "IN_PROGRESS"
	}
	rec.Steps = append(rec.Steps, Step{At: mqlAt, Phase: PhaseMQL, LifecycleStage: LifecycleMQL, LeadStatus: status})
	cs := newStream(spec.Seed, uint64(index), purposeCallDelays)
	prev := mqlAt
	for range j.calls {
		cd := cs.jittered(sc.Delays.Call)
		p.add(KindCall, PhaseMQL, prev, cd, assocContactCompany)
		prev = prev.Add(cd)
	}
	if j.task {
		p.add(KindTask, PhaseMQL, mqlAt, taskDelay, assocContactCompany)
	}
	if j.regressed {
		rec.Steps = append(rec.Steps, Step{At: regAt, Phase: PhaseRegression, LifecycleStage: LifecycleLead, LeadStatus: "BAD_TIMING"})
		if j.nurture {
			p.add(KindNote, PhaseRegression, regAt, nurtureDelay, assocContactCompany)
		}
	}
	if !j.deal {
		sortActivities(rec.Activities)
		return rec, nil
	}
	rec.Steps = append(rec.Steps, Step{At: dealAt, Phase: PhaseDeal, LifecycleStage: LifecycleOpportunity, LeadStatus: "OPEN_DEAL"})
	ms := newStream(spec.Seed, uint64(index), purposeMeetingDelays)
	prev = dealAt
	for m := range j.meetings {
		md := ms.delay(sc.Delays.Meeting)
		td := ms.delay(sc.Delays.Task)
		p.add(KindMeeting, PhaseDeal, prev, md, assocContactCompanyDeal)
		meetAt := prev.Add(md)
		if j.meetingTasks&(1<<m) != 0 {
			p.add(KindTask, PhaseDeal, meetAt, td, assocContactCompanyDeal)
		}
		prev = meetAt
	}
	closeAt := prev.Add(closeGap)
	deal := &Deal{
		Key:       key + "-deal",
		Outcome:   j.outcome,
		Stage:     OpenDealStages[j.stage],
		Amount:    dealAmount(sc.DealAmount, amountU),
		CreatedAt: dealAt,
		CloseAt:   closeAt,
	}
	rec.Deal = deal
	switch j.outcome {
	case DealWon:
		deal.Stage = StageWon
		rec.Steps = append(rec.Steps, Step{At: closeAt, Phase: PhaseWon, LifecycleStage: LifecycleCustomer})
		if j.postWin {
			p.add(KindNote, PhaseWon, closeAt, postWinDelay, assocContactCompanyDeal)
		}
	case DealLost:
		deal.Stage = StageLost
		rec.Steps = append(rec.Steps, Step{At: closeAt, Phase: PhaseLost, LeadStatus: "UNQUALIFIED"})
		if j.ticket {
			p.add(KindTicket, PhaseLost, closeAt, ticketDelay, assocContactCompanyDeal)
		}
	}
	sortActivities(rec.Activities)
	return rec, nil
}

// sortActivities orders by time, keeping phase order for ties (insertion sort:
// a record has a handful of activities).
func sortActivities(a []Activity) {
	for i := 1; i < len(a); i++ {
		for k := i; k > 0 && a[k].At.Before(a[k-1].At); k-- {
			a[k], a[k-1] = a[k-1], a[k]
		}
	}
}

// dealAmount draws log-uniformly in r and rounds to two significant digits.
func dealAmount(r Range, u float64) int64 {
	v := math.Exp(math.Log(r.Min) + u*(math.Log(r.Max)-math.Log(r.Min)))
	unit := math.Max(1, math.Pow(10, math.Floor(math.Log10(v))-1))
	v = math.Round(v/unit) * unit
	return int64(math.Max(math.Ceil(r.Min), math.Min(v, math.Floor(r.Max))))
}
