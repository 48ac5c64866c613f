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
	Pipeline Pipeline // the deals' pipeline; zero: HubSpot's default
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
	PhaseLead       Phase = "lead"       // a subscriber becomes a lead
	PhaseMQL        Phase = "mql"        // marketing qualified lead
	PhaseWorking    Phase = "working"    // sales starts working the lead (first call)
	PhaseRegression Phase = "regression" // back to lead, nurtured
	PhaseSQL        Phase = "sql"        // sales qualified lead
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

// Lead statuses (HubSpot contact property hs_lead_status).
const (
	LeadNew         = "NEW"
	LeadOpen        = "OPEN"
	LeadInProgress  = "IN_PROGRESS"
	LeadConnected   = "CONNECTED"
	LeadOpenDeal    = "OPEN_DEAL"
	LeadUnqualified = "UNQUALIFIED"
	LeadBadTiming   = "BAD_TIMING"
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
	Pipeline  string // pipeline id
	Outcome   DealOutcome
	Stage     string // final stage
	Amount    int64  // whole currency units
	CreatedAt time.Time
	CloseAt   time.Time  // actual close for won/lost, expected close for open deals
	Path      []DealStep // stages in pipeline order; Path[0] is the stage at creation, the last one is Stage
}

// DealStep is the moment a deal enters a stage.
type DealStep struct {
	At    time.Time
	Stage string
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
	Scenario  string // scenario name: picks the naming
	Consumer  bool   // the scenario sells to private buyers (the company is their employer)
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
	Scenario   string // scenario name: picks the content (titles, deal names)
	Consumer   bool   // the contact is a private buyer (no job title)
	Index      int
	Seed       uint64 // seeds the contact's fake data
	CreatedAt  time.Time
	FirstName  string
	LastName   string
	Email      string // see PersonOf
	Company    Company
	Steps      []Step // lifecycle and lead status changes in time order; Steps[0] is the creation
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
	lostRegress                                                       bool // a lost deal's contact falls back to lead
	outcome                                                           DealOutcome
	stage                                                             int // weighted open stage (of five) an open deal stays in
	lostAt                                                            int // weighted open stage (of five) a lost deal is lost from
	calls, meetings                                                   int
	meetingTasks                                                      uint32 // bit m: meeting m is followed by a task
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func decide(spec *Spec, index int) journey {
	seed, sc := spec.Seed, &spec.Scenario
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
	o := newStream(seed, uint64(index), purposeOutcome)
	j.lostAt = pickWeighted(sc.StageWeights[:], o.float())
	j.lostRegress = j.outcome == DealLost && o.float() < sc.PRegression
	m := newStream(seed, uint64(index), purposeMeetings)
	for j.meetings < min(sc.Caps.Meetings, maxPerRecord) && m.float() < sc.PMeeting {
		if m.float() < sc.PTaskAfterMeeting {
			j.meetingTasks |= 1 << j.meetings
		}
		j.meetings++
	}
	return j
}

// lastStage is the last open stage (of n) the deal enters: all of them for a
// won deal, the stage it stays in or is lost from otherwise.
func (j *journey) lastStage(n int) int {
	switch j.outcome {
	case DealWon:
		return n - 1
	case DealLost:
		return openStage(j.lostAt, n)
	}
	return openStage(j.stage, n)
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
	j := decide(spec, index)
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
	spec      *Spec
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

// times are a record's phase moments and single delays. They come from
// fixed draw slots so that they do not move when a loop changes length.
type times struct {
	created, mql, regression, deal       time.Time
	closeGap                             time.Duration
	note, task, nurture, postWin, ticket time.Duration
	amountU                              float64
}

func planTimes(spec *Spec, index int) times {
	sc := &spec.Scenario
	d := newStream(spec.Seed, uint64(index), purposeDelays)
	var t times
	t.created = spec.Planner.At(index)
	t.note = d.delay(sc.Delays.Note)
	t.mql = t.created.Add(d.delay(sc.Gaps.MQL))
	t.regression = t.mql.Add(d.delay(sc.Gaps.Regression))
	t.deal = t.mql.Add(d.delay(sc.Gaps.Deal))
	t.closeGap = d.delay(sc.Gaps.Close)
	t.task = d.delay(sc.Delays.Task)
	t.nurture = d.delay(sc.Delays.Nurture)
	t.postWin = d.delay(sc.Delays.PostWin)
	t.ticket = d.delay(sc.Delays.Ticket)
	t.amountU = d.float()
	return t
}

// between is the moment a fraction f of the way from a to b.
func between(a, b time.Time, f float64) time.Time {
	return a.Add(time.Duration(f * float64(b.Sub(a))).Round(time.Second))
}

// PlanRecord plans record index. used holds the candidates of all records
// with a smaller index (prefix sums of Candidates); activities past the
// simulation budget are dropped, latest phase first, and counted in Dropped.
// The same (spec, index, used) always gives the same record.
//
// A journey reads top to bottom: the contact is created (with a note); some
// contacts qualify as marketing leads (calls, or a follow-up task); of those,
// some get a deal (sales qualified, opportunity, meetings, stage by stage to
// won or lost) and the others may fall back to lead (a nurture note).
func PlanRecord(spec *Spec, index int, used Counts) (Record, error) {
	if spec.Planner == nil || index < 0 || index >= spec.Planner.Count() {
		return Record{}, invalid("index", ErrIndex, strconv.Itoa(index))
	}
	j := decide(spec, index)
	t := planTimes(spec, index)
	rec := newRecord(spec, index, t.created)
	p := newRecordPlan(spec, &rec, used)

	p.create(j, t)
	if j.mql {
		firstCall := p.qualify(j, t)
		if j.deal {
			p.sell(j, t, firstCall)
		} else {
			p.stall(j, t, firstCall)
		}
	}
	sortActivities(rec.Activities)
	return rec, nil
}

func newRecord(spec *Spec, index int, at time.Time) Record {
	person := PersonOf(spec, index)
	return Record{
		Key:       RecordKey(spec.SimID, index),
		SimID:     spec.SimID,
		Scenario:  spec.Scenario.Name,
		Consumer:  spec.Scenario.Consumer,
		Index:     index,
		Seed:      hashSeed(spec.Seed, uint64(index), purposeData),
		CreatedAt: at,
		FirstName: person.FirstName,
		LastName:  person.LastName,
		Email:     person.Email,
		Company:   CompanyOf(spec, index),
		Steps:     make([]Step, 0, 6),
	}
}

func newRecordPlan(spec *Spec, rec *Record, used Counts) *recordPlan {
	sc := &spec.Scenario
	var remaining Counts
	for _, k := range ActivityKinds {
		remaining.Set(k, max(0, sc.Budgets.Get(k)-used.Get(k)))
	}
	return &recordPlan{spec: spec, rec: rec, caps: sc.Caps, remaining: remaining,
		actSeed: hashSeed(spec.Seed, uint64(rec.Index), purposeActivity)}
}

func (p *recordPlan) step(at time.Time, ph Phase, stage, status string) {
	p.rec.Steps = append(p.rec.Steps, Step{At: at, Phase: ph, LifecycleStage: stage, LeadStatus: status})
}

// create: the contact arrives as the scenario's initial stage, lead status NEW.
func (p *recordPlan) create(j journey, t times) {
	p.step(t.created, PhaseCreated, p.spec.Scenario.InitialStage, LeadNew)
	if j.note0 {
		p.add(KindNote, PhaseCreated, t.created, t.note, assocContactCompany)
	}
}

// qualify: a subscriber first becomes a lead, then the contact becomes a
// marketing qualified lead (OPEN); calls start (IN_PROGRESS at the first one)
// or a follow-up task is due. It returns the first call's moment (zero
// without calls).
func (p *recordPlan) qualify(j journey, t times) time.Time {
	sc := &p.spec.Scenario
	if sc.InitialStage == LifecycleSubscriber {
		p.step(between(t.created, t.mql, 0.5), PhaseLead, LifecycleLead, "")
	}
	p.step(t.mql, PhaseMQL, LifecycleMQL, LeadOpen)
	cs := newStream(p.spec.Seed, uint64(p.rec.Index), purposeCallDelays)
	var firstCall time.Time
	prev := t.mql
	for range j.calls {
		cd := cs.jittered(sc.Delays.Call)
		p.add(KindCall, PhaseMQL, prev, cd, assocContactCompany)
		prev = prev.Add(cd)
		if firstCall.IsZero() {
			firstCall = prev
		}
	}
	if j.task {
		p.add(KindTask, PhaseMQL, t.mql, t.task, assocContactCompany)
	}
	return firstCall
}

// working is the lead status change at the first call, placed no later than a
// third of the way to the next lifecycle step so the steps keep their order.
func (p *recordPlan) working(firstCall, mql, next time.Time) {
	if firstCall.IsZero() {
		return
	}
	p.step(minTime(firstCall, between(mql, next, 1.0/3)), PhaseWorking, "", LeadInProgress)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// stall: an MQL without a deal stays a marketing lead or falls back to lead
// (BAD_TIMING) and gets a nurture note.
func (p *recordPlan) stall(j journey, t times, firstCall time.Time) {
	next := t.regression
	if !j.regressed {
		next = t.mql.Add(p.spec.Scenario.Gaps.regressionMax())
	}
	p.working(firstCall, t.mql, next)
	if !j.regressed {
		return
	}
	p.step(t.regression, PhaseRegression, LifecycleLead, LeadBadTiming)
	if j.nurture {
		p.add(KindNote, PhaseRegression, t.regression, t.nurture, assocContactCompany)
	}
}

// sell: the MQL becomes sales qualified (CONNECTED), then an opportunity with
// a deal (OPEN_DEAL); meetings follow; the deal moves through its pipeline's
// open stages and, unless it stays open, closes won (the contact becomes a
// customer) or lost (the contact is UNQUALIFIED, or falls back to lead).
func (p *recordPlan) sell(j journey, t times, firstCall time.Time) {
	sc := &p.spec.Scenario
	sqlAt := between(t.mql, t.deal, 2.0/3)
	p.working(firstCall, t.mql, sqlAt)
	p.step(sqlAt, PhaseSQL, LifecycleSQL, LeadConnected)
	p.step(t.deal, PhaseDeal, LifecycleOpportunity, LeadOpenDeal)

	ms := newStream(p.spec.Seed, uint64(p.rec.Index), purposeMeetingDelays)
	prev := t.deal
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
	closeAt := prev.Add(t.closeGap)
	pl := p.spec.Pipeline.orDefault()
	deal := &Deal{
		Key:       p.rec.Key + "-deal",
		Pipeline:  pl.ID,
		Outcome:   j.outcome,
		Amount:    dealAmount(sc.DealAmount, t.amountU),
		CreatedAt: t.deal,
		CloseAt:   closeAt,
	}
	p.rec.Deal = deal
	// Open stages 0…last are entered in order, spread evenly up to the close.
	last := j.lastStage(len(pl.Open))
	deal.Path = make([]DealStep, 0, last+2)
	ts := newStream(p.spec.Seed, uint64(p.rec.Index), purposeStageTimes)
	for s := 0; s <= last; s++ {
		at := t.deal
		if s > 0 {
			at = between(t.deal, closeAt, (float64(s)+0.5*ts.float())/float64(last+1))
		}
		deal.Path = append(deal.Path, DealStep{At: at, Stage: pl.Open[s]})
	}
	switch j.outcome {
	case DealWon:
		deal.Path = append(deal.Path, DealStep{At: closeAt, Stage: pl.Won})
		p.step(closeAt, PhaseWon, LifecycleCustomer, "")
		if j.postWin {
			p.add(KindNote, PhaseWon, closeAt, t.postWin, assocContactCompanyDeal)
		}
	case DealLost:
		deal.Path = append(deal.Path, DealStep{At: closeAt, Stage: pl.Lost})
		if j.lostRegress {
			p.step(closeAt, PhaseLost, LifecycleLead, LeadBadTiming)
		} else {
			p.step(closeAt, PhaseLost, "", LeadUnqualified)
		}
		if j.ticket {
			p.add(KindTicket, PhaseLost, closeAt, t.ticket, assocContactCompanyDeal)
		}
	}
	deal.Stage = deal.Path[len(deal.Path)-1].Stage
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
